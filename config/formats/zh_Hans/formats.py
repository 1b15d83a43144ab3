# Django's Simplified Chinese formats, but amounts grouped by thousands (1,234,567.89) as Chinese
# invoices, bank slips and the bureau's own exports print them.
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

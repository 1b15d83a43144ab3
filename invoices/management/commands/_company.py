from django.core.management.base import CommandError

from accounts.models import Company
from accounts.selectors import company_get_by_tin
from invoices.fapiao import normalize_id


def company_from_option(tin: str) -> Company:
    company = company_get_by_tin(tin=normalize_id(tin))
    if company is None:
        raise CommandError(f"No company has the taxpayer ID {tin} / 没有纳税人识别号为 {tin} 的公司")
    return company

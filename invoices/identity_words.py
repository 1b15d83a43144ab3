"""An invoice's identity as a person reads it: the 20-digit 数电 number alone, or a legacy
invoice's number with its 发票代码 — never the `code:number` key the ledger and the bureau's data
are matched on."""

from django.utils.translation import gettext as _


def identity_words(identity: str) -> str:
    code, separator, number = str(identity or "").rpartition(":")
    if not separator:
        return number
    if not code:
        return number
    return _("%(number)s (code %(code)s)") % {"number": number, "code": code}

from decimal import Decimal

from django import template

from invoices.deduction import deduction_applies, why_not_deductible
from invoices.models import Deduction
from invoices.rates import rate_percent

register = template.Library()


@register.filter
def plain_decimal(value) -> str:
    """A quantity or unit price as written: 2902.86, not the database's 2902.86000000."""
    if not isinstance(value, Decimal):
        return "" if value is None else str(value)
    return format(value.normalize(), "f") if value else "0"


@register.filter
def percent(rate: str) -> str:
    """A line's rate as people read it: 13%, not 0.13."""
    return rate_percent(rate)


@register.filter
def takes_deduction(invoice) -> bool:
    """Whether the invoice's deduction state means anything: it can be ticked, or it was."""
    return deduction_applies(invoice) or invoice.deduction != Deduction.UNTICKED


@register.filter
def not_deductible_because(invoice) -> str:
    return why_not_deductible(invoice)

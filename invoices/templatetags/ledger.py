from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain_decimal(value) -> str:
    """A quantity or unit price as written: 2902.86, not the database's 2902.86000000."""
    if not isinstance(value, Decimal):
        return "" if value is None else str(value)
    return format(value.normalize(), "f") if value else "0"

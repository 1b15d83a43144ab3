"""A line's tax rate as a person reads and types it. The ledger stores a rate as the bureau's
export writes it ("0.13", "0.015", 免税, 不征税); people read and type percentages ("13%",
"1.5%"), and a bare "13" means 13%. Pure: no Django."""

from decimal import Decimal, InvalidOperation


def rate_percent(rate: str) -> str:
    """ "0.13" -> "13%", "0.015" -> "1.5%", "0" -> "0%"; a word (免税, 不征税) or text that is not a
    rate as it stands."""
    try:
        value = Decimal(rate)
    except (InvalidOperation, TypeError):
        return rate
    if not value.is_finite() or not 0 <= value < 1:
        return rate
    percent = (value * 100).normalize()
    return f"{format(percent, 'f')}%"


def typed_rate(text: str) -> Decimal:
    """The rate a person typed: "13%", "13" or "0.13" are all 0.13. Raises InvalidOperation."""
    value = Decimal(text.removesuffix("%"))
    if not value.is_finite():
        raise InvalidOperation(text)
    if text.endswith("%") or 1 <= value < 100:
        return value / 100
    return value

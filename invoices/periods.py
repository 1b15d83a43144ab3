"""Calendar months, the unit of VAT periods, bureau exports and the dashboard. Pure."""

from datetime import date, timedelta


def month_bounds(day: date) -> tuple[date, date]:
    """The first and the last day of `day`'s month."""
    first = day.replace(day=1)
    return first, following_month(first) - timedelta(days=1)


def following_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_starts(last: date, count: int) -> list[date]:
    """The first days of the `count` months ending with `last`'s month, oldest first."""
    months, current = [], last.replace(day=1)
    for _index in range(count):
        months.append(current)
        current = (current - timedelta(days=1)).replace(day=1)
    return months[::-1]

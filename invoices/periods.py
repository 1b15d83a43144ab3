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


FILING_DAY = 15  # a month's VAT return is filed by the 15th of the month after (extended for holidays)


def filing_month(today: date) -> date:
    """The month a business is closing on `today`: the one before until its return is due, the
    current one after."""
    first = today.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1) if today.day <= FILING_DAY else first

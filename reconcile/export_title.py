"""What the title rows of a bureau export say about it: the 开票日期 range it was asked for (查询条件)
and when it was taken (导出时间). Pure: no Django.

The rows above the header are read as text, each row's cells joined (a merged title is one cell).
A range is two dates joined by 至, 到, ~ or a dash, after 开票日期 (起止, 范围, 区间) or in a
查询条件 row; 开票日期起 … 开票日期止 … is read too. The moment follows 导出时间 or 导出日期 (also 生成
or 下载), with or without a time. Dates are written 2026-11-01, 2026/11/01, 2026.11.01,
2026年11月01日 or 20261101, times 09:12, 09:12:33 or 9时12分33秒; text is NFKC-normalised first, so
full-width digits, colons and tildes read as their ASCII forms. A range whose start is after its end,
or a date that does not exist, is not read."""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"
_TIME = r"(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})\s*秒?)?(?:\.\d+)?"
_MOMENT = rf"(?:{_DATE})(?:\s*(?:{_TIME}))?"
_SEPARATOR = r"\s*(?:至|到|~|〜|-|—|–)\s*"
_RANGE = re.compile(rf"(?P<start>{_MOMENT}){_SEPARATOR}(?P<end>{_MOMENT})")
_ONE_DATE = re.compile(_DATE)
_ONE_MOMENT = re.compile(_MOMENT)
_ISSUED = r"开票(?:日期|时间)\s*"
_RANGE_LABEL = re.compile(rf"{_ISSUED}|查询条件|查询期间")
_FROM_TO = re.compile(rf"{_ISSUED}\(?起\)?[:\s]*(?P<start>.+?)\s*{_ISSUED}\(?止\)?[:\s]*(?P<end>.+)")
_EXPORTED = re.compile(r"(?:导出|生成|下载)(?:时间|日期)\s*[:]?\s*")


@dataclass(frozen=True)
class ExportTitle:
    period: tuple[date, date] | None = None  # the 开票日期 range the export was asked for
    exported_at: datetime | None = None  # naive, the bureau's local time; 00:00 when only a day is given


def read_export_title(lines: Sequence[str]) -> ExportTitle:
    """The period and the export moment that the title rows name; None for what they do not. A
    range after a label is preferred to one standing alone in a title."""
    exported_at, rest = None, []
    for line in lines:
        text = unicodedata.normalize("NFKC", line)
        if (label := _EXPORTED.search(text)) and (moment := _ONE_MOMENT.match(text, label.end())):
            exported_at = exported_at or _moment(moment)
            text = text[: label.start()] + " " + text[moment.end() :]
        rest.append(text)
    labelled = (_period(text, label.start()) for text in rest if (label := _RANGE_LABEL.search(text)))
    anywhere = (_period(text, 0) for text in rest)
    period = next((found for found in (*labelled, *anywhere) if found), None)
    return ExportTitle(period, exported_at)


def _period(text: str, start: int) -> tuple[date, date] | None:
    if match := _FROM_TO.search(text, start):
        first, last = _ONE_DATE.search(match["start"]), _ONE_DATE.search(match["end"])
    elif match := _RANGE.search(text, start):
        first, last = _ONE_DATE.match(match["start"]), _ONE_DATE.match(match["end"])
    else:
        return None
    found = _day(first), _day(last)
    if None in found or found[0] > found[1]:
        return None
    return found


def _day(match: re.Match | None) -> date | None:
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups()[:6] if part is not None)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _moment(match: re.Match) -> datetime | None:
    day = _day(_ONE_DATE.match(match[0]))
    clock = [int(part) for part in match.groups()[6:9] if part is not None]
    try:
        return datetime.combine(day, time(*clock)) if day else None
    except ValueError:
        return None

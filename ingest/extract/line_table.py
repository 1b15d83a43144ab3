"""The line table of an invoice page: its column headings and the lines under them, down to 合计.
Pure: no Django.

Each line is read from the right, where its cells are least ambiguous (税额, 税率, 金额), then the
item name on the left, then the cells between, each under the nearest heading. Amounts are two-place
Decimal text and a 免税 tax printed as *** is 0 (docs/fapiao-rules.md §Amounts).
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from ingest.extract.base import LINE_FIELD_NAMES
from ingest.extract.geometry import Row, Word, bounds
from ingest.extract.layout import LABEL_RES, Layout, compact, spaced
from invoices.fapiao import FapiaoParseError, parse_amount

_COLUMN_LABELS = (
    ("item_name", ("项目名称", "货物或应税劳务、服务名称", "货物或应税劳务名称", "货物(劳务)名称")),
    ("spec", ("规格型号",)),
    ("unit", ("单位",)),
    ("quantity", ("数量",)),
    ("unit_price", ("单价",)),
    ("amount", ("金额",)),
    ("rate", ("税率/征收率", "征收率", "税率")),
    ("tax", ("税额",)),
    ("", ("车牌号", "类型", "通行日期起", "通行日期止")),  # 通行费 columns the contract has no field for
)
_COLUMN_RE = re.compile(
    "|".join(f"(?P<c{index}>{spaced(*labels)})" for index, (_, labels) in enumerate(_COLUMN_LABELS))
)
_RATE_RE = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})?%|免税|不征税|免征|出口零税)$")
_AMOUNT_AND_RATE_RE = re.compile(r"^(-?[\d,]+\.\d{2})(\d{1,2}(?:\.\d{1,2})?%)$")


@dataclass(frozen=True)
class Column:
    field: str  # a LINE_FIELD_NAMES name, "" for a column the contract does not keep
    x0: float
    x1: float

    @property
    def centre_x(self) -> float:
        return (self.x0 + self.x1) / 2


def _columns(row: Row) -> list[Column]:
    columns = []
    for match in _COLUMN_RE.finditer(row.text):
        index = int(match.lastgroup[1:])
        glyphs = [owner for owner in row.owners[match.start() : match.end()] if owner is not None]
        box = bounds(glyphs)
        columns.append(Column(_COLUMN_LABELS[index][0], box.x0, box.x1))
    return columns


def table(layout: Layout) -> tuple[list[Column], list[Row]]:
    """The line table's headings and the rows under them, down to 合计 (or the page's end)."""
    for index, row in enumerate(layout.rows):
        columns = _columns(row)
        fields = {column.field for column in columns}
        if {"item_name", "amount", "tax"} <= fields:
            body = []
            for below in layout.rows[index + 1 :]:
                if LABEL_RES["sum"].search(below.text) or LABEL_RES["grand_total"].search(below.text):
                    break
                body.append(below)
            return columns, body
    return [], []


def read_lines(columns: list[Column], body: list[Row]) -> list[dict[str, str]]:
    lines: list[dict[str, str]] = []
    name_edge = _name_edge(columns)
    for row in body:
        line = _line(row, columns, name_edge)
        if line is not None:
            lines.append(line)
        elif lines and all(word.x0 < name_edge for word in row.words):
            # A long item name wraps onto the next row of its cell.
            lines[-1]["item_name"] += "".join("".join(word.printed.split()) for word in row.words)
    return lines


def _name_edge(columns: list[Column]) -> float:
    ordered = sorted(columns, key=lambda column: column.x0)
    for column, following in pairwise(ordered):
        if column.field == "item_name":
            return (column.x1 + following.x0) / 2
    return float("-inf")


def _line(row: Row, columns: list[Column], name_edge: float) -> dict[str, str] | None:
    """One line, read from the right, where its cells are least ambiguous: 税额, 税率, 金额; then
    the name on the left; then the cells between, each under the nearest heading."""
    cells = _split_amount_and_rate([(word, compact(word.text)) for word in row.words])
    if len(cells) < 3:
        return None
    (_, amount_text), (_, rate_text), (_, tax_text) = cells[-3:]
    amount = money(amount_text)
    tax = Decimal("0.00") if is_stars(tax_text) else money(tax_text)
    if amount is None or tax is None or not _RATE_RE.match(rate_text):
        return None
    line = dict.fromkeys(LINE_FIELD_NAMES, "")
    line.update(amount=str(amount), rate=rate_text, tax=str(tax))
    rest = cells[:-3]
    line["item_name"] = " ".join(" ".join(word.printed for word, _ in rest if word.x0 < name_edge).split())
    middle = [(word, text) for word, text in rest if word.x0 >= name_edge]
    for field, word, text in _placed(middle, columns):
        if field in ("quantity", "unit_price"):
            line[field] = text if _is_number(text) else ""
        elif field:
            line[field] = " ".join(word.printed.split())
    return line


def _split_amount_and_rate(cells: list[tuple[Word, str]]) -> list[tuple[Word, str]]:
    """An amount and a rate printed too close to tell apart by their spacing ("50.1813%")."""
    if len(cells) >= 2:
        match = _AMOUNT_AND_RATE_RE.match(cells[-2][1])
        if match:
            box = cells[-2][0]
            return [*cells[:-2], (box, match.group(1)), (box, match.group(2)), cells[-1]]
    return cells


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def _placed(cells: list[tuple[Word, str]], columns: list[Column]) -> list[tuple[str, Word, str]]:
    """Cells between the name and the 金额, each under a distinct heading, keeping their left-to-
    right order, so that the total distance from cell to heading is least."""
    middle = sorted(
        (column for column in columns if column.field not in ("item_name", "amount", "rate", "tax")),
        key=lambda column: column.x0,
    )
    if not cells or len(cells) > len(middle):
        return []
    best = _assign(tuple(box.centre_x for box, _ in cells), tuple(column.centre_x for column in middle))
    return [(middle[index].field, word, text) for index, (word, text) in zip(best, cells, strict=True)]


def _assign(cells: tuple[float, ...], headings: tuple[float, ...]) -> list[int]:
    """Indices of headings for the cells, increasing, minimising the summed distances."""
    table: dict[tuple[int, int], tuple[float, list[int]]] = {}

    def cost(cell: int, heading: int) -> tuple[float, list[int]]:
        if cell == len(cells):
            return 0.0, []
        if len(headings) - heading < len(cells) - cell:
            return float("inf"), []
        if (cell, heading) not in table:
            here, rest = cost(cell + 1, heading + 1)
            take = (abs(cells[cell] - headings[heading]) + here, [heading, *rest])
            skip = cost(cell, heading + 1)
            table[cell, heading] = min(take, skip, key=lambda option: option[0])
        return table[cell, heading]

    return cost(0, 0)[1]


def money(text: str) -> Decimal | None:
    try:
        return parse_amount(text)
    except FapiaoParseError:
        return None


def is_stars(text: str) -> bool:
    """The *** a 免税 or 不征税 line prints in place of its tax."""
    text = compact(text)
    return bool(text) and set(text) == {"*"}

"""The tax bureau's exports read into InvoiceRecords. Pure: no Django.

Implements docs/fapiao-rules.md §BureauExports (the 全量发票查询 发票基础信息 sheet, the line sheet and the
抵扣类勾选 list: headers matched by name below any title rows, with the known aliases; identity =
数电发票号码, else 发票代码:发票号码; red invoices and their blue originals from 是否正数发票 and 备注),
§Status (status texts and codes) and §Normalisation (identifiers as text: an id Excel stored as a number has
lost digits and is reported). The title rows above the header may name the 开票日期 range asked for and the
export's moment (reconcile/export_title.py).

The line sheet has one row per invoice line: its rows are grouped by identity in file order and the
lines' 金额 and 税额 added up; the total is their sum (a line's 价税合计 is not repeated per invoice
consistently enough across exports to be trusted). An invoice with a line that cannot be read is left
out whole, as its row would be in the basic sheet."""

from collections import Counter
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter

from invoices.fapiao import (
    Kind,
    invoice_identity,
    kind_from_bureau_text,
    kind_from_invoice_code,
    kind_from_tax_account_code,
)
from invoices.ledger_file import RED_DIGITAL, RED_LEGACY, STATUS_WORDS
from invoices.spreadsheets import CellKind, Column, Row, SpreadsheetError, read_table
from reconcile.export_title import ExportTitle, read_export_title
from reconcile.records import InvoiceRecord

LAYOUTS = ("basic", "lines", "tick")
STATUS_CODES = {"01": "normal", "02": "voided", "03": "red_flushed_full", "04": "red_flushed_partial"}
ZERO = Decimal("0.00")

COLUMNS = (
    Column("发票代码", CellKind.ID),
    Column("发票号码", CellKind.ID),
    Column("数电发票号码", CellKind.ID),
    Column("销方识别号", CellKind.ID, aliases=("销售方纳税人识别号", "销售方识别号", "销方税号")),
    Column("销方名称", CellKind.TEXT, aliases=("销售方纳税人名称", "销售方名称")),
    Column("购方识别号", CellKind.ID, aliases=("购买方识别号", "购买方纳税人识别号", "购方税号")),
    Column("购买方名称", CellKind.TEXT, aliases=("购方名称", "购买方纳税人名称")),
    Column("开票日期", CellKind.DATE),
    Column("金额", CellKind.AMOUNT, aliases=("合计金额",)),
    Column("税额", CellKind.AMOUNT, aliases=("票面税额", "合计税额")),
    Column("价税合计", CellKind.AMOUNT),
    Column("发票票种", CellKind.TEXT, aliases=("票种",)),
    Column("发票状态", CellKind.TEXT),
    Column("是否正数发票", CellKind.TEXT),
    Column("备注", CellKind.TEXT),
    Column("货物或应税劳务名称", CellKind.TEXT),
    Column("税率", CellKind.NUMBER),
    Column("是否勾选", CellKind.TEXT),
    Column("有效抵扣税额", CellKind.AMOUNT),
)
MAX_ROWS = 2_000_000  # the line sheet of a year of a busy company's invoices
REQUIRED = ("开票日期", "金额", "税额", "销方识别号", "购方识别号")  # both TINs: they tell the direction


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    code: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BureauFile:
    layout: str
    format: str
    sheet: str
    header_row: int
    records: tuple[InvoiceRecord, ...]
    problems: tuple[RowProblem, ...]
    direction: str
    period: tuple[date, date] | None  # the first and last issue date of its invoices
    ignored_columns: tuple[str, ...]
    title: ExportTitle  # the period asked for and the export's moment, when its title rows say

    def __reduce__(self):
        # It comes back by pickle from the child process that reads the file (sandbox/): records
        # pickled as columns of plain values come and go three times as fast as one by one.
        others = {name: getattr(self, name) for name in _FILE_FIELDS if name != "records"}
        return (_unpacked_file, (others, _packed_records(self.records)))


_FILE_FIELDS = tuple(each.name for each in fields(BureauFile))
_RECORD_FIELDS = tuple(each.name for each in fields(InvoiceRecord))
_AMOUNT_FIELDS = ("amount", "tax", "total")
_PACKED = {"issue_date": (date.toordinal, date.fromordinal), **dict.fromkeys(_AMOUNT_FIELDS, (str, Decimal))}


def _packed_records(records: tuple[InvoiceRecord, ...]) -> tuple[tuple, ...]:
    """One tuple per field, issue dates as day numbers, amounts as text."""
    return tuple(_column(name, map(attrgetter(name), records)) for name in _RECORD_FIELDS)


def _column(name: str, values) -> tuple:
    return tuple(map(_PACKED[name][0], values) if name in _PACKED else values)


def _unpacked_file(others: dict, columns: tuple[tuple, ...]) -> BureauFile:
    columns = [
        map(_PACKED[name][1], column) if name in _PACKED else column
        for name, column in zip(_RECORD_FIELDS, columns, strict=True)
    ]
    return BureauFile(records=tuple(map(InvoiceRecord, *columns)), **others)


class BureauFileError(ValueError):
    """The whole file refused: `code` names why, `params` (text) fill the message."""

    def __init__(self, code: str, **params: str):
        self.code = code
        self.params = {key: str(value) for key, value in params.items()}
        super().__init__(f"{code}: {self.params}" if self.params else code)


def _layout(columns: tuple[str, ...]) -> str:
    if "货物或应税劳务名称" in columns or "税率" in columns:
        return "lines"
    if "是否勾选" in columns or "有效抵扣税额" in columns:
        return "tick"
    return "basic"


def _text(row: Row, column: str) -> str:
    """A text or id cell: read_table gives them trimmed, or None when empty."""
    return row.values.get(column) or ""


def _status(text: str) -> str | None:
    if not text:
        return "normal"
    return STATUS_CODES.get(text) or STATUS_WORDS.get(text.replace(" ", ""))


@lru_cache(maxsize=256)
def _kind_named(text: str) -> Kind | None:
    return kind_from_bureau_text(text) or kind_from_tax_account_code(text)


def _kind(text: str, code: str) -> str:
    kind = _kind_named(text) if text else None
    if kind is None and code:
        kind = kind_from_invoice_code(code)
    return (kind or Kind.OTHER).value


def _blue(remarks: str) -> str:
    if match := RED_DIGITAL.search(remarks):
        return match.group(1)
    if match := RED_LEGACY.search(remarks):
        return f"{match.group(1)}:{match.group(2)}"
    return ""


def _numbers(row: Row) -> tuple[str, str, str]:
    """发票代码, 发票号码 and 数电发票号码 as the identity takes them: a 数电 number alone is the number."""
    code, number, digital = _text(row, "发票代码"), _text(row, "发票号码"), _text(row, "数电发票号码")
    return (code, digital, "") if digital and not code else (code, number, digital)


def _record(row: Row, problems: list[RowProblem]) -> InvoiceRecord | None:
    for error in row.errors:
        problems.append(RowProblem(row.number, error.column, error.code, dict(error.params)))
    if row.errors:
        return None
    code, number, digital = _numbers(row)
    issued, amount, tax = row.values.get("开票日期"), row.values.get("金额"), row.values.get("税额")
    if not number or issued is None or amount is None or tax is None:
        missing = (
            "发票号码"
            if not number
            else "开票日期"
            if issued is None
            else "金额"
            if amount is None
            else "税额"
        )
        problems.append(RowProblem(row.number, missing, "missing_value"))
        return None
    status = _status(_text(row, "发票状态"))
    if status is None:
        problems.append(
            RowProblem(row.number, "发票状态", "unknown_status", {"text": _text(row, "发票状态")})
        )
        return None
    total = row.values.get("价税合计")
    total = total if isinstance(total, Decimal) else amount + tax
    remarks = _text(row, "备注")
    is_red = total < 0 or _text(row, "是否正数发票") == "否"
    return InvoiceRecord(
        key=str(row.number),
        code=code,
        number=number,
        digital_number=digital,
        identity=invoice_identity(code, number, digital),
        kind=_kind(_text(row, "发票票种"), code),
        issue_date=issued,
        seller_tin=_text(row, "销方识别号"),
        seller_name=_text(row, "销方名称"),
        buyer_tin=_text(row, "购方识别号"),
        buyer_name=_text(row, "购买方名称"),
        amount=amount,
        tax=tax,
        total=total,
        status=status,
        is_red=is_red,
        blue_identity=_blue(remarks) if remarks else "",
    )


def _invoices_with_lines_not_read(rows: tuple[Row, ...], problems: list[RowProblem]) -> set[str]:
    """The identities of the line sheet's invoices that have a line not read, as far as that line's
    numbers can be read: such an invoice is left out like a row of the basic sheet, rather than read
    with sums that are short and would show as a mismatch."""
    if not problems:
        return set()
    rows_not_read = {problem.row for problem in problems}
    identities = set()
    for row in rows:
        if row.number in rows_not_read:
            code, number, digital = _numbers(row)
            if number:
                identities.add(invoice_identity(code, number, digital))
    return identities


def _grouped_lines(records: list[InvoiceRecord], left_out: set[str]) -> list[InvoiceRecord]:
    """The line sheet's rows, one invoice each: the first row's data with the lines' sums."""
    invoices: dict[str, InvoiceRecord] = {}
    for record in records:
        if record.identity in left_out:
            continue
        first = invoices.get(record.identity)
        if first is None:
            invoices[record.identity] = record
            continue
        amount, tax = first.amount + record.amount, first.tax + record.tax
        invoices[record.identity] = replace(first, amount=amount, tax=tax, total=amount + tax)
    return [replace(record, total=record.amount + record.tax) for record in invoices.values()]


def _direction(records: list[InvoiceRecord], company_tin: str, requested: str | None) -> str:
    if not records:
        raise BureauFileError("empty")
    buying = sum(record.buyer_tin == company_tin for record in records)
    selling = sum(record.seller_tin == company_tin for record in records)
    half = len(records) / 2
    found = "purchase" if buying >= half else "sales" if selling >= half else None
    if found is None:
        sides = Counter(record.buyer_tin for record in records) + Counter(
            record.seller_tin for record in records
        )
        raise BureauFileError("other_taxpayer", tin=sides.most_common(1)[0][0] or "—", expected=company_tin)
    if requested and requested != found:
        raise BureauFileError("wrong_direction", direction=requested)
    return found


def read_bureau_file(data: bytes, *, company_tin: str, direction: str | None = None) -> BureauFile:
    try:
        table = read_table(data, COLUMNS, max_rows=MAX_ROWS)
    except SpreadsheetError as error:
        raise BureauFileError(error.code, **error.params) from None
    missing = [name for name in REQUIRED if name not in table.columns]
    if "发票号码" not in table.columns and "数电发票号码" not in table.columns:
        missing.append("数电发票号码")
    if missing:
        raise BureauFileError("missing_columns", columns="、".join(missing))
    layout = _layout(table.columns)
    problems: list[RowProblem] = []
    records = [record for row in table.rows if (record := _record(row, problems)) is not None]
    if layout == "lines":
        records = _grouped_lines(records, _invoices_with_lines_not_read(table.rows, problems))
    if not records and problems:
        first = problems[0]
        rows_not_read = len({problem.row for problem in problems})
        raise BureauFileError(
            "nothing_read", count=rows_not_read, row=first.row, column=first.column, problem_code=first.code
        )
    chosen = _direction(records, company_tin, direction)
    dates = [record.issue_date for record in records]
    return BureauFile(
        layout=layout,
        format=table.format,
        sheet=table.sheet,
        header_row=table.header_row,
        records=tuple(records),
        problems=tuple(problems),
        direction=chosen,
        period=(min(dates), max(dates)) if dates else None,
        ignored_columns=table.ignored_columns,
        title=read_export_title(table.title),
    )

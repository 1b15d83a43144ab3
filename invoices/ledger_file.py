"""The ledger as a spreadsheet: the columns of the bureau's 发票基础信息 export (docs/fapiao-rules.md §Ledger)
plus 方向, and how a row becomes an invoice's values. Pure: no Django.

The same layout is written by the export and read by the import, so a ledger survives a round
trip; a bureau export itself can be imported too (its extra columns are ignored), and so can a
ledger a clerk keeps by hand: columns in any order under the names people give them, no 票种
column, amounts typed as text, a 合计 row at the end (invoices/ledger_words.py holds the words).

A row is refused only when it lacks what identifies an invoice: its number (a legacy number with
its 发票代码), its date, and its amounts. Anything else that cannot be read is noted and the row
goes in with what could be: the kind from the 发票代码 or the 数电 number, the direction of the file."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoices.fapiao import (
    KIND_LABELS,
    Kind,
    is_digital_number,
    kind_from_bureau_text,
    kind_from_invoice_code,
    kind_from_tax_account_code,
)
from invoices.ledger_words import DIGITAL_KIND_WORDS, DIGITAL_SOURCES, DIRECTION_WORDS, is_summary_label, word
from invoices.spreadsheets import CellKind, Column, Row, unneutralise

DIRECTION_TEXT = {"purchase": "进项", "sales": "销项"}
STATUS_TEXT = {
    "normal": "正常",
    "voided": "已作废",
    "red_flushed_full": "已红冲-全额",
    "red_flushed_partial": "已红冲-部分",
}
STATUS_WORDS = {
    **{text: status for status, text in STATUS_TEXT.items()},
    "作废": "voided",
    "全额红冲": "red_flushed_full",
    "部分红冲": "red_flushed_partial",
    "已红冲": "red_flushed_full",
    "红冲": "red_flushed_full",
}
RED_DIGITAL = re.compile(r"被红冲蓝字数电发票号码[:：]\s*(\d{20})")
RED_LEGACY = re.compile(r"对应正数发票代码[:：]\s*(\d{10}|\d{12})\s*号码[:：]\s*(\d{8})")
# Kinds whose number stands without a 发票代码.
NUMBER_ALONE = frozenset({Kind.DIGITAL_SPECIAL, Kind.DIGITAL_ORDINARY, Kind.DIGITAL_UNKNOWN, Kind.OTHER})
# A ledger's "专票"/"普票" (or the default chosen for the file) on a row with a 数电 number and no 发票代码.
DIGITAL_COUNTERPART = {
    Kind.SPECIAL: Kind.DIGITAL_SPECIAL,
    Kind.E_SPECIAL: Kind.DIGITAL_SPECIAL,
    Kind.ORDINARY: Kind.DIGITAL_ORDINARY,
    Kind.E_ORDINARY: Kind.DIGITAL_ORDINARY,
}

EXPORT_COLUMNS = (
    Column("序号", CellKind.TEXT),
    Column("方向", CellKind.TEXT, aliases=("收/付", "进销项", "进项/销项", "发票方向", "进销方向")),
    Column("发票代码", CellKind.ID),
    Column("发票号码", CellKind.ID),
    Column("数电发票号码", CellKind.ID, aliases=("数电票号码", "全电发票号码", "全电票号码", "数电号码")),
    Column(
        "销方识别号",
        CellKind.ID,
        aliases=("销售方识别号", "销售方纳税人识别号", "销方税号", "销售方税号", "销方纳税人识别号"),
    ),
    Column("销方名称", CellKind.TEXT, aliases=("销售方名称", "销售方纳税人名称", "销售方", "销方")),
    Column(
        "购方识别号",
        CellKind.ID,
        aliases=("购买方识别号", "购买方纳税人识别号", "购方税号", "购买方税号", "购方纳税人识别号"),
    ),
    Column("购买方名称", CellKind.TEXT, aliases=("购方名称", "购买方纳税人名称", "购买方", "购方")),
    Column("开票日期", CellKind.DATE, required=True, aliases=("开票时间", "发票日期")),
    Column(
        "金额",
        CellKind.AMOUNT,
        required=True,
        aliases=("合计金额", "不含税金额", "金额(不含税)", "金额(元)", "不含税金额(元)"),
    ),
    Column("税额", CellKind.AMOUNT, required=True, aliases=("票面税额", "合计税额", "税额(元)", "税金")),
    Column("价税合计", CellKind.AMOUNT, aliases=("价税合计(元)", "合计", "含税金额", "价税合计金额")),
    Column("发票票种", CellKind.TEXT, aliases=("票种", "发票类型", "发票种类")),
    Column("发票状态", CellKind.TEXT, aliases=("状态",)),
    Column("是否正数发票", CellKind.TEXT),
    Column("开票人", CellKind.TEXT),
    Column("校验码", CellKind.ID),
    Column("备注", CellKind.TEXT),
    Column("蓝字发票号码", CellKind.ID),
    Column("抵扣状态", CellKind.TEXT),
    Column("发现的问题", CellKind.TEXT),
)
# What the import reads: the export's columns, and the bureau's 发票来源 (a 数电 row without 票种).
COLUMNS = (*EXPORT_COLUMNS, Column("发票来源", CellKind.TEXT))
# What a row must hold something of to be about an invoice at all.
SUBSTANCE = (
    "发票代码", "发票号码", "数电发票号码", "开票日期", "金额", "税额", "价税合计",
    "销方识别号", "销方名称", "购方识别号", "购买方名称", "备注",
)  # fmt: skip
TEXT_COLUMNS = tuple(column.name for column in COLUMNS if column.kind in (CellKind.TEXT, CellKind.ID))


@dataclass(frozen=True)
class RowProblem:
    code: str
    column: str
    params: dict[str, str]


@dataclass(frozen=True)
class LedgerRow:
    number: int
    values: dict  # the invoice's values, as invoices.drafts.clean_draft takes them
    status: str
    problems: tuple[RowProblem, ...]  # why the row cannot go in; empty when it can
    notes: tuple[RowProblem, ...] = ()  # what was read otherwise than the row said
    shown_number: str = ""  # the number the row carries, as the report shows it
    summary: bool = False  # a 合计/小计 row: no invoice
    blank: bool = False  # nothing but a 序号: no invoice


def kind_text(kind: str) -> str:
    """The bureau's 发票票种 text of a kind, so an exported file reads like the bureau's own."""
    return KIND_LABELS[Kind(kind)][0]


def _text(row: Row, column: str) -> str:
    value = row.values.get(column)
    return "" if value is None else unneutralise(str(value).strip())


def _named_kind(text: str, digital: bool) -> Kind | None:
    kind = kind_from_bureau_text(text) or kind_from_tax_account_code(text)
    if kind is None and digital and word(text) in DIGITAL_KIND_WORDS:
        kind = Kind.DIGITAL_UNKNOWN
    return kind


def _kind(row: Row, code: str, number: str, default: str, notes: list[RowProblem]) -> Kind | None:
    """The 票种 column's, else the 发票代码's, else the file's default, else a 数电 invoice of
    unknown 专/普 when the number or the 发票来源 says 数电; None when nothing tells."""
    text = _text(row, "发票票种")
    digital = not code and (is_digital_number(number) or word(_text(row, "发票来源")) in DIGITAL_SOURCES)
    kind = None
    if text:
        kind = _named_kind(text, digital)
        if kind is None:
            notes.append(RowProblem("kind_not_read", "发票票种", {"text": text}))
    if kind is None and code:
        kind = kind_from_invoice_code(code) or (Kind(default) if default else Kind.OTHER)
    if kind is None:
        kind = Kind(default) if default else Kind.DIGITAL_UNKNOWN if digital else None
    if digital:
        return DIGITAL_COUNTERPART.get(kind, kind)
    if kind is None or (not code and kind not in NUMBER_ALONE):
        return None  # a legacy number without its 发票代码 identifies no invoice
    return kind


def _blue_identity(remarks: str) -> str:
    if match := RED_DIGITAL.search(remarks):
        return match.group(1)
    if match := RED_LEGACY.search(remarks):
        return f"{match.group(1)}:{match.group(2)}"
    return ""


def _direction(row: Row, default: str, company_tin: str, notes: list[RowProblem]) -> str:
    text = _text(row, "方向")
    if text:
        if direction := DIRECTION_WORDS.get(word(text)):
            return direction
        notes.append(RowProblem("direction_not_read", "方向", {"text": text}))
    if default != "auto":
        return default
    seller, buyer = _text(row, "销方识别号").upper(), _text(row, "购方识别号").upper()
    return "sales" if seller == company_tin and buyer != company_tin else "purchase"


def _amounts(row: Row, problems: list[RowProblem], unreadable: set[str]) -> tuple:
    """金额, 税额 and 价税合计, the one missing worked out from the other two."""
    amount, tax, total = (row.values.get(name) for name in ("金额", "税额", "价税合计"))
    if total is None and amount is not None and tax is not None:
        total = amount + tax
    elif amount is None and tax is not None and total is not None:
        amount = total - tax
    elif tax is None and amount is not None and total is not None:
        tax = total - amount
    if None in (amount, tax, total) and not unreadable & {"金额", "税额", "价税合计"}:
        code = "no_amount" if (amount, tax, total) == (None, None, None) else "amounts_incomplete"
        problems.append(RowProblem(code, "金额", {}))
    return amount, tax, total


def _numbers(row: Row) -> tuple[str, str, str]:
    """发票代码, 发票号码 and 数电发票号码 as the identity takes them: a 数电 number alone is the number."""
    code, number, digital = _text(row, "发票代码"), _text(row, "发票号码"), _text(row, "数电发票号码")
    return (code, digital, "") if digital and not code else (code, number, digital)


def _shown_number(code: str, number: str, digital: str) -> str:
    return " ".join(part for part in (code, number, digital) if part)


def _is_summary(row: Row) -> bool:
    return any(
        isinstance(row.values.get(name), str) and is_summary_label(row.values[name]) for name in TEXT_COLUMNS
    )


def _is_blank(row: Row) -> bool:
    """Nothing of an invoice: a row a clerk numbered (or gave a 方向, a 状态) ahead of time."""
    return not row.errors and all(row.values.get(name) is None for name in SUBSTANCE)


def ledger_row(
    row: Row, *, direction: str, company_tin: str, company_name: str = "", default_kind: str = ""
) -> LedgerRow:
    """An invoice's values from one spreadsheet row. `direction` is "purchase", "sales", or "auto"
    (a row whose seller is the company is a sale, any other a purchase) for rows without 方向;
    `default_kind` (a Kind value, or "") is the kind of rows whose 票种 and 发票代码 do not tell.
    The company's own side of the invoice, when the row leaves it empty, is the company."""
    code, number, digital = _numbers(row)
    shown = _shown_number(code, number, digital)
    if not number and _is_summary(row):
        return LedgerRow(row.number, {}, "normal", (), summary=True)
    if _is_blank(row):
        return LedgerRow(row.number, {}, "normal", (), blank=True)
    problems = [RowProblem(error.code, error.column, error.params) for error in row.errors]
    notes: list[RowProblem] = []
    unreadable = {problem.column for problem in problems}
    if not number and not unreadable & {"发票号码", "数电发票号码"}:
        problems.append(RowProblem("no_number", "发票号码", {}))
    issued = row.values.get("开票日期")
    if not isinstance(issued, date) and "开票日期" not in unreadable:
        problems.append(RowProblem("no_date", "开票日期", {}))
    amount, tax, total = _amounts(row, problems, unreadable)
    kind = _kind(row, code, number, default_kind, notes)
    if number and kind is None:
        problems.append(RowProblem("no_code", "发票代码", {"number": number}))
    status_text = _text(row, "发票状态")
    status = STATUS_WORDS.get(word(status_text), "normal") if status_text else "normal"
    if status_text and word(status_text) not in STATUS_WORDS:
        notes.append(RowProblem("status_not_read", "发票状态", {"text": status_text}))
    remarks = _text(row, "备注")
    negative = isinstance(total, Decimal) and total < 0
    chosen = _direction(row, direction, company_tin, notes)
    own = "buyer" if chosen == "purchase" else "seller"
    values = {
        "direction": chosen,
        "kind": kind.value if kind else "",
        "code": code,
        "number": number,
        "digital_number": digital,
        "issue_date": issued if isinstance(issued, date) else None,
        "seller_name": _text(row, "销方名称"),
        "seller_tin": _text(row, "销方识别号"),
        "buyer_name": _text(row, "购买方名称"),
        "buyer_tin": _text(row, "购方识别号"),
        "amount": amount,
        "tax": tax,
        "total": total,
        "check_code": _text(row, "校验码"),
        "drawer": _text(row, "开票人"),
        "remarks": remarks,
        "is_red": _text(row, "是否正数发票") == "否" or negative,
        "blue_identity": _text(row, "蓝字发票号码") or _blue_identity(remarks),
    }
    values[f"{own}_tin"] = values[f"{own}_tin"] or company_tin
    values[f"{own}_name"] = values[f"{own}_name"] or company_name
    return LedgerRow(row.number, values, status, tuple(problems), tuple(notes), shown)

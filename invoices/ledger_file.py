"""The ledger as a spreadsheet: the columns of the bureau's 发票基础信息 export (RULES.md §8) plus
方向, and how a row becomes an invoice's values. Pure: no Django.

The same layout is written by the export and read by the import, so a ledger survives a round
trip; a bureau export itself can be imported too (its extra columns are ignored)."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoices.fapiao import KIND_LABELS, Kind, kind_from_bureau_text, kind_from_invoice_code
from invoices.spreadsheets import CellKind, Column, Row, unneutralise

DIRECTION_TEXT = {"purchase": "进项", "sales": "销项"}
DIRECTION_WORDS = {"进项": "purchase", "purchase": "purchase", "销项": "sales", "sales": "sales"}
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
}
RED_DIGITAL = re.compile(r"被红冲蓝字数电发票号码[:：]\s*(\d{20})")
RED_LEGACY = re.compile(r"对应正数发票代码[:：]\s*(\d{10}|\d{12})\s*号码[:：]\s*(\d{8})")

COLUMNS = (
    Column("序号", CellKind.TEXT),
    Column("方向", CellKind.TEXT),
    Column("发票代码", CellKind.ID),
    Column("发票号码", CellKind.ID),
    Column("数电发票号码", CellKind.ID),
    Column("销方识别号", CellKind.ID, aliases=("销售方识别号", "销售方纳税人识别号", "销方税号")),
    Column("销方名称", CellKind.TEXT, aliases=("销售方名称", "销售方纳税人名称")),
    Column("购方识别号", CellKind.ID, aliases=("购买方识别号", "购买方纳税人识别号", "购方税号")),
    Column("购买方名称", CellKind.TEXT, aliases=("购方名称", "购买方纳税人名称")),
    Column("开票日期", CellKind.DATE, required=True),
    Column("金额", CellKind.AMOUNT, required=True, aliases=("合计金额",)),
    Column("税额", CellKind.AMOUNT, required=True, aliases=("票面税额", "合计税额")),
    Column("价税合计", CellKind.AMOUNT),
    Column("发票票种", CellKind.TEXT, aliases=("票种",)),
    Column("发票状态", CellKind.TEXT),
    Column("是否正数发票", CellKind.TEXT),
    Column("开票人", CellKind.TEXT),
    Column("校验码", CellKind.ID),
    Column("备注", CellKind.TEXT),
    Column("蓝字发票号码", CellKind.ID),
    Column("抵扣状态", CellKind.TEXT),
    Column("发现的问题", CellKind.TEXT),
)
EXPORT_COLUMNS = COLUMNS


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
    problems: tuple[RowProblem, ...]


def kind_text(kind: str) -> str:
    """The bureau's 发票票种 text of a kind, so an exported file reads like the bureau's own."""
    return KIND_LABELS[Kind(kind)][0]


def _text(row: Row, column: str) -> str:
    value = row.values.get(column)
    return "" if value is None else unneutralise(str(value).strip())


def _kind(row: Row, code: str, problems: list[RowProblem]) -> str:
    text = _text(row, "发票票种")
    kind = kind_from_bureau_text(text) if text else None
    kind = kind or (kind_from_invoice_code(code) if code else None)
    if kind is None:
        problems.append(RowProblem("unknown_kind", "发票票种", {"text": text}))
        return ""
    return kind.value


def _blue_identity(remarks: str) -> str:
    if match := RED_DIGITAL.search(remarks):
        return match.group(1)
    if match := RED_LEGACY.search(remarks):
        return f"{match.group(1)}:{match.group(2)}"
    return ""


def _direction(row: Row, default: str, company_tin: str, problems: list[RowProblem]) -> str:
    text = _text(row, "方向")
    if text:
        direction = DIRECTION_WORDS.get(text.lower())
        if direction is None:
            problems.append(RowProblem("unknown_direction", "方向", {"text": text}))
        return direction or ""
    if default != "auto":
        return default
    return "sales" if _text(row, "销方识别号").upper() == company_tin else "purchase"


def ledger_row(row: Row, *, direction: str, company_tin: str) -> LedgerRow:
    """An invoice's values from one spreadsheet row. `direction` is "purchase", "sales", or "auto"
    (a row whose seller is the company is a sale, any other a purchase) for rows without 方向."""
    problems = [RowProblem(error.code, error.column, error.params) for error in row.errors]
    code, number, digital = _text(row, "发票代码"), _text(row, "发票号码"), _text(row, "数电发票号码")
    unreadable = {problem.column for problem in problems}
    if not number and not digital and not unreadable & {"发票号码", "数电发票号码"}:
        problems.append(RowProblem("no_number", "发票号码", {}))
    if digital and not code:
        number, digital = digital, ""
    amount, tax, total = row.values.get("金额"), row.values.get("税额"), row.values.get("价税合计")
    if total is None and isinstance(amount, Decimal) and isinstance(tax, Decimal):
        total = amount + tax
    status_text = _text(row, "发票状态")
    status = STATUS_WORDS.get(status_text, "normal" if not status_text else "")
    if not status:
        problems.append(RowProblem("unknown_status", "发票状态", {"text": status_text}))
    remarks = _text(row, "备注")
    negative = isinstance(total, Decimal) and total < 0
    values = {
        "direction": _direction(row, direction, company_tin, problems),
        "kind": _kind(row, code, problems),
        "code": code,
        "number": number,
        "digital_number": digital,
        "issue_date": row.values.get("开票日期") if isinstance(row.values.get("开票日期"), date) else None,
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
    return LedgerRow(row.number, values, status or "normal", tuple(problems))

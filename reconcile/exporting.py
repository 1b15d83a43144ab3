"""Open discrepancies as a workbook, one sheet per category, to follow up with suppliers: each row
the ledger's and the bureau's values side by side, the case in words and the correction."""

from django.utils import translation

from invoices.spreadsheets import CellKind, Column, write_xlsx_sheets
from reconcile.explaining import as_text
from reconcile.messages import CATEGORY_LABELS, FLAG_LABELS
from reconcile.models import Discrepancy, ReconRun
from reconcile.presenting import FIELDS, as_compared, explained, shown

# (field, ledger column, bureau column): the values a supplier compares with their own records.
SIDES = (
    ("issue_date", "台账开票日期", "税局开票日期", CellKind.DATE),
    ("identity", "台账发票标识", "税局发票标识", CellKind.ID),
    ("amount", "台账金额", "税局金额", CellKind.AMOUNT),
    ("tax", "台账税额", "税局税额", CellKind.AMOUNT),
    ("total", "台账价税合计", "税局价税合计", CellKind.AMOUNT),
    ("seller_tin", "台账销方识别号", "税局销方识别号", CellKind.ID),
    ("buyer_tin", "台账购方识别号", "税局购方识别号", CellKind.ID),
)
COLUMNS = (
    Column("发票标识", CellKind.ID),
    Column("对方识别号", CellKind.ID),
    Column("对方名称", CellKind.TEXT),
    *(Column(header, kind) for _name, ours, theirs, kind in SIDES for header in (ours, theirs)),
    Column("风险税额", CellKind.AMOUNT),
    Column("未出现天数", CellKind.NUMBER),
    Column("差异", CellKind.TEXT),
    Column("说明", CellKind.TEXT),
    Column("建议更正", CellKind.TEXT),
)
LABELS = dict(FIELDS) | {"code": FLAG_LABELS["code"], "number": FLAG_LABELS["number"]}


def open_discrepancies_xlsx(run: ReconRun) -> bytes:
    with translation.override("zh-hans"):
        direction = run.bureau_import.direction
        open_ones = (
            run.discrepancies.filter(state=Discrepancy.State.OPEN)
            .exclude(category="matched")
            .select_related("invoice", "bureau_invoice")
        )
        sheets = []
        for category, label in CATEGORY_LABELS.items():
            rows = open_ones.filter(category=category).order_by("-tax_at_risk", "identity")
            if rows.exists():
                sheets.append(
                    (
                        str(label),
                        COLUMNS,
                        [_row(discrepancy, direction) for discrepancy in rows.iterator(2000)],
                    )
                )
        return write_xlsx_sheets(sheets or [(str(CATEGORY_LABELS["matched"]), COLUMNS, [])])


def _row(discrepancy: Discrepancy, direction: str) -> list:
    ledger, bureau = as_compared(discrepancy)
    sides = [
        getattr(record, name) if record is not None else None
        for name, *_headers in SIDES
        for record in (ledger, bureau)
    ]
    flags = "、".join(str(FLAG_LABELS.get(flag, flag)) for flag in discrepancy.flags)
    suggestion = "；".join(
        f"{LABELS.get(name, name)}：{shown(name, value)}" for name, value in discrepancy.suggestion.items()
    )
    return [
        discrepancy.identity,
        discrepancy.counterparty_tin,
        discrepancy.counterparty_name,
        *sides,
        discrepancy.tax_at_risk,
        discrepancy.days_missing,
        flags,
        as_text(explained(discrepancy, direction=direction)),
        suggestion,
    ]

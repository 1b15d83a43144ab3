"""Open discrepancies as a workbook, one sheet per category, to follow up with suppliers."""

from django.utils import translation

from invoices.spreadsheets import CellKind, Column, write_xlsx_sheets
from reconcile.messages import CATEGORY_LABELS, FLAG_LABELS
from reconcile.models import Discrepancy, ReconRun

COLUMNS = (
    Column("发票标识", CellKind.ID),
    Column("开票日期", CellKind.DATE),
    Column("对方识别号", CellKind.ID),
    Column("对方名称", CellKind.TEXT),
    Column("价税合计", CellKind.AMOUNT),
    Column("风险税额", CellKind.AMOUNT),
    Column("未出现天数", CellKind.NUMBER),
    Column("差异", CellKind.TEXT),
    Column("建议更正", CellKind.TEXT),
)


def open_discrepancies_xlsx(run: ReconRun) -> bytes:
    with translation.override("zh-hans"):
        open_ones = run.discrepancies.filter(state=Discrepancy.State.OPEN).exclude(category="matched")
        sheets = []
        for category, label in CATEGORY_LABELS.items():
            rows = open_ones.filter(category=category).order_by("-tax_at_risk", "identity")
            if rows.exists():
                sheets.append(
                    (str(label), COLUMNS, [_row(discrepancy) for discrepancy in rows.iterator(2000)])
                )
        return write_xlsx_sheets(sheets or [(str(CATEGORY_LABELS["matched"]), COLUMNS, [])])


def _row(discrepancy: Discrepancy) -> list:
    flags = "、".join(str(FLAG_LABELS.get(flag, flag)) for flag in discrepancy.flags)
    suggestion = "；".join(f"{name}: {value}" for name, value in discrepancy.suggestion.items())
    return [
        discrepancy.identity,
        discrepancy.issue_date,
        discrepancy.counterparty_tin,
        discrepancy.counterparty_name,
        discrepancy.total,
        discrepancy.tax_at_risk,
        discrepancy.days_missing,
        flags,
        suggestion,
    ]

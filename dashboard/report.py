"""The month-end report: a company's dashboard for one period as a workbook for the monthly close —
the cards, every chart's figures and the open anomalies by money at stake. Written in Chinese, like
every export of Fapiao Desk, whatever the language of the person asking."""

import re
from datetime import date

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Company
from dashboard.charts import Chart, all_charts
from dashboard.selectors import Cards, cards
from dashboard.worklist import worklist_queryset
from invoices.models import Direction
from invoices.spreadsheets import CellKind, Column, write_xlsx_sheets
from monitor.messages import sentence, title
from monitor.models import Anomaly

ANOMALY_COLUMNS = (
    Column("严重程度", CellKind.TEXT),
    Column("问题", CellKind.TEXT),
    Column("说明", CellKind.TEXT),
    Column("涉及金额", CellKind.AMOUNT),
    Column("对方识别号", CellKind.ID),
    Column("首次发现", CellKind.TEXT),
    Column("状态", CellKind.TEXT),
    Column("处理人", CellKind.TEXT),
)
SUMMARY_COLUMNS = (
    Column("项目", CellKind.TEXT),
    Column("数量", CellKind.NUMBER),
    Column("金额", CellKind.AMOUNT),
)


def month_end_xlsx(*, company: Company, period: date, today: date) -> bytes:
    with translation.override("zh-hans"):
        found = cards(company=company, period=period, today=today)
        sheets = [(_("Summary"), SUMMARY_COLUMNS, summary_rows(company, found))]
        for chart in all_charts(company=company, period=period, today=today):
            sheets.append(_chart_sheet(chart))
        open_ones = worklist_queryset(company=company).exclude(state=Anomaly.State.RESOLVED)
        sheets.append((_("Open anomalies"), ANOMALY_COLUMNS, [_anomaly_row(one) for one in open_ones]))
        return write_xlsx_sheets(sheets)


def summary_rows(company: Company, found: Cards) -> list[list]:
    rows = [[f"{company.name} {company.tin} {found.period:%Y-%m}", None, None]]
    for direction, label in Direction.choices:
        sums = found.totals[direction]
        rows += [
            [f"{label} · {_('Number of invoices')}", sums["count"], None],
            [f"{label} · {_('Amount')}", None, sums["amount"]],
            [f"{label} · {_('Tax')}", None, sums["tax"]],
            [f"{label} · {_('Total')}", None, sums["total"]],
        ]
    rows += [
        [_("Input VAT at risk"), None, found.at_risk_total],
        [_("Missing from the bureau's data"), None, found.at_risk["missing_in_bureau"]],
        [_("Voided or red-flushed"), None, found.at_risk["voided_or_flushed"]],
        [_("Not issued to this company"), None, found.at_risk["not_issued_to_company"]],
        [
            _("Found in the bureau's data (%)"),
            None if found.reconciled_share is None else round(found.reconciled_share * 100, 1),
            None,
        ],
    ]
    for severity, label in (("critical", _("Critical")), ("error", _("Error")), ("warning", _("Warning"))):
        rows.append([f"{_('Open alerts')} · {label}", found.anomalies.get(severity, 0), None])
    rows.append([_("Days since the last backup"), found.days_since["backup"], None])
    rows.append([_("Days since the last integrity check"), found.days_since["integrity"], None])
    return rows


def _chart_sheet(chart: Chart) -> tuple:
    kind = CellKind.AMOUNT if chart.money else CellKind.NUMBER
    columns = (
        Column(str(chart.title)[:60], CellKind.TEXT),
        *(Column(str(one.name), kind) for one in chart.series),
    )
    rows = [
        [category, *(one.values[index] for one in chart.series)]
        for index, category in enumerate(chart.categories)
    ]
    return re.sub(r"[:\\/?*\[\]]", " ", str(chart.title))[:31], columns, rows


def _anomaly_row(anomaly: Anomaly) -> list:
    return [
        anomaly.get_severity_display(),
        title(anomaly),
        sentence(anomaly),
        anomaly.money_at_stake,
        anomaly.counterparty,
        f"{timezone.localtime(anomaly.first_seen):%Y-%m-%d %H:%M}",
        anomaly.get_state_display(),
        anomaly.assignee.get_username() if anomaly.assignee else "",
    ]

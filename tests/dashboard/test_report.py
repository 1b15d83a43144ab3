"""The month-end report: the workbook holds the cards, every chart's figures and the open
anomalies; the printable page the same; a seller named like a formula stays text."""

import io
from datetime import date, datetime
from urllib.parse import quote

import pytest
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from openpyxl import load_workbook

from dashboard.charts import all_charts
from dashboard.report import month_end_xlsx
from dashboard.selectors import cards
from monitor.models import Anomaly
from tests.dashboard.test_charts import books  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)
TODAY = date(2026, 4, 10)


def test_the_workbook_has_the_cards_the_charts_and_the_open_anomalies(company_a, books):  # noqa: F811
    moment = timezone.make_aware(datetime(2026, 3, 5))
    Anomaly.objects.create(
        company=company_a, kind="sync_delay", key="seller:X", severity="error", money_at_stake="77.70",
        counterparty="91330100MA27XY1234", first_seen=moment, last_seen=moment,
        details={"seller_name": "=HYPERLINK(\"http://x\")", "seller_tin": "91330100MA27XY1234", "count": 2,
                 "oldest_days": 9},
    )  # fmt: skip
    workbook = load_workbook(io.BytesIO(month_end_xlsx(company=company_a, period=MARCH, today=TODAY)))
    charts = all_charts(company=company_a, period=MARCH, today=TODAY)
    assert len(workbook.sheetnames) == 1 + len(charts) + 1
    summary = {row[0]: row[1:] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    found = cards(company=company_a, period=MARCH, today=TODAY)
    with translation.override("zh-hans"):
        at_risk, missing = gettext("Input VAT at risk"), gettext("Missing from the bureau's data")
    assert summary[at_risk][1] == pytest.approx(float(found.at_risk_total))
    assert summary[missing][1] == pytest.approx(float(found.at_risk["missing_in_bureau"]))
    for sheet, chart in zip(workbook.worksheets[1:-1], charts, strict=True):
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert [row[0] for row in rows] == [str(category) for category in chart.categories]
        for index, series in enumerate(chart.series, start=1):
            assert [row[index] for row in rows] == [pytest.approx(float(value)) for value in series.values]
    rows = workbook.worksheets[-1].iter_rows(min_row=2, values_only=True)
    (anomaly_row,) = [row for row in rows if row[4] == "91330100MA27XY1234"]
    assert anomaly_row[3] == pytest.approx(77.70) and anomaly_row[4] == "91330100MA27XY1234"
    assert not str(anomaly_row[2]).startswith("=")


def test_the_printable_report_and_the_download(company_a, alice, browser_as, books):  # noqa: F811
    client = browser_as(alice)
    page = client.get("/dashboard/report/?period=2026-03").content.decode()
    assert "2026-03" in page and company_a.tin in page and "@media print" not in page
    for chart in all_charts(company=company_a, period=MARCH, today=TODAY):
        assert escape(str(chart.title)) in page
    download = client.get("/dashboard/report.xlsx?period=2026-03")
    name = quote(f"月结报告-{company_a.tin}-2026-03.xlsx")
    assert download["Content-Disposition"] == f"attachment; filename*=utf-8''{name}"
    assert load_workbook(io.BytesIO(download.content)).sheetnames[0] == "概览"

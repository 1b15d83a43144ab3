"""Each chart's figures against data built for it, and every drill-down: the list a bar or point
opens holds exactly what the bar counted."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone, translation

from dashboard.charts import (
    all_charts,
    amounts_by_month,
    anomalies_by_kind,
    days_missing,
    error_prone_sellers,
    ingest_outcomes,
    slowest_sellers,
)
from ingest.models import IngestJob
from ingest.services import Upload, receive_files
from invoices.fapiao import invoice_identity
from invoices.models import Invoice
from monitor.models import Anomaly
from reconcile import running, services
from reconcile.models import Discrepancy, ReconRun, SellerStanding
from reconcile.sellers import ERROR_CATEGORIES
from tests.fixtures.einvoices import digital_invoice_xml, legacy_invoice_xml, ofd_with_attachment
from tests.fixtures.invoice_pdfs import standard_pdf
from tests.fixtures.invoices import make_invoice
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx

pytestmark = pytest.mark.django_db
TODAY = date(2026, 4, 10)
MARCH = date(2026, 3, 1)


def import_and_reconcile(company, world, as_of: date):
    moment = timezone.make_aware(datetime.combine(as_of, datetime.min.time().replace(hour=20)))
    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name=f"{as_of}.xlsx", data=write_xlsx(basic_rows(world)), as_of=moment
    )
    services.read_import(bureau_import.pk)  # queues its reconciliation
    run = ReconRun.objects.get(bureau_import=bureau_import)
    running.execute_run(run.pk)
    run.refresh_from_db()
    assert run.state == "done"
    return run


@pytest.fixture
def books(company_a):
    """Purchases of January to March with injected differences; the bureau's export of 03-31."""
    world = scenario(
        120,
        seed=83,
        share=0.4,
        company_tin=company_a.tin,
        injections=("decimal_shift", "tin_char", "voided", "missing_in_bureau", "transposed"),
        counterparties=6,
    )
    store_ledger(world, company_a)
    run = import_and_reconcile(company_a, world, date(2026, 3, 31))
    return world, run


def listed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context


# Ages at the edges of the buckets (a missing_in_bureau is older than the 3 days of sync lag).
AGES = [4, 7, 8, 15, 16, 30, 61, 180, 181]


def test_the_days_missing_histogram_counts_what_each_bar_lists(company_a, alice, browser_as, books):
    _world, run = books
    missing = list(run.discrepancies.filter(category="missing_in_bureau", state="open").order_by("pk"))
    assert len(missing) == len(AGES)
    for item, age in zip(missing, AGES, strict=True):
        item.days_missing = age
    Discrepancy.objects.bulk_update(missing, ["days_missing"])
    chart = days_missing(company=company_a)
    (series,) = chart.series
    assert chart.categories == ["0–7", "8–15", "16–30", "31–60", "61–90", "91–180", ">180"]
    assert series.values == [2, 2, 2, 0, 1, 1, 1]
    client = browser_as(alice)
    for value, url in zip(series.values, series.links, strict=True):
        assert listed(client, url)["page"].paginator.count == value
    held = {row.identity for row in run.bureau_import.invoices.all()}
    in_ledger = set(
        Invoice.objects.filter(company=company_a, direction="purchase").values_list("identity", flat=True)
    )
    assert listed(client, "/invoices/?bureau=held")["page"].paginator.count == len(in_ledger & held)


def test_nothing_is_missing_before_the_bureau_has_sent_anything(company_a):
    assert sum(days_missing(company=company_a).series[0].values) == 0


def test_seller_standings_come_from_the_reconciliation_and_drill_into_their_lists(
    company_a, alice, browser_as, books
):
    _world, run = books
    errors = Discrepancy.objects.filter(run=run, category__in=ERROR_CATEGORIES)
    assert errors.exists()
    standings = {one.seller_tin: one for one in SellerStanding.objects.filter(company=company_a)}
    for tin in {error.counterparty_tin for error in errors}:
        assert standings[tin].error_count == errors.filter(counterparty_tin=tin).count()
    client = browser_as(alice)
    prone = error_prone_sellers(company=company_a)
    assert prone.series[0].values == sorted(prone.series[0].values)  # drawn bottom-up: the worst on top
    for value, url in zip(prone.series[0].values, prone.series[0].links, strict=True):
        assert listed(client, url)["page"].paginator.count == value

    world, _run = books
    world.bureau += arrivals(world, 8, date(2026, 3, 29))
    import_and_reconcile(company_a, world, date(2026, 4, 6))
    standings = {one.seller_tin: one for one in SellerStanding.objects.filter(company=company_a)}
    slow = slowest_sellers(company=company_a)
    assert slow.series[0].values and set(slow.series[0].values) == {8}
    for name, value, url in zip(slow.categories, slow.series[0].values, slow.series[0].links, strict=True):
        tin = parse_qs(urlsplit(url).query)["counterparty"][0]
        assert standings[tin].median_days == value and name in (standings[tin].seller_name, tin)
        page = listed(client, url)["page"]
        assert page.paginator.count and all(invoice.counterparty_tin == tin for invoice in page)


def arrivals(world, count: int, issued: date) -> list:
    """`count` new invoices of the bureau's first sellers, issued on `issued`."""
    return [
        replace(
            record,
            key=f"N{index}",
            number=f"7700000{index}",
            issue_date=issued,
            identity=invoice_identity(record.code, f"7700000{index}"),
        )
        for index, record in enumerate(world.bureau[:count])
    ]


def test_a_sellers_median_is_days_from_issue_to_the_first_export_holding_it(company_a, books):
    world, _run = books
    seller = world.bureau[0].seller_tin
    assert SellerStanding.objects.get(company=company_a, seller_tin=seller).median_days is None
    (extra,) = arrivals(world, 1, date(2026, 4, 2))
    world.bureau.append(extra)
    import_and_reconcile(company_a, world, date(2026, 4, 5))
    standing = SellerStanding.objects.get(company=company_a, seller_tin=seller)
    # only the newcomer's arrival is known: the rest were in the first export
    assert standing.median_days == 3 and standing.invoices == 1


def test_amounts_by_month_add_up_each_direction_and_open_that_month(company_a, alice, browser_as):
    for index, issued in enumerate(["2026-02-10", "2026-02-20", "2025-04-30", "2025-03-31"]):
        make_invoice(company_a, issue_date=issued, number=f"2635200000001234567{index}")
    with translation.override("en"):
        chart = amounts_by_month(company=company_a, period=date(2026, 3, 1))
        purchases = next(series for series in chart.series if str(series.name) == "Purchase (进项)")
    assert chart.categories[0] == "2025-04" and chart.categories[-1] == "2026-03"
    by_month = dict(zip(chart.categories, purchases.values, strict=True))
    feb = Invoice.objects.filter(company=company_a, issue_date__month=2)
    assert by_month["2026-02"] == sum(invoice.total for invoice in feb)
    assert by_month["2026-03"] == Decimal("0.00") and by_month["2025-04"] == Decimal("1130.00")
    client = browser_as(alice)
    index = chart.categories.index("2026-02")
    assert listed(client, purchases.links[index])["totals"]["total"] == by_month["2026-02"]


def test_anomalies_by_kind_count_per_month_first_seen_and_open_in_the_worklist(company_a, alice, browser_as):
    for index, (kind, month) in enumerate(
        [("sync_delay", 1), ("sync_delay", 1), ("deadline", 3), ("sync_delay", 3)]
    ):
        moment = timezone.make_aware(datetime(2026, month, 5 + index))
        Anomaly.objects.create(
            company=company_a, kind=kind, key=f"k{index}", severity="warning", first_seen=moment,
            last_seen=moment, state="resolved" if index == 0 else "open",
        )  # fmt: skip
    with translation.override("en"):
        chart = anomalies_by_kind(company=company_a, period=date(2026, 3, 1))
        by_kind = {
            str(one.name): dict(zip(chart.categories, one.values, strict=True)) for one in chart.series
        }
    assert by_kind["Invoices missing from the bureau's data"]["2026-01"] == 2
    assert by_kind["Invoices missing from the bureau's data"]["2026-03"] == 1
    assert by_kind["Invoices not ticked before the filing deadline"]["2026-03"] == 1
    client = browser_as(alice)
    for series in chart.series:
        for value, url in zip(series.values, series.links, strict=True):
            assert listed(client, url)["page"].paginator.count == value


def test_ingest_outcomes_by_source_list_the_same_jobs(company_a, alice, browser_as):
    uploads = [
        Upload("a.xml", digital_invoice_xml()),
        Upload("b.xml", legacy_invoice_xml()),
        Upload("c.ofd", ofd_with_attachment()),
        Upload("d.pdf", standard_pdf("digital_special").data),
    ]
    batch = receive_files(company=company_a, by=alice, channel="browser", uploads=uploads)
    jobs = list(IngestJob.objects.filter(batch=batch).order_by("pk"))
    IngestJob.objects.filter(pk=jobs[0].pk).update(state="done")
    IngestJob.objects.filter(pk=jobs[1].pk).update(state="failed")
    IngestJob.objects.filter(pk=jobs[3].pk).update(state="moved")  # sent to the company that bought it
    period = timezone.localdate().replace(day=1)
    with translation.override("en"):
        chart = ingest_outcomes(company=company_a, period=period)
        values = {
            (str(series.name), str(source)): value
            for series in chart.series
            for source, value in zip(chart.categories, series.values, strict=True)
        }
    assert values[("Done", "数电 XML")] == 1 and values[("Failed", "数电 XML")] == 1
    assert values[("Queued", "OFD")] == 1 and values[("Moved to another company", "PDF")] == 1
    assert sum(values.values()) == 4
    client = browser_as(alice)
    for series in chart.series:
        for value, url in zip(series.values, series.links, strict=True):
            assert listed(client, url)["page"].paginator.count == value


def test_the_page_carries_every_chart_for_echarts(company_a, alice, browser_as, books):
    page = browser_as(alice).get("/dashboard/?period=2026-03")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="dashboard-charts"' in html and "vendor/echarts.min." in html
    for chart in all_charts(company=company_a, period=MARCH, today=TODAY):
        assert f'data-chart="{chart.key}"' in html


def test_the_page_costs_a_fixed_number_of_queries(
    company_a, alice, browser_as, books, django_assert_max_num_queries
):
    client = browser_as(alice)
    with django_assert_max_num_queries(25):
        assert client.get("/dashboard/?period=2026-03").status_code == 200

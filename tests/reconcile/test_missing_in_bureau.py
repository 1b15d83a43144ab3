""" "Missing from the bureau's data" is one definition: the ledger's filter, the run and the dashboard
give the same count on the same data, in the same age buckets."""

from datetime import date

import pytest

from dashboard.charts import days_missing
from dashboard.selectors import cards
from invoices.models import Invoice
from reconcile import decisions
from reconcile.ages import MISSING_BUCKETS
from reconcile.selectors import run_summary
from tests.dashboard.test_charts import import_and_reconcile
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import AS_OF, scenario

pytestmark = pytest.mark.django_db
# The export lacks every one of these; only missing_in_bureau and not_ours are missing from it by the
# definition (pending_sync is within the sync lag, out_of_period outside what the export speaks for).
INJECTIONS = ("missing_in_bureau", "pending_sync", "not_ours", "out_of_period", "transposed", "voided")


@pytest.fixture
def books(company_a):
    world = scenario(150, seed=91, share=0.5, company_tin=company_a.tin, injections=INJECTIONS)
    store_ledger(world, company_a)
    return world, import_and_reconcile(company_a, world, AS_OF)


def ledger_count(client, query: str) -> int:
    response = client.get(f"/invoices/?{query}")
    assert response.status_code == 200
    return response.context["page"].paginator.count


def figures(client, company, run) -> dict:
    chart = days_missing(company=company)
    histogram = client.get(f"/reconcile/runs/{run.pk}/").context["histogram"]
    return {
        "run": next(row["open"] for row in run_summary(run=run) if row["category"] == "missing_in_bureau"),
        "ledger": ledger_count(client, "bureau=missing"),
        "dashboard": sum(chart.series[0].values),
        "run buckets": [bucket["count"] for bucket in histogram],
        "ledger buckets": [ledger_count(client, f"missing_days={bucket.key}") for bucket in MISSING_BUCKETS],
        "dashboard buckets": chart.series[0].values,
        "labels": ([bucket["label"] for bucket in histogram], chart.categories),
    }


def test_the_ledger_the_run_and_the_dashboard_count_the_same_invoices(company_a, alice, browser_as, books):
    _world, run = books
    client = browser_as(alice)
    found = figures(client, company_a, run)
    assert found["run"] == run.counts["missing_in_bureau"] == found["ledger"] == found["dashboard"] > 0
    assert found["run buckets"] == found["ledger buckets"] == found["dashboard buckets"]
    assert sum(1 for count in found["run buckets"] if count) > 1  # the ages spread over several buckets
    assert found["labels"][0] == found["labels"][1] == [bucket.label for bucket in MISSING_BUCKETS]
    # Each of the dashboard's bars lists what it counts.
    chart = days_missing(company=company_a)
    for value, url in zip(chart.series[0].values, chart.series[0].links, strict=True):
        assert client.get(url).context["page"].paginator.count == value
    # What the export lacks but the run does not call missing is not in the ledger's filter.
    held = set(run.bureau_import.invoices.values_list("identity", flat=True))
    lacking = Invoice.objects.filter(company=company_a).exclude(identity__in=held).count()
    assert lacking > found["ledger"]

    # A difference decided (ignored, with a reason) leaves all three alike.
    first = run.discrepancies.filter(category="missing_in_bureau").order_by("pk").first()
    decisions.decide(company=company_a, by=alice, discrepancies=[first], action="ignore", reason="个人报销")
    again = figures(client, company_a, run)
    assert again["run"] == again["ledger"] == again["dashboard"] == found["run"] - 1
    assert again["run buckets"] == again["ledger buckets"] == again["dashboard buckets"]


def test_the_cards_missing_tax_is_that_of_the_same_invoices(company_a, books):
    _world, run = books
    month = date(2026, 2, 1)
    missing = run.discrepancies.filter(
        category="missing_in_bureau", state="open", issue_date__year=2026, issue_date__month=2
    ).exclude(flags__contains=["not_issued_to_company"])
    expected = sum(item.invoice.tax for item in missing)
    assert expected > 0
    assert (
        cards(company=company_a, period=month, today=date(2026, 4, 1)).at_risk["missing_in_bureau"]
        == expected
    )


def test_a_stranger_finds_nothing_of_the_company_and_a_bad_age_is_refused(
    company_a, alice, charlie, browser_as, books
):
    _world, run = books
    before = list(run.discrepancies.order_by("pk").values_list("pk", "state"))
    stranger = browser_as(charlie)
    for query in ("bureau=missing", "missing_days=8-15", "missing_days=31-60"):
        response = stranger.get(f"/invoices/?{query}")
        assert response.status_code == 200 and response.context["page"].paginator.count == 0
        assert run.discrepancies.first().identity not in response.content.decode()
    assert list(run.discrepancies.order_by("pk").values_list("pk", "state")) == before
    refused = browser_as(alice).get("/invoices/?missing_days=1000")
    assert refused.status_code == 200 and "missing_days" in refused.context["filter"].form.errors
    api = browser_as(alice).get("/api/invoices/?missing_days=1000", HTTP_X_COMPANY=company_a.tin)
    assert api.status_code == 400

"""The dashboard's figures, each checked against data built for it; roles and tenancy."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Role
from dashboard.selectors import cards, firm_rows
from invoices.models import Invoice
from monitor.models import CheckRun
from reconcile import running, services
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)


@pytest.fixture
def books(company_a):
    """March purchases of company A; the bureau's export of 03-31 lacks three of them."""
    world = scenario(40, seed=61, share=0, company_tin=company_a.tin)
    world.ledger = [
        replace(record, issue_date=MARCH + timedelta(days=index % 25))
        for index, record in enumerate(world.ledger)
    ]
    world.bureau = [
        replace(record, issue_date=MARCH + timedelta(days=index % 25))
        for index, record in enumerate(world.bureau)
    ]
    store_ledger(world, company_a)
    missing = world.ledger[:3]
    world.bureau = world.bureau[3:]
    moment = timezone.make_aware(datetime(2026, 3, 31, 20))
    bureau_import, _created = services.bureau_import_create(
        company=company_a, by=None, name="a.xlsx", data=write_xlsx(basic_rows(world)), as_of=moment
    )
    services.read_import(bureau_import.pk)  # queues its reconciliation
    running.execute_run(bureau_import.runs.get().pk)
    return world, missing


def test_the_cards_add_up_what_was_built(company_a, books):
    world, missing = books
    invoices = Invoice.objects.filter(company=company_a)
    voided = invoices.get(identity=world.ledger[5].identity)
    Invoice.objects.filter(pk=voided.pk).update(status="voided")
    stranger = invoices.get(identity=world.ledger[6].identity)
    Invoice.objects.filter(pk=stranger.pk).update(buyer_tin="91440300MA5BENCH0Q")
    CheckRun.objects.create(
        name="backup", started_at=timezone.make_aware(datetime(2026, 4, 8, 3)), outcome="ok"
    )

    found = cards(company=company_a, period=MARCH, today=date(2026, 4, 10))
    assert found.totals["purchase"]["count"] == 40
    assert found.totals["purchase"]["tax"] == sum(record.tax for record in world.ledger)
    assert found.totals["sales"]["count"] == 0
    assert found.at_risk == {
        "missing_in_bureau": sum(record.tax for record in missing),
        "voided_or_flushed": voided.tax,
        "not_issued_to_company": stranger.tax,
    }
    assert found.reconciled_share == pytest.approx(37 / 40)
    assert found.days_since == {"backup": 2, "integrity": None}


def test_without_bureau_data_for_the_month_nothing_counts_as_missing(company_a, books):
    found = cards(company=company_a, period=date(2026, 5, 1), today=date(2026, 6, 10))
    assert found.at_risk["missing_in_bureau"] == Decimal("0.00") and found.reconciled_share is None


def test_pages_by_role_and_the_firm_view_lists_only_the_users_companies(
    company_a, company_b, alice, bob, charlie, browser_as, books
):
    assert browser_as(bob).get("/dashboard/").status_code == 403
    page = browser_as(alice).get("/dashboard/?period=2026-03").content.decode()
    assert "2026-03" in page and "40" in page
    Membership.objects.create(company=company_b, user=alice, role=Role.ACCOUNTANT)
    rows = firm_rows(companies=[company_a, company_b], today=date(2026, 3, 31))
    assert {row.company for row in rows} == {company_a, company_b}
    assert rows[0].company == company_a and rows[0].at_risk > rows[1].at_risk == Decimal("0.00")
    firm = browser_as(charlie).get("/dashboard/firm/").content.decode()
    assert company_b.name in firm and company_a.name not in firm and company_a.tin not in firm


def test_a_firm_row_opens_that_companys_dashboard(company_a, company_a2, alice, browser_as):
    client = browser_as(alice)
    page = client.get("/dashboard/firm/").content.decode()
    assert f'name="company" value="{company_a2.pk}"' in page
    response = client.post(reverse("company_switch"), {"company": company_a2.pk, "next": "/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert company_a2.name in client.get("/dashboard/").content.decode()
    elsewhere = client.post(
        reverse("company_switch"), {"company": company_a.pk, "next": "https://example.com/"}
    )
    assert elsewhere["Location"] == "/"

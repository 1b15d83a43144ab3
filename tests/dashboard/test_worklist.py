"""The worklist: most money at stake first, filters, admins act and every act is in the audit
trail, accountants only read, charlie sees nothing of A."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from invoices.audit_trail import verify_company_trail
from monitor import anomalies
from monitor.anomalies import Observation
from monitor.models import Anomaly, AnomalyEvent
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def problems(company_a):
    moment = timezone.make_aware(datetime(2026, 3, 5, 9))
    rows = [
        ("sync_delay", "seller:A", "warning", "120.00", "91330100MA27XY1234"),
        ("sync_delay", "seller:B", "error", "9800.00", "91110000MA00ABCD1X"),
        ("deadline", "period:2026-02", "warning", "450.00", ""),
        ("invoice_errors", "ledger", "warning", "0.00", ""),
    ]
    return [
        Anomaly.objects.create(
            company=company_a,
            kind=kind,
            key=key,
            severity=severity,
            money_at_stake=Decimal(money),
            counterparty=tin,
            first_seen=moment,
            last_seen=moment,
            details={"seller_name": "杭州某某纸业有限公司" if tin.startswith("9133") else ""},
        )
        for kind, key, severity, money, tin in rows
    ]


def listed(client, query: str = "") -> list[int]:
    response = client.get(f"/dashboard/worklist/{query}")
    assert response.status_code == 200
    return [anomaly.pk for anomaly in response.context["page"]]


def test_the_most_money_at_stake_comes_first(alice, browser_as, problems):
    assert listed(browser_as(alice)) == [problems[1].pk, problems[2].pk, problems[0].pk, problems[3].pk]


def test_it_filters_by_kind_severity_counterparty_and_assignee(alice, company_a, browser_as, problems):
    client = browser_as(alice)
    assert listed(client, "?kind=deadline") == [problems[2].pk]
    assert listed(client, "?severity=error") == [problems[1].pk]
    assert listed(client, "?counterparty=91330100ma27xy1234") == [problems[0].pk]
    assert listed(client, "?counterparty=某某纸业") == [problems[0].pk]
    dave = make_member("dave", company_a, Role.ACCOUNTANT)
    client.post(f"/dashboard/worklist/{problems[3].pk}/assign/", {"assignee": dave.pk})
    assert listed(client, f"?assignee={dave.pk}") == [problems[3].pk]
    assert problems[3].pk not in listed(client, "?assignee=none")
    assert listed(client, "?assignee=me") == []


def test_an_admin_works_an_anomaly_and_every_act_is_in_the_chain(alice, company_a, browser_as, problems):
    client = browser_as(alice)
    target = problems[1]
    dave = make_member("dave", company_a, Role.ACCOUNTANT)
    base = f"/dashboard/worklist/{target.pk}"
    assert client.post(f"{base}/assign/", {"assignee": dave.pk}).status_code == 302
    client.post(f"{base}/acknowledge/", {"text": "asked the seller"})
    client.post(f"{base}/comment/", {"text": "seller re-uploads on Monday"})
    client.post(f"{base}/resolve/", {"text": ""})  # refused: a reason is required
    target.refresh_from_db()
    assert target.state == "acknowledged" and target.assignee == dave
    client.post(f"{base}/resolve/", {"text": "in the bureau's data since 03-09"})
    target.refresh_from_db()
    assert target.state == "resolved" and target.note == "in the bureau's data since 03-09"
    events = list(AnomalyEvent.objects.filter(anomaly=target).order_by("seq"))
    assert [event.action for event in events] == ["assign", "acknowledge", "comment", "resolve"]
    assert all(event.user == alice for event in events)
    assert events[0].changes == {"assignee": [None, "dave"]}
    assert verify_company_trail(company_a, AnomalyEvent, "anomaly") == (4, [])
    page = client.get(f"{base}/").content.decode()
    assert "seller re-uploads on Monday" in page and "dave" in page

    assert target.pk not in listed(client)  # resolved: off the live list
    assert target.pk in listed(client, "?state=resolved")
    client.post(f"{base}/reopen/", {"text": "came back"})
    target.refresh_from_db()
    assert target.state == "open"


def test_a_refused_act_says_why_in_the_users_language(alice, browser_as, problems):
    client = browser_as(alice)
    response = client.post(f"/dashboard/worklist/{problems[0].pk}/resolve/", {"text": " "}, follow=True)
    assert "请说明" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post(f"/dashboard/worklist/{problems[0].pk}/resolve/", {"text": ""}, follow=True)
    assert "Say why it is resolved." in response.content.decode()


def test_an_assignee_must_be_a_member_who_sees_alerts(alice, bob, charlie, browser_as, problems):
    client = browser_as(alice)
    for stranger in (bob, charlie):  # a clerk of A, an admin of B
        client.post(f"/dashboard/worklist/{problems[0].pk}/assign/", {"assignee": stranger.pk})
    problems[0].refresh_from_db()
    assert problems[0].assignee is None and not AnomalyEvent.objects.exists()


def test_an_accountant_reads_but_does_not_act(company_a, browser_as, problems):
    dave = make_member("dave", company_a, Role.ACCOUNTANT)
    client = browser_as(dave)
    assert len(listed(client)) == 4
    page = client.get(f"/dashboard/worklist/{problems[0].pk}/").content.decode()
    assert "/resolve/" not in page
    assert client.post(f"/dashboard/worklist/{problems[0].pk}/resolve/", {"text": "x"}).status_code == 403
    assert client.get("/dashboard/").status_code == 200


def test_charlie_sees_nothing_of_a(charlie, browser_as, problems):
    client = browser_as(charlie)
    assert listed(client) == []
    assert client.get(f"/dashboard/worklist/{problems[0].pk}/").status_code == 404
    assert client.post(f"/dashboard/worklist/{problems[0].pk}/comment/", {"text": "x"}).status_code == 404
    assert not AnomalyEvent.objects.exists()


def test_a_person_resolved_problem_the_check_still_sees_comes_back_as_a_new_one(alice, company_a, browser_as):
    observation = Observation("seller:X", "warning", company_a, counterparty="91330100MA27XY1234")
    anomalies.report("sync_delay", [observation])
    first = Anomaly.objects.get()
    assert first.counterparty == "91330100MA27XY1234"
    browser_as(alice).post(f"/dashboard/worklist/{first.pk}/resolve/", {"text": "asked the seller"})
    anomalies.report("sync_delay", [observation])
    assert Anomaly.objects.filter(state="open").exclude(pk=first.pk).count() == 1
    response = browser_as(alice).post(f"/dashboard/worklist/{first.pk}/reopen/", {"text": ""}, follow=True)
    first.refresh_from_db()
    assert first.state == "resolved" and response.status_code == 200

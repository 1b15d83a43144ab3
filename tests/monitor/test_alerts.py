"""Alerts reach people: a bell counting what is new, a list to acknowledge them, and one e-mail
digest for many alerts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Role
from monitor import anomalies
from monitor.alerts import send_digests, unread_count
from monitor.anomalies import Observation
from monitor.models import Anomaly, NotificationSettings

pytestmark = pytest.mark.django_db


def delays(company, sellers: int, *more) -> None:
    """What a scan saw: `sellers` late sellers of the company (and of more (company, sellers) pairs)."""
    seen = [(company, sellers), *more]
    anomalies.report(
        "sync_delay",
        [
            Observation(
                f"seller:{index}",
                "warning",
                owner,
                money_at_stake=Decimal("130.00"),
                details={
                    "count": 2,
                    "seller_name": f"供应商{index}",
                    "seller_tin": f"TIN{index}",
                    "oldest_days": 9,
                },
            )
            for owner, count in seen
            for index in range(count)
        ],
    )


def test_the_bell_counts_new_alerts_of_the_users_companies_until_they_look(company_a, alice, bob, browser_as):
    delays(company_a, 3)
    assert unread_count(alice) == 3
    assert unread_count(bob) == 0  # a clerk does not receive alerts
    page = browser_as(alice).get("/").content.decode()
    assert '<span class="badge error">3</span>' in page
    listing = browser_as(alice).get("/monitor/alerts/").content.decode()
    assert all(f"供应商{index}" in listing for index in range(3))
    assert unread_count(alice) == 0


def test_acknowledging_keeps_the_alert_until_its_cause_goes(company_a, alice, browser_as):
    delays(company_a, 1)
    alert = Anomaly.objects.get()
    response = browser_as(alice).post(f"/monitor/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.state, alert.state_by) == ("acknowledged", alice)
    delays(company_a, 1)  # seen again by the next scan: still acknowledged, not reopened
    alert.refresh_from_db()
    assert alert.state == "acknowledged"
    delays(company_a, 0)
    alert.refresh_from_db()
    assert alert.state == "resolved"


def test_a_digest_groups_many_alerts_into_one_mail(company_a, company_b, alice, charlie):
    Membership.objects.create(company=company_b, user=alice, role=Role.ACCOUNTANT)
    alice.email, charlie.email = "alice@example.com", "charlie@example.com"
    alice.save(), charlie.save()
    delays(company_a, 40, (company_b, 2))
    assert send_digests() == 2
    mails = {message.to[0]: message for message in mail.outbox}
    assert set(mails) == {"alice@example.com", "charlie@example.com"}
    assert mails["alice@example.com"].subject == "发票台：42 条新预警"
    body = mails["alice@example.com"].body
    assert company_a.name in body and company_b.name in body and body.count("供应商") == 42
    assert mails["charlie@example.com"].subject == "发票台：2 条新预警"
    assert company_a.name not in mails["charlie@example.com"].body

    assert send_digests() == 0  # nothing new, and not due again yet
    delays(company_a, 41, (company_b, 2))
    later = timezone.now() + timedelta(days=1, minutes=1)
    assert send_digests(later) == 1  # charlie has no news; alice has one new alert
    assert (mail.outbox[-1].to, mail.outbox[-1].subject) == (["alice@example.com"], "发票台：1 条新预警")


def test_people_choose_how_often_and_from_which_severity(company_a, alice, browser_as):
    alice.email = "alice@example.com"
    alice.save()
    response = browser_as(alice).post("/monitor/notifications/", {"digest": "off", "min_severity": "error"})
    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=alice).digest == "off"
    delays(company_a, 3)
    assert send_digests() == 0 and mail.outbox == []

"""Anomalies as people hear of them: the bell (what is new since they last looked), the list of a
company's alerts, acknowledging one, and e-mail digests — one mail for many alerts, never one per
invoice. Who hears: members whose role may see alerts (accountant and up) of the anomaly's company."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Company, Membership, User
from accounts.roles import Perm, role_allows
from monitor.models import Anomaly, NotificationSettings, Severity

SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2, Severity.CRITICAL: 3}
DIGEST_EVERY = {
    NotificationSettings.Digest.HOURLY: timedelta(hours=1),
    NotificationSettings.Digest.DAILY: timedelta(days=1),
}
FIRST_DIGEST_LOOKBACK = timedelta(days=1)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def settings_for(user: User) -> NotificationSettings:
    found, _created = NotificationSettings.objects.get_or_create(user=user)
    return found


def _alert_companies(user: User) -> list[int]:
    memberships = Membership.objects.filter(user=user).values_list("company_id", "role")
    return [company_id for company_id, role in memberships if role_allows(role, Perm.ALERTS_VIEW)]


def alert_members(*, company: Company) -> list[User]:
    """The active members who may see, and so be given, the company's alerts."""
    members = Membership.objects.of(company).select_related("user").order_by("user__username")
    return [m.user for m in members if m.allows(Perm.ALERTS_VIEW) and m.user.is_active]


def live_alerts(*, company: Company) -> QuerySet[Anomaly]:
    return (
        Anomaly.objects.of(company)
        .exclude(state=Anomaly.State.RESOLVED)
        .order_by("state", "-last_seen")
        .select_related("state_by")
    )


def alert_get(*, company: Company, pk: int) -> Anomaly:
    return get_object_or_404(Anomaly.objects.of(company), pk=pk)


def unread_count(user: User, memberships: list[Membership] | None = None) -> int:
    """Open alerts of the user's companies that appeared since they last opened the list: one query
    when the memberships are at hand (every page has them)."""
    if memberships is None:
        companies = _alert_companies(user)
    else:
        companies = [
            membership.company_id for membership in memberships if membership.allows(Perm.ALERTS_VIEW)
        ]
    if not companies:
        return 0
    seen_until = NotificationSettings.objects.filter(user=user).values("seen_until")[:1]
    return (
        Anomaly.objects.filter(company_id__in=companies, state=Anomaly.State.OPEN)
        .filter(first_seen__gt=Coalesce(Subquery(seen_until), Value(EPOCH)))
        .count()
    )


def mark_seen(user: User) -> None:
    NotificationSettings.objects.update_or_create(user=user, defaults={"seen_until": timezone.now()})


def _digest_due(chosen: NotificationSettings, now: datetime) -> bool:
    every = DIGEST_EVERY.get(chosen.digest)
    return every is not None and (chosen.mailed_until is None or now - chosen.mailed_until >= every)


def _news(user: User, chosen: NotificationSettings, now: datetime) -> list[Anomaly]:
    since = chosen.mailed_until or now - FIRST_DIGEST_LOOKBACK
    floor = SEVERITY_RANK[chosen.min_severity]
    alerts = Anomaly.objects.filter(
        company_id__in=_alert_companies(user), state=Anomaly.State.OPEN, first_seen__gt=since
    ).select_related("company")
    return [
        alert for alert in alerts.order_by("company_id", "kind") if SEVERITY_RANK[alert.severity] >= floor
    ]


def send_digests(now: datetime | None = None) -> int:
    """One mail per person whose digest is due and who has news; returns how many were sent."""
    now = now or timezone.now()
    users = User.objects.filter(is_active=True, memberships__isnull=False).exclude(email="").distinct()
    sent = 0
    for user in users:
        chosen = settings_for(user)
        if not _digest_due(chosen, now):
            continue
        news = _news(user, chosen, now)
        if news:
            _mail(user, news)
            sent += 1
        chosen.mailed_until = now
        chosen.save(update_fields=["mailed_until"])
    return sent


def _mail(user: User, news: list[Anomaly]) -> None:
    by_company: dict[Company, list[Anomaly]] = defaultdict(list)
    for alert in news:
        by_company[alert.company].append(alert)
    with translation.override(settings.LANGUAGE_CODE):
        context = {"user": user, "companies": dict(by_company), "count": len(news)}
        subject = render_to_string("monitor/digest_subject.txt", context).strip()
        body = render_to_string("monitor/digest.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])

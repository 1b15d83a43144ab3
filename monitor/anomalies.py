"""Writing anomalies idempotently. A check reports everything it sees of one kind (`Observation`s)
in one call; what it saw is opened or refreshed, and what it saw before but not now is resolved.
Running a check twice therefore changes nothing but `last_seen`."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Company
from monitor.models import Anomaly


@dataclass(frozen=True)
class Observation:
    key: str  # the subject within the kind, stable between runs ("invoice:123", "file:<sha256>")
    severity: str
    company: Company | None = None
    subject_url: str = ""
    money_at_stake: Decimal = Decimal("0.00")
    details: dict = field(default_factory=dict)
    counterparty: str = ""  # the TIN concerned, when one is


@dataclass
class Reconciled:
    opened: int = 0
    refreshed: int = 0
    resolved: int = 0


def _live(kind: str):
    return Anomaly.objects.filter(kind=kind).exclude(state=Anomaly.State.RESOLVED)


@transaction.atomic
def report(
    kind: str, observations: Iterable[Observation], *, scope: Company | str | None = "all"
) -> Reconciled:
    """Make the live anomalies of `kind` (within `scope`: one company, None for system-wide ones, or
    "all") exactly the observations: open the new, refresh the seen, resolve the gone."""
    now = timezone.now()
    live = _live(kind).select_for_update()
    if scope != "all":
        live = live.filter(company=scope)
    existing = {(anomaly.company_id, anomaly.key): anomaly for anomaly in live}
    outcome = Reconciled()
    seen = set()
    for observation in observations:
        company_id = observation.company.pk if observation.company else None
        seen.add((company_id, observation.key))
        values = {
            "severity": observation.severity,
            "subject_url": observation.subject_url,
            "money_at_stake": observation.money_at_stake,
            "details": observation.details,
            "counterparty": observation.counterparty,
            "last_seen": now,
        }
        anomaly = existing.get((company_id, observation.key))
        if anomaly is None:
            Anomaly.objects.create(
                company_id=company_id, kind=kind, key=observation.key, first_seen=now, **values
            )
            outcome.opened += 1
        else:
            Anomaly.objects.filter(pk=anomaly.pk).update(**values)
            outcome.refreshed += 1
    gone = [anomaly.pk for identity, anomaly in existing.items() if identity not in seen]
    outcome.resolved = Anomaly.objects.filter(pk__in=gone).update(
        state=Anomaly.State.RESOLVED, state_at=now, state_by=None
    )
    return outcome

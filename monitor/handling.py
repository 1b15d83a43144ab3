"""What people do with an anomaly: assign it, acknowledge it, resolve it with a reason, reopen it,
comment on it. Each action is one AnomalyEvent in the company's hash-chained trail, written in the
transaction of the change. A person's resolve says "dealt with"; should the check still see the
problem, it opens a new anomaly on its next run."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from invoices.audit_trail import Change, append_events
from monitor.alerts import alert_members
from monitor.models import Anomaly, AnomalyEvent

LIVE = (Anomaly.State.OPEN, Anomaly.State.ACKNOWLEDGED)


def _record(anomaly: Anomaly, by: User, action: str, changes: dict, reason: str = "") -> None:
    append_events(
        company=anomaly.company,
        user=by,
        entries=[Change(anomaly, action, changes, reason)],
        model=AnomalyEvent,
        subject_field="anomaly",
    )


def _require_live(anomaly: Anomaly) -> None:
    if anomaly.state not in LIVE:
        raise ValidationError(_("This anomaly is resolved; reopen it first."), code="resolved")


def _set_state(anomaly: Anomaly, state: str, by: User, note: str) -> dict:
    changes = {"state": [anomaly.state, state]}
    anomaly.state, anomaly.state_by, anomaly.state_at, anomaly.note = state, by, timezone.now(), note
    anomaly.save(update_fields=["state", "state_by", "state_at", "note"])
    return changes


@transaction.atomic
def assign(*, anomaly: Anomaly, by: User, assignee_id: int | None) -> Anomaly:
    """Give it to a member who may see the company's alerts (None: to nobody)."""
    _require_live(anomaly)
    assignee = None
    if assignee_id is not None:
        members = {member.pk: member for member in alert_members(company=anomaly.company)}
        assignee = members.get(assignee_id)
        if assignee is None:
            raise ValidationError(
                _("Assign it to a member of this company who may see its alerts."), code="assignee"
            )
    before = anomaly.assignee.get_username() if anomaly.assignee else None
    anomaly.assignee = assignee
    anomaly.save(update_fields=["assignee"])
    _record(anomaly, by, "assign", {"assignee": [before, assignee.get_username() if assignee else None]})
    return anomaly


@transaction.atomic
def acknowledge(*, anomaly: Anomaly, by: User, note: str = "") -> Anomaly:
    """A person has seen it and is dealing with it: it stays until the problem goes away."""
    _require_live(anomaly)
    _record(anomaly, by, "acknowledge", _set_state(anomaly, Anomaly.State.ACKNOWLEDGED, by, note), note)
    return anomaly


@transaction.atomic
def resolve(*, anomaly: Anomaly, by: User, reason: str) -> Anomaly:
    _require_live(anomaly)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why it is resolved."), code="reason")
    _record(anomaly, by, "resolve", _set_state(anomaly, Anomaly.State.RESOLVED, by, reason), reason)
    return anomaly


@transaction.atomic
def reopen(*, anomaly: Anomaly, by: User, reason: str = "") -> Anomaly:
    if anomaly.state != Anomaly.State.RESOLVED:
        raise ValidationError(_("Only a resolved anomaly can be reopened."), code="not_resolved")
    live_again = Anomaly.objects.filter(
        company=anomaly.company, kind=anomaly.kind, key=anomaly.key, state__in=LIVE
    )
    if live_again.exists():
        raise ValidationError(
            _("The check has seen this problem again: it is open as a new anomaly."), code="seen_again"
        )
    _record(
        anomaly, by, "reopen", _set_state(anomaly, Anomaly.State.OPEN, by, reason.strip()), reason.strip()
    )
    return anomaly


@transaction.atomic
def comment(*, anomaly: Anomaly, by: User, text: str) -> Anomaly:
    text = text.strip()
    if not text:
        raise ValidationError(_("Write a comment first."), code="empty")
    _record(anomaly, by, "comment", {}, text)
    return anomaly

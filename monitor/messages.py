"""Anomalies in words (translated): a title per kind and a sentence from its details."""

from django.utils.translation import gettext_lazy as _

from invoices.history import field_label, shown
from invoices.models import Direction, InvoiceLine
from monitor.models import Anomaly
from reconcile.messages import CATEGORY_LABELS

TITLES = {
    "sync_delay": _("Invoices missing from the bureau's data"),
    "deadline": _("Invoices not ticked before the filing deadline"),
    "stale_bureau_data": _("The bureau's data is out of date"),
    "file_altered": _("A stored original was altered"),
    "file_missing": _("A stored original is missing"),
    "file_orphan": _("A file nothing refers to"),
    "file_replaced": _("An altered original was replaced by a good upload"),
    "audit_chain": _("The audit trail was tampered with"),
    "duplicate_identity": _("An invoice is in the ledger twice"),
    "backup_failed": _("The backup failed"),
    "job_missed": _("A periodic job did not run"),
    "job_loop_stopped": _("The periodic jobs have stopped running"),
    "job_loop_died": _("The periodic jobs stopped unexpectedly and were started again"),
    "open_discrepancies": _("Differences with the bureau are open"),
    "findings_drift": _("Stored findings no longer match the rules"),
    "invoice_errors": _("Invoices break the fapiao rules"),
    "failed_captures": _("Captured files could not be read"),
    "trail_mismatch": _("An invoice differs from its audit trail"),
    "trail_unvouched": _("Invoices the audit trail cannot vouch for"),
}
SENTENCES = {
    "sync_delay": _(
        "%(count)s invoices of %(seller_name)s (%(seller_tin)s) are still not in the bureau's data, the "
        "oldest after %(oldest_days)s days. Ask the seller to check the upload."
    ),
    "deadline": _(
        "%(count)s deductible invoices of %(period)s are not ticked; the return is due on %(deadline)s "
        "(%(days_left)s days)."
    ),
    "stale_bureau_data": _(
        "Import a fresh purchase export from the bureau: the last one is too old or missing."
    ),
    "file_altered": _("The bytes no longer match their hash: %(path)s. Restore it from a backup."),
    "file_missing": _("Not found on disk: %(path)s. Restore it from a backup."),
    "file_orphan": _("%(path)s is kept but no record refers to it."),
    "file_replaced": _(
        "The stored copy of %(sha256)s no longer matched its hash and was replaced by a good upload at "
        "%(at)s; the altered copy is kept at %(kept)s. Find out how it was changed, then delete that copy."
    ),
    "audit_chain": _("The %(trail)s trail is %(problem)s at event %(seq)s."),
    "duplicate_identity": _("%(identity)s is recorded %(copies)s times."),
    "open_discrepancies": _(
        "%(count)s open (%(category)s, %(direction)s): decide them on the reconciliation page."
    ),
    "invoice_errors": _("%(count)s invoices in the ledger have errors; correct them before filing."),
    "findings_drift": _("%(count)s invoices: open and save them again to check them against the rules."),
    "failed_captures": _("%(count)s captured files failed; retry or reject them."),
    "job_loop_stopped": _(
        "The loop running the periodic jobs has not been heard from since %(last)s: no backup, integrity "
        "check or scan is being made. Restart Fapiao Desk and look at the jobs log."
    ),
    "job_loop_died": _(
        "The process running the periodic jobs ended unexpectedly (exit status %(status)s) at %(at)s and "
        "was started again; %(count)s times so far. Look at the jobs log for why."
    ),
    "job_missed": _(
        "%(task)s was due at %(due)s and did not start: is the scheduler (beat) or the worker down?"
    ),
    "trail_mismatch": _(
        "Invoice %(invoice)s was changed in the database behind its audit trail: %(changes)s. Restore "
        "it from a backup or correct it in the ledger, and find out who changed it."
    ),
    "trail_unvouched": _(
        "%(count)s invoices have no entry event in the audit trail, so it cannot vouch for their "
        "amounts and lines: %(invoices)s. Were they written into the database directly?"
    ),
}
MORE_MISMATCHES = _(
    "%(count)s more invoices were changed in the database behind their audit trail: %(invoices)s. "
    "Restore them from a backup."
)
DIFFERENCE_WORDS = _("%(field)s: the trail says %(chained)s, the ledger holds %(stored)s")
DIFFERENCE_FOUND_WORDS = _("%(field)s: the trail says %(chained)s, event %(seq)s found %(stored)s")


def title(anomaly: Anomaly) -> str:
    return str(TITLES.get(anomaly.kind, anomaly.kind))


def sentence(anomaly: Anomaly) -> str:
    template = SENTENCES.get(anomaly.kind)
    if template is None:
        return str(anomaly.details.get("error", ""))  # a backup's failure, as the tool reported it
    details = dict(anomaly.details)
    if anomaly.kind in ("trail_mismatch", "trail_unvouched"):
        details["invoices"] = ", ".join(details.get("invoices", ()))
        if anomaly.kind == "trail_mismatch" and "differences" not in details:
            template = MORE_MISMATCHES
        details["changes"] = "; ".join(map(difference_words, details.get("differences", ())))
    if anomaly.kind == "open_discrepancies":
        details["category"] = CATEGORY_LABELS.get(details.get("category"), details.get("category"))
        details["direction"] = dict(Direction.choices).get(details.get("direction"), details.get("direction"))
    try:
        return str(template) % details
    except (KeyError, TypeError, ValueError):
        return str(template)


def difference_words(difference: dict) -> str:
    """One field of an invoice as its audit trail tells it and as the ledger (or a later event) holds it."""
    template = DIFFERENCE_FOUND_WORDS if "seq" in difference else DIFFERENCE_WORDS
    values = {
        "field": _field_words(difference["field"]),
        "chained": _value_words(difference["chained"]),
        "stored": _value_words(difference["stored"]),
        "seq": difference.get("seq"),
    }
    return str(template) % values


def _field_words(name: str) -> str:
    """A field's name in words: of the invoice ("amount"), of a line ("lines[2].tax"), a whole line
    ("lines[3]")."""
    if not name.startswith("lines["):
        return str(field_label(name))
    position, _bracket, line_field = name.removeprefix("lines[").partition("]")
    if not line_field:
        return str(_("line %(position)s") % {"position": position})
    label = InvoiceLine._meta.get_field(line_field.removeprefix(".")).verbose_name
    return str(_("line %(position)s %(field)s") % {"position": position, "field": label})


def _value_words(value) -> str:
    if isinstance(value, dict):  # a whole line
        return " ".join(str(value.get(name, "")) for name in ("item_name", "amount", "rate", "tax"))
    return shown(value)


EVENT_WORDS = {
    "assign": _("assigned it to %(assignee)s"),
    "acknowledge": _("acknowledged it"),
    "resolve": _("resolved it"),
    "reopen": _("reopened it"),
    "comment": _("commented"),
}


def event_words(event) -> str:
    """What a person did with an anomaly (an AnomalyEvent), in words."""
    template = EVENT_WORDS.get(event.action)
    if template is None:
        return event.action
    assignee = (event.changes.get("assignee") or [None, None])[1]
    return str(template) % {"assignee": assignee or _("nobody")}

"""What a person decides about a discrepancy. Each decision is audited (a chained DecisionEvent);
one that changes the ledger does it through the ledger's services, which audit the invoice too."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, User
from accounts.services import field_error
from invoices import services as ledger
from invoices.audit_trail import Change, append_events
from invoices.drafts import HEADER_FIELDS, LINE_FIELDS, clean_draft, draft_from_invoice
from invoices.models import Source
from invoices.services import snapshot_value
from reconcile.models import BureauInvoice, DecisionEvent, Discrepancy

State = Discrepancy.State
ACTIONS = ("accept_bureau", "add_to_ledger", "link", "resolve", "ignore", "reopen")
NEEDS_REASON = ("resolve", "ignore")


def possible_actions(discrepancy: Discrepancy) -> list[str]:
    """The decisions that can apply to this discrepancy as it stands: a decided one can only be
    reopened; only a pair can take the bureau's values (when they differ), only an invoice the
    ledger lacks can be added, only a record alone can be linked."""
    if discrepancy.state != State.OPEN:
        return ["reopen"]
    pair = discrepancy.invoice_id is not None and discrepancy.bureau_invoice_id is not None
    actions = []
    if pair and (discrepancy.category == "status_changed" or discrepancy.suggestion):
        actions.append("accept_bureau")
    if discrepancy.invoice_id is None and discrepancy.bureau_invoice_id is not None:
        actions.append("add_to_ledger")
    if not pair:
        actions.append("link")
    return [*actions, "resolve", "ignore"]


# What a record alone is usually decided with, when nothing better applies.
ALONE = {
    "pending_sync": "ignore",
    "duplicate_in_bureau": "ignore",
    "ambiguous": "link",
    "missing_in_bureau": "link",
}


def fitting_action(discrepancy: Discrepancy, *, can_link: bool) -> str:
    """The decision that fits the case, to offer first: the bureau's values for a pair that differs,
    adding what the ledger lacks, linking a record alone when there is a record to link it with."""
    possible = possible_actions(discrepancy)
    for action in ("reopen", "accept_bureau", "add_to_ledger"):
        if action in possible:
            return action
    fitting = ALONE.get(discrepancy.category, "resolve")
    return "resolve" if fitting == "link" and not can_link else fitting


@dataclass
class Decided:
    done: list[Discrepancy] = field(default_factory=list)
    refused: list[tuple[Discrepancy, str]] = field(default_factory=list)


def decide(
    *,
    company: Company,
    by: User | None,
    discrepancies: list[Discrepancy],
    action: str,
    reason: str = "",
    counterpart: Discrepancy | None = None,
) -> Decided:
    """Apply one decision to many discrepancies; each goes through or is refused with why."""
    if action not in ACTIONS:
        raise field_error("action", _("Choose one of the listed values."), "invalid_choice")
    reason = reason.strip()
    if action in NEEDS_REASON and not reason:
        raise field_error("reason", _("Say why."), "required")
    outcome = Decided()
    for discrepancy in discrepancies:
        try:
            with transaction.atomic():
                _decide_one(company, by, discrepancy, action, reason, counterpart)
        except ValidationError as error:
            outcome.refused.append((discrepancy, " ".join(error.messages)))
        else:
            outcome.done.append(discrepancy)
    return outcome


def _record(
    company, by, discrepancy: Discrepancy, action: str, new_state: str, reason: str, **changes
) -> None:
    old_state = discrepancy.state
    discrepancy.state, discrepancy.reason = new_state, reason
    discrepancy.decided_by, discrepancy.decided_at = by, timezone.now()
    discrepancy.save()
    entry = Change(discrepancy, action, {"state": [old_state, new_state], **changes}, reason)
    append_events(company=company, user=by, entries=[entry], model=DecisionEvent, subject_field="discrepancy")


def _decide_one(company, by, discrepancy, action, reason, counterpart) -> None:
    if action == "reopen" and discrepancy.state == State.OPEN:
        raise field_error("action", _("This difference is open already."), "already_open")
    if action != "reopen" and discrepancy.state != State.OPEN:
        raise field_error("action", _("This difference was decided already: reopen it first."), "decided")
    if action == "reopen":
        _record(company, by, discrepancy, action, State.OPEN, reason)
    elif action == "resolve":
        _record(company, by, discrepancy, action, State.ACCEPTED, reason)
    elif action == "ignore":
        _record(company, by, discrepancy, action, State.IGNORED, reason)
    elif action == "accept_bureau":
        _accept_bureau(company, by, discrepancy, reason)
    elif action == "add_to_ledger":
        _add_to_ledger(company, by, discrepancy, reason)
    else:
        _link(company, by, discrepancy, counterpart, reason)


def _accept_bureau(company, by, discrepancy: Discrepancy, reason: str) -> None:
    """Correct the ledger to the bureau's values (or its status)."""
    invoice, bureau = discrepancy.invoice, discrepancy.bureau_invoice
    if invoice is None or bureau is None:
        raise field_error("action", _("Only a pair of records can take the bureau's values."), "not_a_pair")
    note = reason or str(_("Corrected to the bureau's data"))
    if discrepancy.category == "status_changed":
        ledger.invoice_set_status(invoice=invoice, by=by, status=bureau.status, reason=note)
        _record(
            company,
            by,
            discrepancy,
            "accept_bureau",
            State.CORRECTED,
            reason,
            status=[invoice.status, bureau.status],
        )
        return
    if not discrepancy.suggestion:
        raise field_error("action", _("There is nothing to correct."), "nothing_to_correct")
    current = draft_from_invoice(invoice)
    values = {name: snapshot_value(getattr(current, name)) for name in HEADER_FIELDS}
    values.update(discrepancy.suggestion)
    lines = [{name: snapshot_value(getattr(line, name)) for name in LINE_FIELDS} for line in current.lines]
    draft = clean_draft(values, [] if _amounts_changed(discrepancy) else lines)
    ledger.invoice_update(invoice=invoice, by=by, draft=draft, reason=note)
    _record(
        company, by, discrepancy, "accept_bureau", State.CORRECTED, reason, corrected=discrepancy.suggestion
    )


def _amounts_changed(discrepancy: Discrepancy) -> bool:
    # The bureau's header says nothing of the lines; lines that no longer add up are left out.
    return any(name in discrepancy.suggestion for name in ("amount", "tax", "total"))


def _add_to_ledger(company, by, discrepancy: Discrepancy, reason: str) -> None:
    bureau: BureauInvoice | None = discrepancy.bureau_invoice
    if bureau is None or discrepancy.invoice_id is not None:
        raise field_error("action", _("Only an invoice the ledger lacks can be added."), "not_missing")
    direction = discrepancy.run.bureau_import.direction
    values = {name: getattr(bureau, name) for name in (
        "kind", "code", "number", "digital_number", "issue_date", "seller_name", "seller_tin", "buyer_name",
        "buyer_tin", "amount", "tax", "total", "is_red", "blue_identity",
    )}  # fmt: skip
    values["direction"] = direction
    values["buyer_name"] = values["buyer_name"] or "—"
    invoice = ledger.invoice_create(
        company=company,
        by=by,
        draft=clean_draft(values),
        source=Source.IMPORT,
        status=bureau.status,
        reason=reason or str(_("Added from the bureau's data")),
    )
    discrepancy.invoice = invoice
    _record(company, by, discrepancy, "add_to_ledger", State.CORRECTED, reason, invoice=invoice.identity)


def _link(company, by, discrepancy: Discrepancy, counterpart: Discrepancy | None, reason: str) -> None:
    """Pair a ledger record left alone with a bureau record left alone, by hand."""
    if counterpart is None or counterpart.run_id != discrepancy.run_id:
        raise field_error("counterpart", _("Choose the record on the other side."), "required")
    if any(
        one.invoice_id is not None and one.bureau_invoice_id is not None for one in (discrepancy, counterpart)
    ):
        raise field_error("counterpart", _("Link a ledger record with a bureau record."), "same_side")
    sides = {discrepancy.invoice_id is None, counterpart.invoice_id is None}
    if sides != {True, False}:
        raise field_error("counterpart", _("Link a ledger record with a bureau record."), "same_side")
    for one, other in ((discrepancy, counterpart), (counterpart, discrepancy)):
        _record(company, by, one, "link", State.LINKED, reason, linked_to=other.identity)

"""Every write to the ledger. Each one stores the invoice with its findings and appends the audit
events in the same transaction; nothing is ever deleted."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, User
from accounts.services import field_error
from invoices import selectors
from invoices.audit_trail import Change, append_events
from invoices.deduction import deduction_problem
from invoices.drafts import HEADER_FIELDS, LINE_FIELDS, InvoiceDraft, LineDraft, draft_from_invoice
from invoices.fapiao import Kind
from invoices.findings import context_for, findings_for, stored
from invoices.identity_words import identity_words
from invoices.models import (
    Counterparty,
    Deduction,
    Direction,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    NotDeductibleReason,
    Status,
)

Action = InvoiceEvent.Action
CENT = Decimal("0.01")
CHUNK = 2000


def snapshot_value(value):
    """A field's value as the audit trail keeps it: JSON text that reads the same after a round trip."""
    if isinstance(value, Decimal):
        # 10, 10.00 and 10.00000000 (a quantity as the database returns it) are one value
        exact = value.quantize(CENT) if value == value.quantize(CENT) else value.normalize()
        return format(exact, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _header_snapshot(source) -> dict:
    return {name: snapshot_value(getattr(source, name)) for name in HEADER_FIELDS}


def _lines_snapshot(lines) -> list[dict]:
    return [{name: snapshot_value(getattr(line, name)) for name in LINE_FIELDS} for line in lines]


def duplicate_error(existing: Invoice) -> ValidationError:
    """The refusal of a second copy, naming the invoice already in the ledger."""
    return field_error(
        "number",
        _(
            "This invoice is already in the ledger: %(identity)s of %(date)s, total %(total)s, "
            "entered by %(by)s on %(at)s."
        ),
        "duplicate",
        {
            "identity": identity_words(existing.identity),
            "date": existing.issue_date.isoformat(),
            "total": format(existing.total, ",.2f"),
            "by": existing.created_by.username if existing.created_by else "—",
            "at": timezone.localtime(existing.created_at).strftime("%Y-%m-%d %H:%M"),
            "id": str(existing.pk),
        },
    )


def _assess(company: Company, draft: InvoiceDraft, blue: Invoice | None) -> dict:
    near = selectors.near_duplicate_identities(
        company=company,
        seller_tin=draft.seller_tin,
        issue_date=draft.issue_date,
        total=draft.total,
        number=draft.number,
        identity=draft.identity,
    )
    return derived_fields(company, draft, has_blue_original=blue is not None, near_duplicates=near)


def derived_fields(
    company: Company, draft: InvoiceDraft, *, has_blue_original: bool, near_duplicates
) -> dict:
    """The columns an invoice written from `draft` derives: identity, counterparty, findings."""
    findings = findings_for(
        draft, context=context_for(company, near_duplicates), has_blue_original=has_blue_original
    )
    purchase = draft.direction == Direction.PURCHASE
    return {
        "identity": draft.identity,
        "counterparty_name": draft.seller_name if purchase else draft.buyer_name,
        "counterparty_tin": draft.seller_tin if purchase else draft.buyer_tin,
        **stored(findings),
    }


def _blue_for(company: Company, draft: InvoiceDraft) -> Invoice | None:
    if not (draft.is_red and draft.blue_identity):
        return None
    return selectors.invoice_get_by_identity(company=company, identity=draft.blue_identity)


def remember_counterparties(company: Company, invoices) -> None:
    """Record the counterparties the invoices name, for the search by name."""
    pairs = {(invoice.counterparty_tin, invoice.counterparty_name) for invoice in invoices}
    Counterparty.objects.bulk_create(
        (Counterparty(company=company, tin=tin, name=name) for tin, name in pairs), ignore_conflicts=True
    )


def _save_lines(invoice: Invoice, lines: tuple[LineDraft, ...]) -> None:
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=position, **{name: getattr(line, name) for name in LINE_FIELDS})
        for position, line in enumerate(lines, start=1)
    )


@transaction.atomic
def invoice_create(
    *,
    company: Company,
    by: User | None,
    draft: InvoiceDraft,
    source: str,
    reason: str = "",
    status: str = Status.NORMAL,
    original_file=None,
) -> Invoice:
    """Add an invoice to the ledger. An invoice whose identity is already there is refused with a
    message naming the existing record: the same invoice must never be reimbursed twice."""
    existing = selectors.invoice_get_by_identity(company=company, identity=draft.identity)
    if existing is not None:
        raise duplicate_error(existing)
    blue = _blue_for(company, draft)
    invoice = Invoice(
        company=company,
        **draft.header(),
        **_assess(company, draft, blue),
        blue_original=blue,
        status=status,
        source=source,
        original_file=original_file,
        created_by=by,
        updated_by=by,
    )
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError:  # entered at the same moment by someone else
        raise duplicate_error(
            selectors.invoice_get_by_identity(company=company, identity=draft.identity)
        ) from None
    _save_lines(invoice, draft.lines)
    remember_counterparties(company, [invoice])
    entries = [Change(invoice, Action.CREATE, creation_changes(draft, status), reason)]
    entries += adopt_red_invoices(company, [invoice])
    entries += flush_blue_status(invoice.blue_original)
    append_events(company=company, user=by, entries=entries)
    return invoice


@transaction.atomic
def invoice_update(*, invoice: Invoice, by: User | None, draft: InvoiceDraft, reason: str = "") -> Invoice:
    """Change an invoice's fields and lines; the event records each field's old and new value."""
    company = invoice.company
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if draft.identity != invoice.identity:
        existing = selectors.invoice_get_by_identity(company=company, identity=draft.identity)
        if existing is not None:
            raise duplicate_error(existing)
    old_header, new_header = _header_snapshot(invoice), _header_snapshot(draft)
    changes = {name: [old_header[name], new] for name, new in new_header.items() if old_header[name] != new}
    old_lines, new_lines = _lines_snapshot(invoice.lines.all()), _lines_snapshot(draft.lines)
    if old_lines != new_lines:
        changes["lines"] = [old_lines, new_lines]
    if not changes:
        return invoice
    old_blue = invoice.blue_original
    blue = _blue_for(company, draft)
    for name, value in {**draft.header(), **_assess(company, draft, blue), "blue_original": blue}.items():
        setattr(invoice, name, value)
    invoice.updated_by = by
    invoice.save()
    remember_counterparties(company, [invoice])
    if "lines" in changes:
        invoice.lines.all().delete()
        _save_lines(invoice, draft.lines)
    entries = [Change(invoice, Action.UPDATE, changes, reason)]
    if any(name in changes for name in ("code", "number", "digital_number")):
        entries += adopt_red_invoices(company, [invoice])
    for affected in {old_blue, blue} - {None}:
        entries += flush_blue_status(affected)
    append_events(company=company, user=by, entries=entries)
    return invoice


@transaction.atomic
def invoice_set_status(*, invoice: Invoice, by: User | None, status: str, reason: str) -> Invoice:
    """Mark an invoice voided or red-flushed (or normal again). Needs a reason."""
    if status not in Status.values:
        raise field_error("status", _("Choose one of the listed values."), "invalid_choice")
    if not reason.strip():
        raise field_error("reason", _("Say why the status changes."), "required")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == status:
        return invoice
    old = invoice.status
    invoice.status = status
    invoice.updated_by = by
    invoice.save(update_fields=["status", "updated_by", "updated_at"])
    action = Action.VOID if status == Status.VOIDED else Action.STATUS
    entries = [Change(invoice, action, {"status": [old, status]}, reason.strip())]
    if invoice.is_red:
        entries += flush_blue_status(invoice.blue_original)
    append_events(company=invoice.company, user=by, entries=entries)
    return invoice


def invoice_void(*, invoice: Invoice, by: User | None, reason: str) -> Invoice:
    return invoice_set_status(invoice=invoice, by=by, status=Status.VOIDED, reason=reason)


def creation_changes(draft: InvoiceDraft, status: str) -> dict:
    """What a create event records: every field that has a value."""
    changes = {
        name: [None, value]
        for name, value in _header_snapshot(draft).items()
        if value not in ("", None, False)
    }
    if status != Status.NORMAL:
        changes["status"] = [None, status]
    if draft.lines:
        changes["lines"] = [None, _lines_snapshot(draft.lines)]
    return changes


def adopt_red_invoices(company: Company, blues: list[Invoice]) -> list[Change]:
    """Red invoices entered before their blue original are linked to it once it arrives."""
    by_identity = {blue.identity: blue for blue in blues}
    # Orphans are few; matching them here keeps a 50,000-invoice import from sending its identities.
    orphans = selectors.invoice_queryset(company=company).filter(is_red=True, blue_original__isnull=True)
    entries, adopted = [], set()
    for red in orphans.exclude(blue_identity="").prefetch_related("lines"):
        blue = by_identity.get(red.blue_identity)
        if blue is None:
            continue
        red.blue_original = blue
        for name, value in _assess(company, draft_from_invoice(red), blue).items():
            setattr(red, name, value)
        red.save()
        entries.append(Change(red, Action.UPDATE, {"blue_original": [None, blue.identity]}))
        adopted.add(blue.identity)
    for identity in sorted(adopted):
        entries += flush_blue_status(by_identity[identity])
    return entries


def flush_blue_status(blue: Invoice | None) -> list[Change]:
    """A blue invoice's status follows its red invoices: fully flushed when they cancel its total,
    partly when they cancel some of it (docs/fapiao-rules.md §Status)."""
    if blue is None or blue.status == Status.VOIDED:
        return []
    reds = list(selectors.live_red_invoices(blue=blue).values_list("identity", "total"))
    net = blue.total + sum((total for _identity, total in reds), Decimal(0))
    if not reds:
        status = Status.NORMAL
    elif net <= 0:
        status = Status.RED_FLUSHED_FULL
    else:
        status = Status.RED_FLUSHED_PARTIAL
    if status == blue.status:
        return []
    old, blue.status = blue.status, status
    blue.save(update_fields=["status", "updated_at"])
    changes = {"status": [old, status], "red_invoices": [identity for identity, _total in reds]}
    return [Change(blue, Action.STATUS, changes)]


@dataclass(frozen=True)
class DeductionResult:
    changed: int
    refused: list[tuple[Invoice, str]]  # the invoice and why it cannot take this deduction state


@transaction.atomic
def invoice_set_deduction(
    *,
    company: Company,
    invoice_ids: list[int],
    by: User | None,
    deduction: str,
    period: date | None = None,
    not_deductible_reason: str = "",
    reason: str = "",
) -> DeductionResult:
    """Set the deduction state (勾选) of purchase invoices; an invoice that cannot take it is
    reported, not changed."""
    if deduction not in Deduction.values:
        raise field_error("deduction", _("Choose one of the listed values."), "invalid_choice")
    if deduction == Deduction.DEDUCTED and period is None:
        raise field_error("period", _("Name the tax period the deduction belongs to."), "required")
    if deduction == Deduction.NOT_DEDUCTIBLE and not_deductible_reason not in NotDeductibleReason.values:
        raise field_error("not_deductible_reason", _("Say why the invoice is not deductible."), "required")
    period = period.replace(day=1) if deduction == Deduction.DEDUCTED else None
    reason_code = not_deductible_reason if deduction == Deduction.NOT_DEDUCTIBLE else ""
    invoices = selectors.invoice_queryset(company=company).filter(pk__in=invoice_ids).select_for_update()
    entries, refused = [], []
    for invoice in invoices.order_by("pk"):
        problem = deduction_problem(invoice, deduction)
        if problem:
            refused.append((invoice, problem))
            continue
        new = {"deduction": deduction, "deduction_period": period, "not_deductible_reason": reason_code}
        changes = {
            name: [snapshot_value(getattr(invoice, name)), snapshot_value(value)]
            for name, value in new.items()
            if getattr(invoice, name) != value
        }
        if not changes:
            continue
        for name, value in new.items():
            setattr(invoice, name, value)
        invoice.updated_by = by
        invoice.save(update_fields=[*new, "updated_by", "updated_at"])
        entries.append(Change(invoice, Action.DEDUCTION, changes, reason))
    append_events(company=company, user=by, entries=entries)
    return DeductionResult(changed=len(entries), refused=refused)


# What a source says of a kind when it does not know it: nothing to fill in.
UNTOLD_KINDS = frozenset({Kind.DIGITAL_UNKNOWN, Kind.OTHER})


@transaction.atomic
def invoices_confirm_kind(*, company: Company, kinds: dict[int, str], by: User | None, reason: str) -> int:
    """Fill in the kind of 数电 invoices imported without it (Kind.DIGITAL_UNKNOWN) from a source that
    knows it (the bureau's export, the captured original): `kinds` maps invoice ids to kinds. An
    invoice whose kind is known already is left alone, and so is a kind that says nothing. The
    findings are worked out again; each invoice gets an event naming the source. Returns how many
    changed."""
    known = {kind.value for kind in Kind} - UNTOLD_KINDS
    told = {pk: kind for pk, kind in kinds.items() if kind in known}
    ids = sorted(told)
    entries, changed = [], []
    for start in range(0, len(ids), CHUNK):
        invoices = (
            selectors.invoice_queryset(company=company)
            .filter(pk__in=ids[start : start + CHUNK], kind=Kind.DIGITAL_UNKNOWN)
            .select_for_update()
            .prefetch_related("lines")
        )
        for invoice in invoices.order_by("pk"):
            old, invoice.kind = invoice.kind, told[invoice.pk]
            near = [
                item["params"].get("other", "")
                for item in invoice.findings
                if item["code"] == "near_duplicate"
            ]
            findings = findings_for(
                draft_from_invoice(invoice),
                context=context_for(company, near),
                has_blue_original=invoice.blue_original_id is not None,
            )
            for name, value in stored(findings).items():
                setattr(invoice, name, value)
            invoice.updated_by, invoice.updated_at = by, timezone.now()
            changed.append(invoice)
            entries.append(Change(invoice, Action.UPDATE, {"kind": [old, invoice.kind]}, reason))
    Invoice.objects.bulk_update(
        changed,
        ["kind", "findings", "error_count", "warning_count", "updated_by", "updated_at"],
        batch_size=CHUNK,
    )
    append_events(company=company, user=by, entries=entries)
    return len(changed)


def invoice_kind_from_original(*, invoice: Invoice, kind: str, file_name: str) -> bool:
    """A captured original of an invoice already in the ledger tells the kind the ledger lacked."""
    if invoice.kind != Kind.DIGITAL_UNKNOWN:
        return False
    reason = str(_("Kind taken from the captured original %(file)s") % {"file": file_name})
    return bool(
        invoices_confirm_kind(company=invoice.company, kinds={invoice.pk: kind}, by=None, reason=reason)
    )

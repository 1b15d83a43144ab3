"""Writing and reading the hash-chained audit trail of a company's invoices (invoices/audit.py
holds the chain's rules)."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from accounts.models import Company, User
from invoices.audit import GENESIS, ChainBreak, EventRecord, event_hash, verify_chain
from invoices.models import InvoiceEvent


@dataclass(frozen=True)
class Change:
    subject: models.Model  # the invoice (or, in another trail, the discrepancy) that changed
    action: str
    changes: dict
    reason: str = ""


def append_events(
    *, company: Company, user: User | None, entries: list[Change], model=InvoiceEvent, subject_field="invoice"
) -> list:
    """Number, hash and store the entries after the company's last event of this trail (`model`,
    whose `subject_field` points at what changed). Must run inside the transaction that made the
    changes, so the trail and the data commit together."""
    if not entries:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events must be written in the transaction of the change they record")
    # The company row is the chain's lock: two writers of one company take turns, others don't wait.
    Company.objects.select_for_update().filter(pk=company.pk).values_list("pk").get()
    last = model.objects.of(company).order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = last or (0, GENESIS)
    at = timezone.now()
    events = []
    for entry in entries:
        seq += 1
        record = EventRecord(
            event_id=0,
            company_id=company.pk,
            seq=seq,
            invoice_id=entry.subject.pk,
            action=entry.action,
            user_id=user.pk if user else None,
            at=at,
            changes=entry.changes,
            reason=entry.reason,
            prev_hash=prev_hash,
            hash="",
        )
        prev_hash = event_hash(record)
        events.append(
            model(
                company=company,
                seq=seq,
                **{subject_field: entry.subject},
                action=entry.action,
                user=user,
                at=at,
                changes=entry.changes,
                reason=entry.reason,
                prev_hash=record.prev_hash,
                hash=prev_hash,
            )
        )
    return model.objects.bulk_create(events, batch_size=2000)


def company_records(company: Company, model=InvoiceEvent, subject_field="invoice") -> Iterator[EventRecord]:
    fields = (
        "pk",
        "seq",
        f"{subject_field}_id",
        "action",
        "user_id",
        "at",
        "changes",
        "reason",
        "prev_hash",
        "hash",
    )
    events = model.objects.of(company).order_by("seq").values_list(*fields)
    for pk, seq, subject_id, action, user_id, at, changes, reason, prev_hash, hash_ in events.iterator(5000):
        yield EventRecord(
            pk, company.pk, seq, subject_id, action, user_id, at, changes, reason, prev_hash, hash_
        )


def verify_company_trail(
    company: Company, model=InvoiceEvent, subject_field="invoice"
) -> tuple[int, list[ChainBreak]]:
    """How many events the company has in this trail, and where its chain is broken."""
    count = 0

    def counted():
        nonlocal count
        for record in company_records(company, model, subject_field):
            count += 1
            yield record

    breaks = verify_chain(counted())
    return count, breaks

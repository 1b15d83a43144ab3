"""One capture job, step by step: claim it, read the stored file, unpack an archive or split a file
of several invoices into jobs of their own, extract and merge, then store the invoice, call it a
duplicate, or put it up for review. Every way out leaves the job in a state that says why."""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from config import dispatch
from ingest import archives, sniff, storage
from ingest.doubts import accept_known_tins, field_json
from ingest.extract.base import KEY_FIELDS, ExtractError
from ingest.extract.engines import get_engine
from ingest.extract.merge import Merged, merge
from ingest.extract.registry import read_with, reader_for
from ingest.models import IngestJob, JobState
from ingest.parties import identity_of, other_party
from ingest.services import (
    confirmed_invoice_source,
    enqueue,
    finish_job,
    hold_identity,
    job_for_file,
    store_file,
)
from invoices import selectors as ledger_selectors
from invoices import services as ledger
from invoices.drafts import clean_draft
from invoices.findings import context_for, findings_for
from invoices.validation import Severity
from sandbox import UnsafeFile, run_isolated

log = logging.getLogger(__name__)

STRUCTURED = ("xml", "ofd", "pdf_text", "qr")
REQUIRED = (
    "kind",
    "number",
    "issue_date",
    "seller_name",
    "seller_tin",
    "buyer_name",
    "amount",
    "tax",
    "total",
)
STUCK_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 2
MAX_ARCHIVE_DEPTH = 3


def ocr_factory():
    """The configured OCR engine, loaded on first use (once per reading process, which reads file
    after file), or None when OCR is off. A partial, so that it travels to that process by pickle."""
    if settings.OCR_ENGINE == "off":
        return None
    return partial(get_engine, settings.OCR_ENGINE)


def claim(job_id: int) -> bool:
    """Take a queued job; a job another worker took (or finished) is left alone."""
    updated = IngestJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.PROCESSING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    return updated == 1


_finish = finish_job


def process_job(job_id: int) -> None:
    if not claim(job_id):
        return
    job = IngestJob.objects.select_related("stored_file", "company", "batch").get(pk=job_id)
    try:
        _run(job)
    except ExtractError as error:
        _finish(job, JobState.FAILED, error.code, **error.params)
    except UnsafeFile as error:
        log.warning("job %s refused: the process reading its file %s", job.pk, error)
        _finish(job, JobState.FAILED, "unsafe_file")
    except DatabaseError:
        raise  # the database is away: the job stays in processing and the sweep takes it again
    except Exception:
        log.exception("job %s failed unexpectedly", job.pk)
        _finish(job, JobState.FAILED, "internal")


def _run(job: IngestJob) -> None:
    data = storage.read_blob(job.stored_file.sha256)
    if job.stored_file.media == sniff.ZIP:
        _unpack(job, data)
        return
    # The reader is chosen here and runs in a child process: a file that crashes it or exhausts
    # its limits is refused (UnsafeFile) and this worker carries on.
    reader = reader_for(data, job.stored_file.media)
    invoices = run_isolated(read_with, reader, data, ocr_factory(), limits=settings.PARSER_LIMITS["capture"])
    if job.part == 0 and len(invoices) > 1 and job.moved_from_id is None:
        _split(job, len(invoices))
    if job.part >= len(invoices):
        raise ExtractError("not_invoice")
    _decide(job, merge(invoices[job.part]))


def _depth(job: IngestJob) -> int:
    depth, parent = 0, job.parent
    while parent is not None:
        depth, parent = depth + 1, parent.parent
    return depth


def _unpack(job: IngestJob, data: bytes) -> None:
    if _depth(job) >= MAX_ARCHIVE_DEPTH:
        raise ExtractError("unsafe_archive")
    members = run_isolated(archives.unpack, data, limits=settings.PARSER_LIMITS["archive"])
    with transaction.atomic():
        children = []
        for member in members:
            stored, created = store_file(
                company=job.company, by=job.batch.created_by, name=member.name, data=member.data
            )
            child = job_for_file(
                batch=job.batch, stored=stored, name=member.name, known=not created, parent=job
            )
            if child.state == JobState.QUEUED:
                children.append(child.pk)
        enqueue(children)
        _finish(job, JobState.DONE, "unpacked", count=len(members))


def _split(job: IngestJob, count: int) -> None:
    """The other invoices of the file get jobs of their own (once, however often this job runs)."""
    with transaction.atomic():
        siblings = [
            IngestJob.objects.get_or_create(
                company=job.company,
                batch=job.batch,
                stored_file=job.stored_file,
                part=part,
                defaults={"parent": job, "file_name": job.file_name},
            )
            for part in range(1, count)
        ]
        enqueue([sibling.pk for sibling, created in siblings if created])


def draft_values(merged: Merged, company_tin: str) -> tuple[dict, list[dict]]:
    """The extracted fields as the ledger's draft takes them; the direction follows from which side
    of the invoice the company is on."""
    values = {name: merged.value(name) for name in merged.fields}
    direction = "sales" if values.get("seller_tin") == company_tin else "purchase"
    values["direction"] = direction
    values["is_red"] = values.get("total", "").startswith("-")
    return values, [dict(line) for line in merged.lines]


def serialise(merged: Merged, problems: dict | None = None) -> dict:
    return {
        "fields": {name: field_json(field) for name, field in merged.fields.items()},
        "conflicts": [
            {
                "name": conflict.name,
                "chosen": field_json(conflict.chosen),
                "other": field_json(conflict.other),
            }
            for conflict in merged.conflicts
        ],
        "lines": merged.lines,
        "pages": list(merged.pages),
        "sources": list(merged.sources),
        "problems": problems or {},
    }


def _certain(merged: Merged) -> bool:
    """Every key field read by a structured source without a doubt, and no source disagreeing about one."""
    present = [merged.fields[name] for name in KEY_FIELDS if name in merged.fields]
    return all(field.source in STRUCTURED and not field.doubt for field in present) and not any(
        conflict.name in KEY_FIELDS for conflict in merged.conflicts
    )


def _review(job: IngestJob, code: str, missing: list[str], **params) -> None:
    _finish(job, JobState.NEEDS_REVIEW, code, fields="、".join(missing), **params)


def _decide(job: IngestJob, merged: Merged) -> None:
    """Ledger, duplicate or review card. The same invoice already in the ledger, or held by another
    job of the company, ends as its duplicate whether or not its fields could all be read; an
    invoice the company neither sold nor bought always waits for a person."""
    company = job.company
    merged = accept_known_tins(merged, company)
    values, lines = draft_values(merged, company.tin)
    missing = [name for name in REQUIRED if name not in merged.fields]
    try:
        draft, problems = clean_draft(values, lines), {}
    except ValidationError as error:
        draft, problems = None, error.message_dict
    job.extraction = serialise(merged, problems)
    identity = draft.identity if draft else identity_of(values)
    existing = identity and ledger_selectors.invoice_get_by_identity(company=company, identity=identity)
    if existing:
        job.invoice = existing
        ledger.invoice_kind_from_original(
            invoice=existing, kind=values.get("kind", ""), file_name=job.stored_file.name
        )
        _finish(job, JobState.DUPLICATE, "duplicate_invoice", identity=existing.identity)
        return
    holder = hold_identity(job, identity) if identity else None
    if holder is not None:
        job.duplicate_of, job.invoice = holder, holder.invoice
        _finish(job, JobState.DUPLICATE, "duplicate_job", identity=identity, name=holder.display_name)
        return
    other = other_party(company.tin, values)
    if other is not None:
        code = "other_buyer" if other.tin else "no_buyer_tin"
        _review(job, code, missing, name=other.name or "—", tin=other.tin)
        return
    if draft is None:
        _review(job, "missing_fields" if missing else "uncertain", missing)
        return
    near = ledger_selectors.near_duplicate_identities(
        company=company,
        seller_tin=draft.seller_tin,
        issue_date=draft.issue_date,
        total=draft.total,
        number=draft.number,
        identity=draft.identity,
    )
    findings = findings_for(draft, context=context_for(company, near), has_blue_original=False)
    errors = any(finding.severity is Severity.ERROR for finding in findings)
    if not (company.auto_confirm_capture and not missing and not errors and _certain(merged)):
        _review(job, "missing_fields" if missing else "uncertain", missing)
        return
    source = confirmed_invoice_source(job.stored_file.media, list(merged.sources))
    try:
        with transaction.atomic():
            locked = IngestJob.objects.select_for_update().get(pk=job.pk)
            if locked.state != JobState.PROCESSING or locked.invoice_id is not None:
                return  # another run of this job got here first
            job.invoice = ledger.invoice_create(
                company=company, by=None, draft=draft, source=source, original_file=job.stored_file
            )
            job.created_invoice = True
            _finish(job, JobState.DONE)
    except ValidationError:  # the same invoice arrived through another job a moment ago
        job.invoice = ledger_selectors.invoice_get_by_identity(company=company, identity=draft.identity)
        job.created_invoice = False
        _finish(job, JobState.DUPLICATE, "duplicate_invoice", identity=draft.identity)


def sweep_stuck_jobs(*, older_than: timedelta = STUCK_AFTER) -> tuple[int, int]:
    """Jobs left in processing by a worker that died: queued once more, then failed with a reason.
    Queued jobs whose message never went out (the broker was unreachable) or went out long ago (a
    worker killed with the message taken, or a broker restarted, lost it) are sent again
    (config/dispatch.py). Returns (requeued or sent again, failed)."""
    cutoff = timezone.now() - older_than
    waiting = IngestJob.objects.filter(
        dispatch.lost_messages(sweep="ingest", cutoff=cutoff), state=JobState.QUEUED
    )
    requeued, failed = list(waiting.values_list("pk", flat=True)), 0
    for job in IngestJob.objects.filter(state=JobState.PROCESSING, started_at__lt=cutoff):
        still_stuck = IngestJob.objects.filter(
            pk=job.pk, state=JobState.PROCESSING, started_at=job.started_at
        )
        if job.attempts < MAX_ATTEMPTS:
            if still_stuck.update(state=JobState.QUEUED, started_at=None):
                requeued.append(job.pk)
        else:
            failed += still_stuck.update(
                state=JobState.FAILED,
                reason_code="stuck",
                reason_params={},
                finished_at=timezone.now(),
                identity="",
            )
    with transaction.atomic():
        enqueue(requeued)
    return len(requeued), failed

"""Writes of the capture side: files received, jobs retried, review cards confirmed or rejected."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, User
from accounts.services import field_error
from config import dispatch
from ingest import sniff, storage
from ingest.models import IngestBatch, IngestJob, JobState, StoredFile
from invoices import services as ledger
from invoices.drafts import InvoiceDraft
from invoices.models import Invoice

log = logging.getLogger(__name__)
MAX_FILE_BYTES = 50 * 1024 * 1024


def enqueue(job_ids: list[int]) -> None:
    """Send the jobs to the workers once the transaction that made them has committed."""
    from ingest.tasks import process_job_task  # the task module imports the pipeline, which imports this one

    dispatch.send_after_commit(process_job_task, IngestJob.objects.all(), job_ids)


def store_file(
    *, company: Company, by: User | None, name: str, data: bytes, max_bytes: int = MAX_FILE_BYTES
) -> tuple[StoredFile, bool]:
    """Keep the bytes first, then record them. The same bytes again are the same StoredFile."""
    if len(data) > max_bytes:
        raise field_error(
            "file",
            _("%(name)s is larger than %(limit)s MB."),
            "too_large",
            {"name": name, "limit": max_bytes // (1024 * 1024)},
        )
    try:
        sha256 = storage.store_blob(data)
    except storage.StorageFull:
        raise field_error(
            "file",
            _("The server's disk is full; %(name)s was not kept. Tell your admin."),
            "storage_full",
            {"name": name},
        ) from None
    return StoredFile.objects.get_or_create(
        company=company,
        sha256=sha256,
        defaults={"size": len(data), "media": sniff.sniff(data), "name": name[:255], "created_by": by},
    )


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


@transaction.atomic
def receive_files(*, company: Company, by: User | None, channel: str, uploads: list[Upload]) -> IngestBatch:
    """Keep every file and give each a job; the workers start when the transaction commits."""
    batch = IngestBatch.objects.create(company=company, channel=channel, created_by=by)
    jobs = []
    for upload in uploads:
        stored, _created = store_file(company=company, by=by, name=upload.name, data=upload.data)
        job, _created = IngestJob.objects.get_or_create(
            company=company, batch=batch, stored_file=stored, part=0
        )
        jobs.append(job.pk)
    enqueue(jobs)
    log.info("batch %s: %d files received for %s", batch.pk, len(jobs), company.tin)
    return batch


@transaction.atomic
def job_retry(*, job: IngestJob, by: User | None) -> IngestJob:
    updated = IngestJob.objects.filter(pk=job.pk, state=JobState.FAILED).update(
        state=JobState.QUEUED, reason_code="", reason_params={}, attempts=0, started_at=None, finished_at=None
    )
    if not updated:
        raise field_error("state", _("Only a failed job can be retried."), "not_failed")
    log.info("job %s retried by %s", job.pk, by)
    enqueue([job.pk])
    job.refresh_from_db()
    return job


def _lock_for_review(job: IngestJob) -> IngestJob:
    locked = IngestJob.objects.select_for_update().get(pk=job.pk)
    if locked.state != JobState.NEEDS_REVIEW:
        raise field_error("state", _("This card was already dealt with."), "not_in_review")
    return locked


@transaction.atomic
def job_confirm(
    *, job: IngestJob, by: User | None, draft: InvoiceDraft, source: str, reason: str = ""
) -> Invoice:
    """The reviewer's corrected fields go into the ledger, linked to the original file."""
    job = _lock_for_review(job)
    invoice = ledger.invoice_create(
        company=job.company, by=by, draft=draft, source=source, reason=reason, original_file=job.stored_file
    )
    job.state, job.invoice, job.created_invoice = JobState.DONE, invoice, True
    job.reviewed_by, job.reviewed_at = by, timezone.now()
    job.reason_code, job.reason_params = "", {}
    job.save()
    return invoice


@transaction.atomic
def job_reject(*, job: IngestJob, by: User | None, reason: str) -> IngestJob:
    if not reason.strip():
        raise field_error("reason", _("Say why the card is rejected."), "required")
    job = _lock_for_review(job)
    job.state = JobState.REJECTED
    job.reason_code, job.reason_params = "rejected", {"reason": reason.strip()}
    job.reviewed_by, job.reviewed_at = by, timezone.now()
    job.finished_at = timezone.now()
    job.save()
    return job


def confirmed_invoice_source(media: str, sources: list[str]) -> str:
    """The ledger's `source` for an invoice captured from a file of this kind."""
    if media in (sniff.XML, sniff.OFD):
        return media
    if media == sniff.PDF and "pdf_text" in sources:
        return "pdf"
    return "scan"

"""Writes of the capture side: files received, jobs retried, review cards confirmed, rejected or
moved to the company they belong to."""

import logging
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, User
from accounts.roles import Perm
from accounts.selectors import membership_list_for_user
from accounts.services import field_error
from config import dispatch
from ingest import sniff, storage
from ingest.messages import REFUSALS
from ingest.models import HOLDING, IngestBatch, IngestJob, JobState, StoredFile
from ingest.parties import other_party, party_tins
from invoices import services as ledger
from invoices.drafts import InvoiceDraft
from invoices.fapiao import normalize_id
from invoices.models import Invoice

log = logging.getLogger(__name__)
MAX_FILE_BYTES = 50 * 1024 * 1024


def enqueue(job_ids: list[int]) -> None:
    """Send the jobs to the workers once the transaction that made them has committed."""
    from ingest.tasks import process_job_task  # the task module imports the pipeline, which imports this one

    dispatch.send_after_commit(process_job_task, IngestJob.objects.all(), job_ids)


def store_file(
    *, company: Company, by: User | None, name: str, data: storage.Content, max_bytes: int = MAX_FILE_BYTES
) -> tuple[StoredFile, bool]:
    """Keep the bytes (given, or read a megabyte at a time from a file) first, then record them. The
    same bytes again are the same StoredFile."""
    size = storage.content_size(data)
    if size > max_bytes:
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
        defaults={"size": size, "media": _media(data), "name": name[:255], "created_by": by},
    )


def _media(data: storage.Content) -> str:
    return sniff.sniff(data) if isinstance(data, bytes) else sniff.sniff_file(data)


@dataclass(frozen=True)
class Upload:
    name: str
    data: storage.Content  # the bytes, or the upload's temporary file


def finish_job(job: IngestJob, state: str, code: str = "", **params) -> None:
    """End the job in `state` for the reason `code`; a job no longer capturing its invoice lets go
    of the invoice's identity."""
    job.state, job.reason_code = state, code
    job.reason_params = {key: str(value) for key, value in params.items()}
    job.finished_at = timezone.now()
    if state not in HOLDING:
        job.identity = ""
    job.save(
        update_fields=[
            "state",
            "reason_code",
            "reason_params",
            "finished_at",
            "extraction",
            "invoice",
            "created_invoice",
            "identity",
            "duplicate_of",
        ]
    )


def _earlier_job(job: IngestJob) -> IngestJob | None:
    """A job of an earlier upload of the company that read (or is reading) the same bytes; one
    that failed or was rejected lets the file be read again."""
    return (
        IngestJob.objects.of(job.company)
        .filter(stored_file=job.stored_file, part=job.part)
        .exclude(batch=job.batch)
        .exclude(state__in=[JobState.FAILED, JobState.REJECTED])
        .select_related("stored_file", "duplicate_of")
        .order_by("pk")
        .first()
    )


def job_for_file(
    *, batch: IngestBatch, stored: StoredFile, name: str, known: bool, part: int = 0, **extra
) -> IngestJob:
    """The file's job in this upload. Bytes the company gave before (`known`) end at once as the
    duplicate of the earlier job, linked to it and to its invoice: never read, never reviewed twice."""
    job, created = IngestJob.objects.get_or_create(
        company=batch.company,
        batch=batch,
        stored_file=stored,
        part=part,
        defaults={"file_name": name[:255], **extra},
    )
    earlier = _earlier_job(job) if created and known else None
    if earlier is not None:
        original = earlier.duplicate_of or earlier
        job.duplicate_of, job.invoice = original, earlier.invoice or original.invoice
        received = timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M")
        finish_job(job, JobState.DUPLICATE, "same_file", name=earlier.display_name, at=received)
    return job


def hold_identity(job: IngestJob, identity: str) -> IngestJob | None:
    """Make the job the one capturing the invoice `identity`, or return the job of the company
    that already is (two workers deciding at once are told apart by the unique constraint)."""
    others = IngestJob.objects.of(job.company).filter(identity=identity).exclude(pk=job.pk)
    holder = others.first()
    if holder is None:
        try:
            with transaction.atomic():
                IngestJob.objects.filter(pk=job.pk).update(identity=identity)
        except IntegrityError:
            holder = others.first()
        else:
            job.identity = identity
    return holder


def _refused(error: ValidationError) -> dict | None:
    """A file refused by store_file for itself (too large), as the batch keeps it; None when the
    refusal concerns the whole upload (a full disk)."""
    [item] = error.error_dict["file"]
    return {"code": item.code, "params": item.params} if item.code in REFUSALS else None


@transaction.atomic
def receive_files(*, company: Company, by: User | None, channel: str, uploads: list[Upload]) -> IngestBatch:
    """Keep every file and give each a job; the workers start when the transaction commits. A file
    that cannot be kept (empty, too large) is refused alone and named, the others are kept; when
    none can be, the upload is refused."""
    batch = IngestBatch.objects.create(company=company, channel=channel, created_by=by)
    queued, kept = [], 0
    for upload in uploads:
        if not storage.content_size(upload.data):
            batch.refused.append({"code": "empty", "params": {"name": upload.name}})
            continue
        try:
            stored, created = store_file(company=company, by=by, name=upload.name, data=upload.data)
        except ValidationError as error:
            if (refusal := _refused(error)) is None:
                raise
            batch.refused.append(refusal)
            continue
        job = job_for_file(batch=batch, stored=stored, name=upload.name, known=not created)
        kept += 1
        if job.state == JobState.QUEUED:
            queued.append(job.pk)
    if not kept:
        raise ValidationError(
            {"files": [ValidationError(REFUSALS[one["code"]], **one) for one in batch.refused]}
        )
    if batch.refused:
        batch.save(update_fields=["refused"])
    enqueue(queued)
    log.info(
        "batch %s: %d files received, %d refused for %s", batch.pk, kept, len(batch.refused), company.tin
    )
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


def _check_parties(company: Company, draft: InvoiceDraft, *, other_buyer: bool, reason: str) -> None:
    """An invoice the company neither sold nor bought goes into its ledger only when the reviewer
    chose so and said why."""
    other = other_party(company.tin, asdict(draft))
    if other is None:
        return
    if not other_buyer:
        raise field_error(
            "other_buyer",
            _(
                "The buyer on this invoice is another taxpayer, %(name)s (taxpayer ID %(tin)s), not "
                "%(company)s. Move the card to the company it belongs to, or choose to file it here "
                "anyway and say why."
            ),
            "buyer_not_company",
            {"name": other.name or "—", "tin": other.tin or "—", "company": company.name},
        )
    if not reason.strip():
        raise field_error(
            "reason",
            _("Say why an invoice bought by another taxpayer goes into this company's ledger."),
            "reason_required",
        )


@transaction.atomic
def job_confirm(
    *,
    job: IngestJob,
    by: User | None,
    draft: InvoiceDraft,
    source: str,
    reason: str = "",
    other_buyer: bool = False,
) -> Invoice:
    """The reviewer's corrected fields go into the ledger, linked to the original file. Cards still
    waiting with the same invoice end as its duplicates."""
    job = _lock_for_review(job)
    _check_parties(job.company, draft, other_buyer=other_buyer, reason=reason)
    invoice = ledger.invoice_create(
        company=job.company, by=by, draft=draft, source=source, reason=reason, original_file=job.stored_file
    )
    job.state, job.invoice, job.created_invoice, job.identity = JobState.DONE, invoice, True, ""
    job.reviewed_by, job.reviewed_at = by, timezone.now()
    job.reason_code, job.reason_params = "", {}
    job.save()
    IngestJob.objects.of(job.company).filter(state=JobState.NEEDS_REVIEW, identity=invoice.identity).update(
        state=JobState.DUPLICATE,
        reason_code="duplicate_invoice",
        reason_params={"identity": invoice.identity},
        invoice=invoice,
        duplicate_of=job,
        identity="",
        finished_at=timezone.now(),
    )
    return invoice


def move_targets(*, user: User, job: IngestJob) -> list[Company]:
    """The user's other companies that are a party of the job's invoice and for which the user may
    capture: where a card of another taxpayer's invoice can go (none when the invoice is the
    company's own, though it names another of the user's companies as its other side)."""
    values = job.values_read
    if other_party(job.company.tin, values) is None:
        return []
    tins = party_tins(values)
    return [
        membership.company
        for membership in membership_list_for_user(user=user)
        if membership.company.tin in tins
        and membership.company_id != job.company_id
        and membership.allows(Perm.INGEST_UPLOAD)
    ]


@transaction.atomic
def job_move(*, job: IngestJob, by: User, tin: str) -> IngestJob:
    """Send a card to the user's company that the invoice belongs to: the file is read there as a
    new upload of that company (and filed or reviewed there by its rules); this card ends as moved."""
    job = _lock_for_review(job)
    tin = normalize_id(tin)
    target = next((company for company in move_targets(user=by, job=job) if company.tin == tin), None)
    if target is None:
        raise field_error(
            "company",
            _(
                "None of the companies you may capture for is this invoice's buyer or seller with "
                "taxpayer ID %(tin)s."
            ),
            "not_a_target",
            {"tin": tin},
        )
    stored, created = store_file(
        company=target, by=by, name=job.display_name, data=storage.read_blob(job.stored_file.sha256)
    )
    batch = IngestBatch.objects.create(company=target, channel=job.batch.channel, created_by=by)
    moved = job_for_file(
        batch=batch, stored=stored, name=job.display_name, known=not created, part=job.part, moved_from=job
    )
    if moved.state == JobState.QUEUED:
        enqueue([moved.pk])
    job.reviewed_by, job.reviewed_at = by, timezone.now()
    job.save(update_fields=["reviewed_by", "reviewed_at"])
    finish_job(job, JobState.MOVED, "moved", company=target.name)
    log.info("job %s moved by %s to %s as job %s", job.pk, by, target.tin, moved.pk)
    return moved


@transaction.atomic
def job_reject(*, job: IngestJob, by: User | None, reason: str) -> IngestJob:
    if not reason.strip():
        raise field_error("reason", _("Say why the card is rejected."), "required")
    job = _lock_for_review(job)
    job.state, job.identity = JobState.REJECTED, ""
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

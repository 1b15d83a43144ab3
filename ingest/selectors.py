from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Company
from ingest.models import FINISHED, IngestBatch, IngestJob, JobState, StoredFile
from ingest.sources import SOURCES
from invoices.periods import month_bounds


def job_queryset(*, company: Company) -> QuerySet[IngestJob]:
    return IngestJob.objects.of(company).select_related("stored_file", "invoice")


def job_get(*, company: Company, pk: int) -> IngestJob:
    return get_object_or_404(job_queryset(company=company).select_related("batch"), pk=pk)


def batch_get(*, company: Company, pk: int) -> IngestBatch:
    return get_object_or_404(IngestBatch.objects.of(company), pk=pk)


def batch_jobs(*, batch: IngestBatch) -> QuerySet[IngestJob]:
    return batch.jobs.select_related("stored_file", "invoice").order_by("pk")


def batch_counts(*, batch: IngestBatch) -> dict:
    """How many of the batch's jobs are in each state, and how many are finished."""
    counts = dict(batch.jobs.values_list("state").annotate(count=Count("pk")).order_by())
    total = sum(counts.values())
    finished = sum(counts.get(state, 0) for state in (*FINISHED, JobState.NEEDS_REVIEW))
    return {"states": counts, "total": total, "finished": finished}


def job_list(
    *, company: Company, source: str = "", state: str = "", month: date | None = None
) -> QuerySet[IngestJob]:
    """Invoices captured (jobs holding no others), newest first, by source, outcome and month
    received. `state` "queued" also means still processing."""
    jobs = job_queryset(company=company).exclude(Exists(IngestJob.objects.filter(parent=OuterRef("pk"))))
    if source in SOURCES:
        jobs = jobs.filter(stored_file__media__in=SOURCES[source])
    if state == JobState.QUEUED:
        jobs = jobs.filter(state__in=[JobState.QUEUED, JobState.PROCESSING])
    elif state:
        jobs = jobs.filter(state=state)
    if month is not None:
        jobs = jobs.filter(created_at__date__range=month_bounds(month))
    return jobs.order_by("-created_at", "-pk")


def review_queue(*, company: Company) -> QuerySet[IngestJob]:
    return job_queryset(company=company).filter(state=JobState.NEEDS_REVIEW).order_by("created_at")


def failed_jobs(*, company: Company) -> QuerySet[IngestJob]:
    return job_queryset(company=company).filter(state=JobState.FAILED).order_by("-finished_at")


def recent_batches(*, company: Company) -> QuerySet[IngestBatch]:
    return (
        IngestBatch.objects.of(company)
        .annotate(
            files=Count("jobs"),
            waiting=Count("jobs", filter=Q(jobs__state__in=[JobState.QUEUED, JobState.PROCESSING])),
            failed=Count("jobs", filter=Q(jobs__state=JobState.FAILED)),
        )
        .select_related("created_by")
        .order_by("-created_at")
    )


def stored_file_get(*, company: Company, pk: int) -> StoredFile:
    return get_object_or_404(StoredFile.objects.of(company), pk=pk)


def original_pages(*, invoice) -> list[int]:
    """The pages of the original file that show this invoice (a file may hold several)."""
    job = IngestJob.objects.filter(invoice=invoice, created_invoice=True).only("extraction").first()
    return (job.extraction.get("pages") if job else None) or [0]

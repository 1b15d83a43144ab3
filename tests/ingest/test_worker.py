"""Capture through a real Celery worker on the test Redis, as in production."""

import signal
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from config.celery import app
from ingest import pipeline, services
from ingest.models import IngestJob, JobState
from invoices.drafts import clean_draft
from invoices.models import Invoice
from tests.conftest import start_celery_worker
from tests.fixtures import einvoices
from tests.fixtures.einvoices import DIGITAL_SPEC

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def wait_until(predicate, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def buyer(company_a):
    """Company A buys the generated invoices."""
    return company_a


def spec_for(company, index: int):
    return replace(
        DIGITAL_SPEC, number=f"263520000000123{index:05d}", buyer_name=company.name, buyer_tin=company.tin
    )


def test_a_worker_reads_an_upload_after_it_commits(buyer, celery_worker_process):
    uploads = [
        services.Upload(f"{index}.xml", einvoices.digital_invoice_xml(spec_for(buyer, index)))
        for index in range(5)
    ]
    with transaction.atomic():
        batch = services.receive_files(company=buyer, by=None, channel="api", uploads=uploads)
    assert wait_until(lambda: not batch.jobs.exclude(state=JobState.DONE).exists())
    assert Invoice.objects.filter(company=buyer).count() == 5


def test_a_worker_killed_mid_job_leaves_it_to_the_sweep_and_nothing_twice(tmp_path, settings):
    """SIGKILL while a scan is being read: after a restart the sweep queues the job again, the new
    worker finishes it, and nothing was made twice."""
    from accounts.services import company_create
    from tests.fixtures.invoice_images import generated_scan, image_bytes

    settings.OCR_ENGINE = "rapidocr"
    scan = generated_scan(7)
    company = company_create(name=scan.truth["buyer_name"], tin=scan.truth["buyer_tin"])
    app.control.purge()
    worker, _name = start_celery_worker(tmp_path, "first")
    try:
        with transaction.atomic():
            batch = services.receive_files(
                company=company,
                by=None,
                channel="api",
                uploads=[services.Upload("scan.png", image_bytes(scan.image))],
            )
        job = batch.jobs.get()
        assert wait_until(lambda: IngestJob.objects.get(pk=job.pk).state == JobState.PROCESSING, 30)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert IngestJob.objects.get(pk=job.pk).state == JobState.PROCESSING
    app.control.purge()  # the broker would hand the message back only after its visibility timeout
    second, _name = start_celery_worker(tmp_path, "second")
    try:
        IngestJob.objects.filter(pk=job.pk).update(started_at=job.created_at - timedelta(hours=1))
        assert pipeline.sweep_stuck_jobs() == (1, 0)
        assert wait_until(lambda: IngestJob.objects.get(pk=job.pk).state not in ("queued", "processing"), 120)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.NEEDS_REVIEW, 2)  # OCR-read names wait for a person
    assert job.extraction["fields"]["number"]["value"] == scan.truth["number"]
    assert batch.jobs.count() == 1
    assert not Invoice.objects.filter(company=company).exists()
    values, lines = pipeline.draft_values(merged_reading(job), company.tin)
    services.job_confirm(job=job, by=None, draft=clean_draft(values, lines), source="scan")
    assert Invoice.objects.filter(company=company).count() == 1


def merged_reading(job):
    """The job's stored reading as the pipeline's merge result, to confirm it as a reviewer would."""
    from ingest.extract.base import Field
    from ingest.extract.merge import Merged

    fields = {name: Field(**reading) for name, reading in job.extraction["fields"].items()}
    return Merged(fields=fields, lines=job.extraction["lines"])


def test_a_worker_killed_during_a_batch_of_fifty_leaves_every_file_read_once(tmp_path):
    """SIGKILL after a few of 50 uploads are read: a new worker reads the rest, the sweep takes back
    the one that was being read, and every file ends read or failed with a reason — no invoice twice."""
    from accounts.services import company_create

    company = company_create(name=DIGITAL_SPEC.buyer_name, tin=DIGITAL_SPEC.buyer_tin)
    uploads = [
        services.Upload(
            f"{index:02d}.xml",
            einvoices.digital_invoice_xml(replace(DIGITAL_SPEC, number=f"263520000000123{index:05d}")),
        )
        for index in range(50)
    ]
    app.control.purge()
    worker, _name = start_celery_worker(tmp_path, "doomed")
    try:
        with transaction.atomic():
            batch = services.receive_files(company=company, by=None, channel="api", uploads=uploads)
        finished = IngestJob.objects.filter(batch=batch, finished_at__isnull=False)
        assert wait_until(lambda: finished.count() >= 5, 60)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    killed_at = finished.count()
    assert killed_at < 50  # killed mid-batch
    second, _name = start_celery_worker(tmp_path, "second")
    try:
        an_hour_ago = timezone.now() - timedelta(hours=1)  # as if the sweep ran 15 minutes later
        IngestJob.objects.filter(batch=batch, state=JobState.PROCESSING).update(started_at=an_hour_ago)
        # a message the killed worker had taken is lost with it: the sweep sends the job again
        IngestJob.objects.filter(batch=batch, state=JobState.QUEUED).update(sent_at=an_hour_ago)
        pipeline.sweep_stuck_jobs()
        assert wait_until(lambda: not batch.jobs.filter(state__in=["queued", "processing"]).exists(), 120)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    states = dict(batch.jobs.values_list("state").annotate(count=Count("pk")).order_by())
    assert set(states) <= {JobState.DONE, JobState.FAILED} and sum(states.values()) == 50
    assert not batch.jobs.filter(state=JobState.FAILED, reason_code="").exists()
    invoices = Invoice.objects.filter(company=company)
    assert invoices.count() == states.get(JobState.DONE, 0) == batch.jobs.filter(created_invoice=True).count()

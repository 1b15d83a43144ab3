"""A file whose reading was started and never finished is sent again once; when its reader dies a
second time the sweep refuses it ("文件无法安全读取") and says so to the user, and other work goes on."""

import signal
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from config.celery import app
from ingest import pipeline, services
from ingest.models import IngestJob, JobState
from reconcile import services as reconcile_services
from reconcile.models import BureauImport
from tests.conftest import make_member, start_celery_worker
from tests.fixtures import einvoices
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx

UNSAFE = "文件无法安全读取"


def wait_until(predicate, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def kill_while_reading(tmp_path, label: str, send, attempt: int) -> IngestJob:
    """A real worker takes the job `send` sends and is killed (SIGKILL) while it reads it."""
    worker, _name = start_celery_worker(tmp_path, label)
    try:
        job = send()
        taken = wait_until(
            lambda: IngestJob.objects.filter(pk=job.pk, state=JobState.PROCESSING, attempts=attempt).exists(),
            60,
        )
        assert taken, (tmp_path / f"worker-{label}.log").read_text()
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    app.control.purge()  # the broker would hand the message back only after its visibility timeout
    return job


def as_a_dead_worker_left_it(job: IngestJob) -> None:
    """Fifteen minutes on: the sweep's cutoff has passed since the reading started."""
    IngestJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=1))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_scan_whose_reader_died_twice_is_refused_and_the_next_upload_is_read(tmp_path, settings):
    from accounts.services import company_create
    from tests.fixtures.invoice_images import generated_scan, image_bytes

    settings.OCR_ENGINE = "rapidocr"  # slow enough to be killed in the middle of
    scan = generated_scan(3)
    company = company_create(name=scan.truth["buyer_name"], tin=scan.truth["buyer_tin"])
    clerk = make_member("alice", company, Role.ACCOUNTANT)
    app.control.purge()

    def upload() -> IngestJob:
        with transaction.atomic():
            batch = services.receive_files(
                company=company,
                by=None,
                channel="api",
                uploads=[services.Upload("扫描件.png", image_bytes(scan.image))],
            )
        return batch.jobs.get()

    def sweep_sends_it_again() -> IngestJob:
        as_a_dead_worker_left_it(job)
        assert pipeline.sweep_stuck_jobs() == (1, 0)  # sent again, once
        return job

    job = kill_while_reading(tmp_path, "first", upload, attempt=1)
    kill_while_reading(tmp_path, "second", sweep_sends_it_again, attempt=2)
    as_a_dead_worker_left_it(job)
    assert pipeline.sweep_stuck_jobs() == (0, 1)  # not a third time

    job.refresh_from_db()
    assert (job.state, job.attempts, job.identity) == (JobState.FAILED, 2, "")
    assert pipeline.sweep_stuck_jobs() == (0, 0)
    assert IngestJob.objects.get(pk=job.pk).state == JobState.FAILED

    client = Client()
    client.force_login(clerk)
    failed_page = client.get("/capture/failed/").content.decode()
    assert "扫描件.png" in failed_page and UNSAFE in failed_page

    settings.OCR_ENGINE = "off"
    worker, _name = start_celery_worker(tmp_path, "third")
    try:
        spec = einvoices.DIGITAL_SPEC
        xml = einvoices.digital_invoice_xml(spec)
        with transaction.atomic():
            later = services.receive_files(
                company=company, by=None, channel="api", uploads=[services.Upload("a.xml", xml)]
            )
        assert wait_until(lambda: later.jobs.get().state not in (JobState.QUEUED, JobState.PROCESSING), 60)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    assert later.jobs.get().state in (JobState.DONE, JobState.NEEDS_REVIEW)
    assert IngestJob.objects.get(pk=job.pk).state == JobState.FAILED  # the refused one was left alone


@pytest.mark.django_db
def test_a_bureau_export_whose_reader_died_twice_is_refused_and_the_other_is_read_again(company_a, alice):
    app.control.purge()
    first, _created = reconcile_services.bureau_import_create(
        company=company_a, by=alice, name="全量发票.xlsx", data=write_xlsx(basic_rows(scenario(5, seed=1)))
    )
    second, _created = reconcile_services.bureau_import_create(
        company=company_a, by=alice, name="勾选.xlsx", data=write_xlsx(basic_rows(scenario(5, seed=2)))
    )
    long_ago = timezone.now() - timedelta(hours=1)
    # As a worker that died while reading leaves them: the first for the second time, the other once.
    BureauImport.objects.filter(pk=first.pk).update(state="reading", started_at=long_ago, attempts=2)
    BureauImport.objects.filter(pk=second.pk).update(state="reading", started_at=long_ago, attempts=1)

    outcome = reconcile_services.sweep_stuck()

    assert (outcome["failed"], outcome["requeued"]) == (1, 1)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.error_code) == ("failed", "crashed")
    assert (second.state, second.started_at) == ("queued", None)
    assert reconcile_services.sweep_stuck()["failed"] == 0  # refused once, not again
    client = Client()
    client.force_login(alice)
    page = client.get(f"/reconcile/imports/{first.pk}/").content.decode()
    assert UNSAFE in page
    api = client.get(f"/api/reconcile/imports/{first.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert api["error_code"] == "crashed"
    assert api["error"].startswith("The file could not be read safely")
    app.control.purge()

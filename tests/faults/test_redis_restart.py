"""Redis dies during a batch of 50 uploads and comes back empty: uploads made while it was away are
still accepted, the worker reconnects by itself, the sweep sends what the broker lost, and every
file ends read or failed with a reason, no invoice twice."""

from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count

from accounts.roles import Role
from accounts.services import company_create
from config.celery import app
from ingest import pipeline
from ingest.models import IngestJob, JobState
from invoices.models import Invoice
from tests.conftest import make_member
from tests.faults.outages import start_services, stop_redis, wait_for
from tests.fixtures import einvoices
from tests.fixtures.einvoices import DIGITAL_SPEC

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def upload_ten(client, first: int):
    files = [
        SimpleUploadedFile(
            f"{index:02d}.xml",
            einvoices.digital_invoice_xml(replace(DIGITAL_SPEC, number=f"263520000000456{index:05d}")),
        )
        for index in range(first, first + 10)
    ]
    response = client.post("/api/capture/uploads/", {"files": files}, format="multipart")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_redis_restarted_during_a_batch_of_fifty_uploads(api_as, celery_worker_process):
    company = company_create(name=DIGITAL_SPEC.buyer_name, tin=DIGITAL_SPEC.buyer_tin)
    client = api_as(make_member("clerk", company, Role.ACCOUNTANT))
    batches = [upload_ten(client, 0), upload_ten(client, 10)]
    jobs = IngestJob.objects.filter(company=company)
    wait_for(lambda: jobs.filter(finished_at__isnull=False).exists(), 60, "the worker read nothing")

    stop_redis()
    try:
        batches.append(upload_ten(client, 20))  # accepted with the broker away: queued, not sent
        unsent = jobs.filter(batch_id=batches[-1], sent_at__isnull=True)
        assert unsent.count() == 10
    finally:
        start_services()  # an empty Redis: the messages of jobs not yet read are gone
    batches += [upload_ten(client, 30), upload_ten(client, 40)]  # the app's connections come back
    assert jobs.count() == 50
    # the worker reconnected by itself: the batches sent after the restart are read
    wait_for(
        lambda: not jobs.filter(batch_id__in=batches[3:]).exclude(state__in=FINISHED).exists(),
        120,
        "the worker did not come back to the broker",
    )

    # what is still queued now waits for nothing: never sent, or its message was lost with Redis
    stranded = jobs.filter(state=JobState.QUEUED).count()
    assert stranded >= 10
    # the next sweep finds its mark gone from Redis and sends every queued job at once
    assert pipeline.sweep_stuck_jobs() == (stranded, 0)
    wait_for(lambda: not jobs.exclude(state__in=FINISHED).exists(), 120, "files were left unread")

    states = dict(jobs.values_list("state").annotate(count=Count("pk")).order_by())
    assert set(states) <= {JobState.DONE, JobState.FAILED} and sum(states.values()) == 50
    assert not jobs.filter(state=JobState.FAILED, reason_code="").exists()
    invoices = Invoice.objects.filter(company=company)
    assert invoices.count() == states.get(JobState.DONE, 0) == jobs.filter(created_invoice=True).count()
    assert invoices.values("identity").distinct().count() == invoices.count()
    app.control.purge()  # messages sent twice, already claimed


FINISHED = (JobState.DONE, JobState.FAILED, JobState.DUPLICATE, JobState.NEEDS_REVIEW)

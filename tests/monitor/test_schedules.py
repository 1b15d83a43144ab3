"""Every periodic job leaves a record; one that did not run when due is an anomaly until it does."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from config.celery import BEAT_SCHEDULE
from monitor.checkruns import recorded
from monitor.models import Anomaly, CheckRun
from monitor.schedules import RUN_NAMES, jobs, overdue_jobs

pytestmark = pytest.mark.django_db


def ran(name: str, ago: timedelta) -> None:
    moment = timezone.now() - ago
    CheckRun.objects.create(name=name, started_at=moment, finished_at=moment, outcome="ok")


def test_every_scheduled_task_expires_before_its_next_run_and_leaves_a_record():
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in RUN_NAMES
        assert entry["options"]["expires"] > 0


def test_the_defaults_run_at_the_documented_times():
    schedule = {entry["task"]: entry["schedule"] for entry in BEAT_SCHEDULE.values()}
    assert (schedule["monitor.check_integrity"].hour, schedule["monitor.check_integrity"].minute) == (
        {2},
        {0},
    )
    assert (schedule["monitor.backup_snapshot"].hour, schedule["monitor.backup_snapshot"].minute) == (
        {3},
        {0},
    )
    assert schedule["ingest.sweep_stuck_jobs"] == schedule["reconcile.sweep_stuck"] == 300.0


def test_a_job_that_did_not_run_when_due_is_an_anomaly_until_it_runs():
    for name in RUN_NAMES.values():
        ran(name, timedelta(minutes=1))
    assert overdue_jobs() == []
    ran("reconcile_sweep", timedelta(0))
    CheckRun.objects.filter(name="scan_books").update(started_at=timezone.now() - timedelta(hours=3))
    late = overdue_jobs()
    assert [job.task for job in late] == ["monitor.scan_books"]
    anomaly = Anomaly.objects.get(kind="job_missed")
    assert (anomaly.key, anomaly.company, anomaly.state) == ("monitor-scan-books", None, "open")
    assert overdue_jobs() and Anomaly.objects.filter(kind="job_missed").count() == 1
    ran("scan_books", timedelta(0))
    assert overdue_jobs() == []
    assert Anomaly.objects.get(kind="job_missed").state == "resolved"


def test_a_recorded_block_that_fails_says_so():
    with pytest.raises(ValueError), recorded("scan_books") as run:
        run.counts = {"seen": 1}
        raise ValueError("the database went away")
    run = CheckRun.objects.get()
    assert (run.outcome, run.error, run.counts) == ("failed", "the database went away", {"seen": 1})
    assert run.seconds is not None


def test_the_jobs_page_shows_each_job_to_staff(client):
    staff = User.objects.create_user("ops", password="x", is_staff=True)
    ran("integrity", timedelta(hours=1))
    client.force_login(staff)
    page = client.get("/monitor/jobs/").content.decode()
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in page
    assert "通过" in page  # the integrity run's outcome, in words
    assert next(job for job in jobs() if job.run_name == "integrity").last is not None

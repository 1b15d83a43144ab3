"""Every periodic job leaves a record; one that did not run when due is an anomaly until it does."""

from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from celery.schedules import crontab
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


def run_times(schedule, start: datetime, days: int) -> list[datetime]:
    """When beat starts the task in the `days` after `start`: the interval's ticks, or each minute
    the crontab matches (its day of week counted from Sunday = 0, as cron and Celery do)."""
    if isinstance(schedule, (int, float)):
        return [start + timedelta(seconds=schedule * tick) for tick in range(int(days * 86400 / schedule))]
    minutes = (start + timedelta(minutes=step) for step in range(days * 24 * 60))
    return [
        moment
        for moment in minutes
        if moment.minute in schedule.minute
        and moment.hour in schedule.hour
        and moment.isoweekday() % 7 in schedule.day_of_week
        and moment.day in schedule.day_of_month
        and moment.month in schedule.month_of_year
    ]


def shortest_period(schedule) -> timedelta:
    times = run_times(schedule, datetime(2026, 3, 1), days=8)
    assert len(times) >= 2, schedule
    return min(later - earlier for earlier, later in pairwise(times))


def test_the_periods_are_read_from_the_schedule_as_beat_runs_it():
    assert shortest_period(300.0) == timedelta(minutes=5)
    assert shortest_period(crontab(minute=10)) == timedelta(hours=1)
    assert shortest_period(crontab(hour=2, minute=0)) == timedelta(days=1)
    assert shortest_period(crontab(hour=2, minute=0, day_of_week="mon,wed")) == timedelta(days=2)
    assert shortest_period(crontab(hour="2,3", minute=0)) == timedelta(hours=1)


def test_every_scheduled_task_expires_before_its_next_run_and_leaves_a_record():
    assert BEAT_SCHEDULE
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in RUN_NAMES, name
        expires = timedelta(seconds=entry["options"]["expires"])
        assert timedelta(0) < expires < shortest_period(entry["schedule"]), name


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

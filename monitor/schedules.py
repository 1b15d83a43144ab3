"""The periodic jobs as the jobs page shows them — each with its last run, how long it took, what
it found and when it is next due — and the check that a job ran when it should have: one that did
not (beat or the workers were down) is an anomaly until it runs again."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.schedules import maybe_schedule
from django.utils import timezone

from config.celery import BEAT_SCHEDULE
from monitor import anomalies
from monitor.anomalies import Observation
from monitor.models import CheckRun, Severity

# The CheckRun each scheduled task leaves (monitor/checkruns.py).
RUN_NAMES = {
    "monitor.check_integrity": "integrity",
    "monitor.backup_snapshot": "backup",
    "monitor.scan_books": "scan_books",
    "ingest.sweep_stuck_jobs": "ingest_sweep",
    "reconcile.sweep_stuck": "reconcile_sweep",
    "monitor.send_digests": "digests",
}
MIN_GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class Job:
    key: str  # the BEAT_SCHEDULE entry
    task: str
    run_name: str
    schedule: object  # a celery schedule
    last: CheckRun | None
    due: datetime | None  # when it should next start
    overdue: bool


def _grace(schedule) -> timedelta:
    """How late a start may be before it counts as missed: a tenth of an interval, half an hour for
    a job at set times (a worker busy with a long job delays the next)."""
    every = getattr(schedule, "run_every", None)
    return max(MIN_GRACE, every / 10) if every is not None else 3 * MIN_GRACE


def jobs(now: datetime | None = None) -> list[Job]:
    now = now or timezone.now()
    names = [RUN_NAMES.get(entry["task"], entry["task"]) for entry in BEAT_SCHEDULE.values()]
    latest = {name: CheckRun.objects.filter(name=name).order_by("-started_at").first() for name in names}
    watching_since = CheckRun.objects.order_by("started_at").values_list("started_at", flat=True).first()
    result = []
    for key, entry in BEAT_SCHEDULE.items():
        schedule = maybe_schedule(entry["schedule"])
        name = RUN_NAMES.get(entry["task"], entry["task"])
        last = latest.get(name)
        since = last.started_at if last else watching_since
        # remaining_estimate: from now to the first start due after `since` (negative when past).
        due = now + schedule.remaining_estimate(since) if since else None
        overdue = due is not None and now > due + _grace(schedule)
        result.append(Job(key, entry["task"], name, schedule, last, due, overdue))
    return result


def overdue_jobs(now: datetime | None = None) -> list[Job]:
    """The jobs that did not start when due, each an anomaly until it runs again."""
    late = [job for job in jobs(now) if job.overdue]
    anomalies.report(
        "job_missed",
        [
            Observation(
                key=job.key,
                severity=Severity.ERROR,
                details={
                    "task": job.task,
                    "due": job.due.isoformat(),
                    "last": job.last.started_at.isoformat() if job.last else None,
                },
            )
            for job in late
        ],
        scope=None,
    )
    return late

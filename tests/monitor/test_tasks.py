"""The periodic jobs through a real Celery worker on the test Redis and database: each runs and
leaves its record, running one again changes nothing, and a run while another holds the job's lock
does no work."""

import time

import pytest
from django.core.cache import cache

from monitor import tasks
from monitor.models import Anomaly, CheckRun
from reconcile import tasks as reconcile_tasks

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def wait_for(name: str, count: int, seconds: float = 60) -> list[CheckRun]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        runs = list(CheckRun.objects.filter(name=name).exclude(outcome="running").order_by("started_at"))
        if len(runs) >= count:
            return runs
        time.sleep(0.2)
    raise AssertionError(f"{name}: {count} finished runs expected")


def test_each_periodic_job_runs_in_the_worker_and_twice_is_harmless(company_a, celery_worker_process):
    for task, name in [
        (tasks.check_integrity_task, "integrity"),
        (tasks.scan_books_task, "scan_books"),
        (tasks.send_digests_task, "digests"),
        (reconcile_tasks.sweep_stuck_task, "reconcile_sweep"),
        (tasks.backup_snapshot_task, "backup"),
    ]:
        task.delay()
        task.delay()
        first, second = wait_for(name, 2)
        assert (first.outcome, second.outcome) == ("ok", "ok"), (name, first.error, second.error)
    assert not Anomaly.objects.exclude(kind="stale_bureau_data").exclude(state="resolved").exists()


def test_a_run_while_another_holds_the_lock_does_no_work(company_a, celery_worker_process):
    """The worker takes one task at a time in order: once the sweep sent after it has run, the
    integrity check sent while the lock was held has been taken, and skipped."""
    cache.add("monitor-lock:integrity", "another worker", 60)
    try:
        tasks.check_integrity_task.delay()
        reconcile_tasks.sweep_stuck_task.delay()
        wait_for("reconcile_sweep", 1)
        assert not CheckRun.objects.filter(name="integrity").exists()
    finally:
        cache.delete("monitor-lock:integrity")
    tasks.check_integrity_task.delay()
    assert wait_for("integrity", 1)[0].outcome == "ok"

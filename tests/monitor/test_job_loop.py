"""The embedded mode's loop of periodic jobs survives a failing job, is started again when its
process dies (scripts/run-jobs), and a loop that died or went silent is an alert admins see."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from config.celery import BEAT_SCHEDULE, app
from monitor import job_loop, schedules
from monitor.management.commands import run_due_jobs
from monitor.models import Anomaly, CheckRun

BASE_DIR = Path(__file__).resolve().parents[2]
TASKS = [entry["task"] for entry in BEAT_SCHEDULE.values()]


class RoundsOver(BaseException):
    """Ends the loop in a test after the rounds it wanted."""


def wait_until(predicate, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.2)
    return None


@pytest.fixture
def two_rounds(monkeypatch):
    """The loop runs two rounds, without sleeping between them."""
    rounds = []

    def sleep(seconds):
        rounds.append(seconds)
        if len(rounds) == 2:
            raise RoundsOver

    monkeypatch.setattr(run_due_jobs, "time", SimpleNamespace(sleep=sleep))
    return rounds


@pytest.fixture
def fake_tasks(monkeypatch):
    """Every periodic task replaced by one that notes its call; the scan of the books raises."""
    app.loader.import_default_modules()  # the real tasks registered first, so that they come back after
    calls = []
    for task in TASKS:

        def run(task=task):
            calls.append(task)
            if task == "monitor.scan_books":
                raise RuntimeError("the scan of the books broke")

        monkeypatch.setitem(app.tasks, task, run)
    return calls


@pytest.mark.django_db
def test_a_job_that_raises_is_recorded_and_the_loop_goes_on(two_rounds, fake_tasks):
    errors = StringIO()
    with pytest.raises(RoundsOver):
        call_command("run_due_jobs", loop=60, stdout=StringIO(), stderr=errors)

    failed = CheckRun.objects.get(name="scan_books")
    assert (failed.outcome, failed.error) == ("failed", "RuntimeError: the scan of the books broke")
    assert "monitor.scan_books failed: the scan of the books broke" in errors.getvalue()
    assert fake_tasks.count("monitor.scan_books") == 1  # recorded as run: due again in an hour
    others = [task for task in TASKS if task != "monitor.scan_books"]
    assert all(fake_tasks.count(task) == 2 for task in others)  # both rounds ran the rest


@pytest.mark.django_db
def test_a_round_that_cannot_list_the_jobs_is_skipped_not_the_end_of_the_loop(
    two_rounds, fake_tasks, monkeypatch
):
    listed = []

    def jobs_once_unavailable():
        listed.append(1)
        if len(listed) == 1:
            raise OperationalError("the database is restarting")
        return schedules.jobs()

    monkeypatch.setattr(run_due_jobs, "jobs", jobs_once_unavailable)
    errors = StringIO()
    with pytest.raises(RoundsOver):
        call_command("run_due_jobs", loop=60, stdout=StringIO(), stderr=errors)
    assert "the database is restarting" in errors.getvalue()
    assert len(listed) == 2 and fake_tasks.count("monitor.backup_snapshot") == 1


@pytest.mark.django_db
def test_a_silent_loop_is_an_alert_on_the_jobs_page_until_it_beats_again(alice):
    alice.is_staff = True
    alice.save()
    client = Client()
    client.force_login(alice)
    assert job_loop.check_stopped() is False  # no loop ever ran here (Celery beat): nothing to say
    job_loop.beat(timezone.now() - timedelta(minutes=10))  # as a loop that died ten minutes ago left it

    page = client.get("/monitor/jobs/").content.decode()

    assert "定时任务已停止运行" in page
    stopped = Anomaly.objects.get(kind="job_loop_stopped")
    assert (stopped.company, stopped.state, stopped.severity) == (None, "open", "critical")
    job_loop.beat()
    assert "定时任务已停止运行" not in client.get("/monitor/jobs/").content.decode()
    assert Anomaly.objects.get(kind="job_loop_stopped").state == "resolved"


def loop_pid(supervisor: subprocess.Popen) -> int | None:
    children = Path(f"/proc/{supervisor.pid}/task/{supervisor.pid}/children").read_text().split()
    for pid in children:
        try:
            if b"run_due_jobs" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return int(pid)
        except OSError:
            continue
    return None


def beating_pid() -> int | None:
    try:
        return json.loads(job_loop.heartbeat_path().read_text())["pid"]
    except (OSError, ValueError):
        return None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_killed_loop_is_started_again_and_its_death_is_an_alert(tmp_path, alice):
    database = settings.DATABASES["default"]
    # As `make run` runs it: no Redis (tasks in-process, locks in the process's memory).
    env = {
        **{name: value for name, value in os.environ.items() if name != "REDIS_URL"},
        "PY": sys.executable,
        "DATA_DIR": str(settings.DATA_DIR),
        "OCR_ENGINE": "off",
        "JOBS_EVERY": "1",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    log = tmp_path / "jobs.log"
    supervisor = subprocess.Popen(
        ["scripts/run-jobs"], cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    try:
        first = wait_until(lambda: loop_pid(supervisor) if beating_pid() else None, 60)
        assert first and beating_pid() == first, log.read_text()
        assert not Anomaly.objects.filter(kind="job_loop_died").exists()

        os.kill(first, signal.SIGKILL)

        second = wait_until(lambda: (pid := loop_pid(supervisor)) and pid != first and pid, 60)
        assert second, log.read_text()
        assert wait_until(lambda: beating_pid() == second, 60), log.read_text()
        died = wait_until(lambda: Anomaly.objects.filter(kind="job_loop_died").first(), 30)
        assert died is not None, log.read_text()
        assert (died.company, died.state, died.severity) == (None, "open", "critical")
        assert (died.details["status"], died.details["count"]) == (128 + signal.SIGKILL, 1)
        assert supervisor.poll() is None
        assert wait_until(lambda: CheckRun.objects.filter(name="integrity").exists(), 120), log.read_text()
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout=60)
    assert loop_pid_gone(second)

    alice.is_staff = True
    alice.save()
    client = Client()
    client.force_login(alice)
    page = client.get("/monitor/jobs/").content.decode()
    assert "定时任务意外停止，已重新启动" in page and "137" in page


def loop_pid_gone(pid: int) -> bool:
    return wait_until(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), 30) is not None


def _zombie(pid: int) -> bool:
    try:
        return " Z " in Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True

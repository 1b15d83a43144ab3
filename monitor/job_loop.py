"""The embedded mode's periodic-job loop (`run_due_jobs --loop`, kept running by scripts/run-jobs)
and how its death is noticed. While the loop's process lives it beats a heartbeat file under
DATA_DIR; the web side raises "job_loop_stopped" once the beat is older than STALE_AFTER (and
resolves it when the beat is back), and the supervising script records every unexpected end of
the loop as "job_loop_died" before starting it again. Under Celery beat there is no heartbeat file
and none of this applies: a run that did not happen there is "job_missed" (monitor/schedules.py)."""

import json
import logging
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from monitor import anomalies
from monitor.anomalies import Observation
from monitor.models import Anomaly, Severity

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 20  # seconds
STALE_AFTER = timedelta(minutes=3)
STOPPED, DIED = "job_loop_stopped", "job_loop_died"
KEY = "run_due_jobs"


def heartbeat_path() -> Path:
    return settings.DATA_DIR / "job-loop.heartbeat"


def beat(now: datetime | None = None) -> None:
    """Say the loop is alive now (written whole, then renamed: never read half-written)."""
    path = heartbeat_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps({"pid": os.getpid(), "at": (now or timezone.now()).isoformat()}))
    temporary.replace(path)


def keep_beating() -> threading.Event:
    """Beat every HEARTBEAT_EVERY seconds from a thread of this process, for as long as it lives
    (a long job, such as the backup, does not hold the beat up); set the event to stop."""
    stop = threading.Event()

    def run():
        while not stop.is_set():
            try:
                beat()
            except OSError as error:
                log.warning("the periodic jobs' heartbeat could not be written: %s", error)
            stop.wait(HEARTBEAT_EVERY)

    threading.Thread(target=run, name="job-loop-heartbeat", daemon=True).start()
    return stop


def last_beat() -> datetime | None:
    """When the loop last said it was alive; None when no loop ever ran here (Celery beat)."""
    try:
        return datetime.fromisoformat(json.loads(heartbeat_path().read_text())["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_stopped(now: datetime | None = None) -> bool:
    """Raise "job_loop_stopped" while the loop's beat is stale, resolve it once the beat is back.
    Cheap when all is well (a file read and one query), for the pages to call. True when stopped."""
    now = now or timezone.now()
    last = last_beat()
    stopped = last is not None and now - last > STALE_AFTER
    live = Anomaly.objects.filter(kind=STOPPED, company=None).exclude(state=Anomaly.State.RESOLVED)
    if stopped or live.exists():
        seen = [Observation(key=KEY, severity=Severity.CRITICAL, details={"last": _local(last)})]
        anomalies.report(STOPPED, seen if stopped else [], scope=None)
    return stopped


def record_death(status: int) -> None:
    """The loop's process ended unexpectedly with `status` (128 + the signal when killed) and is
    being started again: an alert that stays open until an admin deals with it, counting deaths."""
    live = (
        Anomaly.objects.filter(kind=DIED, company=None, key=KEY).exclude(state=Anomaly.State.RESOLVED).first()
    )
    count = int(live.details.get("count", 0)) + 1 if live else 1
    details = {"status": status, "at": _local(timezone.now()), "count": count}
    anomalies.report(DIED, [Observation(key=KEY, severity=Severity.CRITICAL, details=details)], scope=None)
    log.error("the periodic jobs' loop ended with status %s and is started again (%s times)", status, count)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def live_alerts():
    """The loop's open alerts, for the jobs page."""
    return Anomaly.objects.filter(kind__in=[STOPPED, DIED], company=None).exclude(
        state=Anomaly.State.RESOLVED
    )

"""The Celery app. Its settings are the CELERY_* names in config/settings.py.

With REDIS_URL unset the app runs every task in-process (the embedded mode); otherwise tasks go
to Redis for a worker. Periodic tasks live in BEAT_SCHEDULE, each with an `expires` shorter than
its period, so a worker that was offline does not wake up to a pile of stale runs;
django-celery-beat keeps them in the database, where admins can pause or reschedule them.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("fapiao_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

BEAT_SCHEDULE: dict[str, dict] = {
    "ingest-sweep-stuck-jobs": {
        "task": "ingest.sweep_stuck_jobs",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    "monitor-check-integrity": {
        "task": "monitor.check_integrity",
        "schedule": crontab(hour=2, minute=0),
        "options": {"expires": 6 * 3600},
    },
    "monitor-backup-snapshot": {
        "task": "monitor.backup_snapshot",
        "schedule": crontab(hour=3, minute=0),
        "options": {"expires": 6 * 3600},
    },
    "monitor-scan-books": {
        "task": "monitor.scan_books",
        "schedule": crontab(minute=10),
        "options": {"expires": 3000},
    },
    "monitor-send-digests": {
        "task": "monitor.send_digests",
        "schedule": crontab(minute=20),
        "options": {"expires": 3000},
    },
    "reconcile-sweep-stuck": {
        "task": "reconcile.sweep_stuck",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
}


def stored_schedule(schedule: dict[str, dict]) -> dict[str, dict]:
    """The schedule as django-celery-beat's DatabaseScheduler stores it: it keeps a task's expiry
    as `expire_seconds` and silently drops Celery's `expires`."""
    stored = {}
    for name, entry in schedule.items():
        options = dict(entry["options"])
        options["expire_seconds"] = options.pop("expires")
        stored[name] = {**entry, "options": options}
    return stored


app.conf.beat_schedule = stored_schedule(BEAT_SCHEDULE)

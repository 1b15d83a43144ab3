import logging

from celery import shared_task

from monitor.alerts import send_digests
from monitor.backing_up import backup_and_verify
from monitor.checkruns import recorded
from monitor.integrity_check import run_integrity
from monitor.locks import single_run
from monitor.schedules import overdue_jobs
from monitor.watch import scan_all

log = logging.getLogger(__name__)


@shared_task(name="monitor.check_integrity")
def check_integrity_task() -> None:
    """Re-hash the stored files, verify the audit chains, look for duplicate identities."""
    with single_run("integrity") as held:
        if not held:
            log.info("integrity check already under way; this one skipped")
            return
        result = run_integrity()
        log.info("integrity check %s: %s", result.run.outcome, result.run.counts)


@shared_task(name="monitor.scan_books")
def scan_books_task() -> None:
    """Sync delays, filing deadlines and stale bureau data, for every company."""
    with single_run("scan_books") as held:
        if not held:
            log.info("a scan of the books is already under way; this one skipped")
            return
        with recorded("scan_books") as run:
            run.counts = scan_all()
            overdue_jobs()
        log.info("scan of the books: %s", run.counts)


@shared_task(name="monitor.backup_snapshot")
def backup_snapshot_task() -> None:
    """Snapshot the database and the originals, verify it by restoring it, prune old snapshots."""
    with single_run("backup", timeout=4 * 3600) as held:
        if not held:
            log.info("a backup is already under way; this one skipped")
            return
        backup_and_verify()


@shared_task(name="monitor.send_digests")
def send_digests_task() -> None:
    """E-mail each person the alerts that appeared since their last digest, in one mail."""
    with single_run("digests") as held:
        if not held:
            return
        with recorded("digests") as run:
            run.counts = {"sent": send_digests()}

import logging

from celery import shared_task

from monitor.integrity_check import run_integrity
from monitor.locks import single_run

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

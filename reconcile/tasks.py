from celery import shared_task

from monitor.checkruns import recorded
from reconcile import running, services


@shared_task(name="reconcile.read_import", acks_late=True, soft_time_limit=540, time_limit=600)
def read_import_task(import_id: int) -> None:
    """Read a bureau export into its invoices, then queue its reconciliation."""
    services.read_import(import_id)


@shared_task(name="reconcile.run", acks_late=True, soft_time_limit=540, time_limit=600)
def run_task(run_id: int) -> None:
    """Match the ledger with a bureau import and write what it found."""
    running.execute_run(run_id)


@shared_task(name="reconcile.sweep_stuck")
def sweep_stuck_task() -> None:
    """Imports and runs a dead worker left behind: queued once more, then failed."""
    with recorded("reconcile_sweep") as run:
        run.counts = services.sweep_stuck()

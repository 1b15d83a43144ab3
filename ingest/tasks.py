from celery import shared_task

from ingest import pipeline
from monitor.checkruns import recorded


@shared_task(name="ingest.process_job", acks_late=True, soft_time_limit=240, time_limit=300)
def process_job_task(job_id: int) -> None:
    """Read one capture job's file. Safe to run twice: a job is claimed before it is worked on."""
    pipeline.process_job(job_id)


@shared_task(name="ingest.sweep_stuck_jobs")
def sweep_stuck_jobs_task() -> None:
    """Capture jobs a dead worker left behind: queued once more, then failed."""
    with recorded("ingest_sweep") as run:
        requeued, failed = pipeline.sweep_stuck_jobs()
        run.counts = {"requeued": requeued, "failed": failed}

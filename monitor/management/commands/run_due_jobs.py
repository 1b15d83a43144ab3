import logging
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from config.celery import app
from monitor import job_loop
from monitor.models import CheckRun
from monitor.schedules import Job, jobs

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run, here and now, the periodic jobs that are due (those never run included). With --loop, "
        "keep doing so: what the embedded mode (`make run`, through scripts/run-jobs) uses in place "
        "of Celery beat. A job that fails is logged and recorded and the loop goes on."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, metavar="SECONDS", help="check again every SECONDS")

    def handle(self, *args, loop: int | None, **options):
        app.loader.import_default_modules()  # the apps' tasks modules, as a worker would load them
        if loop is not None:
            job_loop.keep_beating()
        while True:
            self._run_due()
            if loop is None:
                return
            time.sleep(loop)

    def _run_due(self) -> None:
        try:
            now = timezone.now()
            due = [job for job in jobs() if job.last is None or job.overdue or (job.due and job.due <= now)]
        except Exception as error:  # the database away, say: the next round tries again
            log.exception("the periodic jobs could not be listed")
            self.stderr.write(f"the periodic jobs could not be listed: {error}")
            return
        for job in due:
            self.stdout.write(f"running {job.task}")
            started = timezone.now()
            try:
                app.tasks[job.task]()
            except Exception as error:
                log.exception("periodic job %s failed", job.task)
                self.stderr.write(f"{job.task} failed: {error}")
                _record_failure(job, started, error)


def _record_failure(job: Job, started, error: Exception) -> None:
    """A failed CheckRun for a job that raised before leaving one of its own (the jobs page and the
    missed-run check read them)."""
    try:
        if not CheckRun.objects.filter(name=job.run_name, started_at__gte=started).exists():
            CheckRun.objects.create(
                name=job.run_name,
                started_at=started,
                finished_at=timezone.now(),
                outcome=CheckRun.Outcome.FAILED,
                error=f"{type(error).__name__}: {error}"[:500],
            )
    except Exception:
        log.exception("the failure of %s could not be recorded", job.task)

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from config.celery import app
from monitor.schedules import jobs


class Command(BaseCommand):
    help = (
        "Run, here and now, the periodic jobs that are due (those never run included). With --loop, "
        "keep doing so: what the embedded mode (`make run`) uses in place of Celery beat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, metavar="SECONDS", help="check again every SECONDS")

    def handle(self, *args, loop: int | None, **options):
        app.loader.import_default_modules()  # the apps' tasks modules, as a worker would load them
        while True:
            for job in jobs():
                if job.last is None or job.overdue or (job.due is not None and job.due <= timezone.now()):
                    self.stdout.write(f"running {job.task}")
                    try:
                        app.tasks[job.task]()
                    except Exception as error:  # the job's CheckRun and anomaly say what failed
                        self.stderr.write(f"{job.task} failed: {error}")
            if loop is None:
                return
            time.sleep(loop)

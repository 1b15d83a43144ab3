from django.core.management.base import BaseCommand

from monitor import job_loop


class Command(BaseCommand):
    help = (
        "Record that the periodic jobs' loop ended unexpectedly (scripts/run-jobs calls this before "
        "starting it again): an alert admins see on the jobs page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--status", type=int, required=True, help="the loop's exit status")

    def handle(self, *args, status: int, **options):
        job_loop.record_death(status)

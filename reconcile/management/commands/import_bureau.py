from datetime import datetime, time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.i18n import error_in_both_languages
from invoices.management.commands._company import company_from_option
from reconcile import running, services
from reconcile.management.commands._waiting import finished
from reconcile.models import BureauImport, ReconRun


class Command(BaseCommand):
    help = "Import the bureau's export of a company's invoices (XLSX, XLS, CSV) and reconcile it."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--company", required=True, help="the company's taxpayer ID")
        parser.add_argument("--direction", choices=["purchase", "sales"], default="")
        parser.add_argument(
            "--as-of",
            type=lambda text: datetime.strptime(text, "%Y-%m-%d").date(),
            help="when the export was taken (YYYY-MM-DD; default now)",
        )

    def handle(self, *args, file: Path, company: str, direction: str, as_of, **options):
        target = company_from_option(company)
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        moment = timezone.make_aware(datetime.combine(as_of, time(23, 59))) if as_of else None
        try:
            bureau_import, created = services.bureau_import_create(
                company=target, by=None, name=file.name, data=data, direction=direction, as_of=moment
            )
        except ValidationError as error:
            raise CommandError(error_in_both_languages(error)) from None
        if not created:
            self.stdout.write(f"{file.name}: imported before as import {bureau_import.pk}")
            return
        services.read_import(bureau_import.pk)
        bureau_import = finished(bureau_import, (BureauImport.State.QUEUED, BureauImport.State.READING))
        if bureau_import.state != BureauImport.State.DONE:
            raise CommandError(services.import_failure_message(bureau_import))
        runs = []
        for run in bureau_import.runs.all():
            running.execute_run(run.pk)
            runs.append(finished(run, (ReconRun.State.QUEUED, ReconRun.State.RUNNING)))
        done = bureau_import
        self.stdout.write(
            f"{file.name}: import {done.pk}, {done.direction}, {done.row_count} invoices "
            f"from {done.period_start} to {done.period_end}, {len(done.problems)} rows not read"
        )
        for run in runs:
            counts = ", ".join(f"{count} {category}" for category, count in sorted(run.counts.items()))
            self.stdout.write(f"reconciliation {run.pk}: {run.state}; {counts}")

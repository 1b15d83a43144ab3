from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.i18n import error_in_both_languages
from invoices.importing import import_ledger
from invoices.management.commands._company import company_from_option


class Command(BaseCommand):
    help = "Import invoices from a ledger or bureau export (XLSX, XLS, CSV); prints a line per refused row."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--company", required=True, help="the company's taxpayer ID")
        parser.add_argument(
            "--direction",
            choices=["auto", "purchase", "sales"],
            default="auto",
            help="for rows without a 方向 column (auto: sales when the seller is the company)",
        )

    def handle(self, *args, file: Path, company: str, direction: str, **options):
        target = company_from_option(company)
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        try:
            report = import_ledger(
                company=target, by=None, data=data, direction=direction, file_name=file.name
            )
        except ValidationError as error:
            raise CommandError(error_in_both_languages(error)) from None
        for outcome in report.rows:
            if not outcome.added:
                self.stdout.write(
                    f"row {outcome.row} {outcome.identity or '-'}: {' '.join(outcome.messages)}"
                )
        with_errors = sum(outcome.added and outcome.errors > 0 for outcome in report.rows)
        self.stdout.write(
            f"{file.name}: {len(report.rows)} rows, {report.added} imported ({with_errors} with errors), "
            f"{report.skipped} refused"
        )

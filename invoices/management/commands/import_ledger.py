from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.i18n import error_in_both_languages
from invoices.fapiao import Kind
from invoices.importing import import_ledger
from invoices.management.commands._company import company_from_option


class Command(BaseCommand):
    help = (
        "Import invoices from a ledger or bureau export (XLSX, XLS, CSV); prints a line per refused row, "
        "then the refusals by reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--company", required=True, help="the company's taxpayer ID")
        parser.add_argument(
            "--direction",
            choices=["auto", "purchase", "sales"],
            default="auto",
            help="for rows without a 方向 column (auto: sales when the seller is the company)",
        )
        parser.add_argument(
            "--kind",
            choices=[kind.value for kind in Kind if kind is not Kind.DIGITAL_UNKNOWN],
            default="",
            help="the kind of rows whose 票种 and 发票代码 do not tell (default: a 数电 invoice whose "
            "special/ordinary is filled in later from the bureau's export or the original)",
        )

    def handle(self, *args, file: Path, company: str, direction: str, kind: str, **options):
        target = company_from_option(company)
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        try:
            report = import_ledger(
                company=target,
                by=None,
                data=data,
                direction=direction,
                file_name=file.name,
                default_kind=kind,
            )
        except ValidationError as error:
            raise CommandError(error_in_both_languages(error)) from None
        for outcome in report.refused_rows:
            self.stdout.write(f"row {outcome.row} {outcome.identity or '-'}: {' '.join(outcome.messages)}")
        for group in report.groups:
            self.stdout.write(f"{group.count} refused: {group.label}")
        with_errors = sum(outcome.added and outcome.errors > 0 for outcome in report.rows)
        summary = f", {len(report.summary_rows)} summary rows skipped" if report.summary_rows else ""
        self.stdout.write(
            f"{file.name}: {len(report.rows)} rows, {report.added} imported ({with_errors} with errors), "
            f"{report.skipped} refused{summary}"
        )

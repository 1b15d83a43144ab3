from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from invoices.exporting import FORMATS, export_ledger
from invoices.management.commands._company import company_from_option
from invoices.selectors import invoice_queryset


class Command(BaseCommand):
    help = "Export a company's whole ledger to XLSX or CSV (by the file's extension)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--company", required=True, help="the company's taxpayer ID")

    def handle(self, *args, file: Path, company: str, **options):
        file_format = file.suffix.lower().lstrip(".")
        if file_format not in FORMATS:
            raise CommandError(f"{file}: name it .xlsx or .csv / 文件扩展名应为 .xlsx 或 .csv")
        target = company_from_option(company)
        queryset = invoice_queryset(company=target)
        data = export_ledger(queryset, file_format)
        try:
            file.write_bytes(data)
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        self.stdout.write(f"{file}: {queryset.count()} invoices, {len(data)} bytes")

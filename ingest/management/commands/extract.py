import json
from pathlib import Path

from django.core.management.base import BaseCommand

from ingest.extraction_report import extraction_report


class Command(BaseCommand):
    help = "Extract invoice fields from files without storing anything; one JSON object per file and line."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--json", action="store_true", help="JSON lines (the only output format)")

    def handle(self, *args, files: list[Path], **options):
        for path in files:
            for report in extraction_report(path):
                self.stdout.write(json.dumps(report, ensure_ascii=False))

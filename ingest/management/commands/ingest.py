from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.i18n import error_in_both_languages
from ingest import pipeline, selectors, services
from ingest.messages import reason_text, refusal_text
from ingest.models import JobState
from invoices.management.commands._company import company_from_option


def files_under(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                child for child in path.rglob("*") if child.is_file() and not child.name.startswith(".")
            )
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"{path}: no such file or folder / 文件或文件夹不存在")
    return found


class Command(BaseCommand):
    help = "Capture invoices from files and folders (PDF, OFD, XML, images, ZIP) into a company's ledger."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--company", required=True, help="the company's taxpayer ID")

    def handle(self, *args, paths: list[Path], company: str, **options):
        target = company_from_option(company)
        uploads = [services.Upload(path.name, path.read_bytes()) for path in files_under(paths)]
        if not uploads:
            raise CommandError("no files found / 没有找到文件")
        try:
            batch = services.receive_files(company=target, by=None, channel="command", uploads=uploads)
        except ValidationError as error:
            raise CommandError(error_in_both_languages(error)) from None
        # Work through the jobs here, so the command needs no worker; a worker that takes one first
        # is fine, as a job is claimed before it is worked on.
        while queued := list(
            selectors.batch_jobs(batch=batch).filter(state=JobState.QUEUED).values_list("pk", flat=True)
        ):
            for job_id in queued:
                pipeline.process_job(job_id)
        counts: dict[str, int] = {}
        for job in selectors.batch_jobs(batch=batch):
            counts[job.state] = counts.get(job.state, 0) + 1
            result = job.invoice.identity if job.invoice else ""
            reason = reason_text(job.reason_code, job.reason_params)
            self.stdout.write(f"{job.display_name}\t{job.state}\t{result}\t{reason}")
        for refusal in batch.refused:
            counts["refused"] = counts.get("refused", 0) + 1
            self.stdout.write(f"{refusal['params']['name']}\trefused\t\t{refusal_text(refusal)}")
        summary = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
        self.stdout.write(f"batch {batch.pk}: {len(uploads)} files: {summary}")

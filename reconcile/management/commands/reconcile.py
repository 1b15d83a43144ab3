import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.i18n import error_in_both_languages
from invoices.management.commands._company import company_from_option
from reconcile import running, selectors, services
from reconcile.management.commands._waiting import finished
from reconcile.models import BureauImport, ReconRun


def side(invoice) -> dict | None:
    if invoice is None:
        return None
    number = invoice.digital_number or invoice.number  # the 20-digit number of a 数电 invoice
    return {"code": invoice.code, "number": number, "total": format(invoice.total, "f")}


class Command(BaseCommand):
    help = "Reconcile a company's ledger with its latest bureau import (per direction)."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="the company's taxpayer ID")
        parser.add_argument("--direction", choices=["purchase", "sales"])
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="one JSON object per result and line"
        )

    def handle(self, *args, company: str, direction: str | None, as_json: bool, **options):
        target = company_from_option(company)
        imports = selectors.import_queryset(company=target).filter(state=BureauImport.State.DONE)
        if direction:
            imports = imports.filter(direction=direction)
        latest = {}
        for bureau_import in imports:
            latest.setdefault(bureau_import.direction, bureau_import)
        if not latest:
            raise CommandError("no bureau export imported yet / 尚未导入税局数据")
        for bureau_import in latest.values():
            try:
                run = services.run_start(company=target, by=None, bureau_import=bureau_import)
            except ValidationError as error:
                raise CommandError(error_in_both_languages(error)) from None
            running.execute_run(run.pk)  # here, unless a worker took it first: then wait for it
            run = finished(run, (ReconRun.State.QUEUED, ReconRun.State.RUNNING))
            if run.state != ReconRun.State.DONE:
                raise CommandError(f"reconciliation {run.pk} failed: {run.error}")
            self._report(run, as_json=as_json)

    def _report(self, run: ReconRun, *, as_json: bool) -> None:
        results = run.discrepancies.select_related("invoice", "bureau_invoice").order_by(
            "category", "identity"
        )
        if as_json:
            for item in results.iterator(2000):
                self.stdout.write(
                    json.dumps(
                        {
                            "category": item.category,
                            "flags": item.flags,
                            "ledger": side(item.invoice),
                            "bureau": side(item.bureau_invoice),
                            "suggestion": item.suggestion or None,
                        },
                        ensure_ascii=False,
                    )
                )
            return
        counts = ", ".join(f"{count} {category}" for category, count in sorted(run.counts.items()))
        self.stdout.write(f"run {run.pk} ({run.bureau_import.direction}): {counts}")

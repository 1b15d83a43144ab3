"""Writes of the reconciliation: bureau imports, runs, and the decisions taken on discrepancies."""

import logging
import time
from datetime import datetime, timedelta
from operator import attrgetter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, User
from accounts.services import field_error
from config import database, dispatch
from ingest.services import store_file
from ingest.storage import read_blob
from reconcile import selectors
from reconcile.bulk import insert_rows
from reconcile.export_title import ExportTitle
from reconcile.importers import BureauFileError, read_bureau_file
from reconcile.messages import as_of_problem, import_error
from reconcile.models import BureauImport, BureauInvoice, ReconRun
from sandbox import UnsafeFile, run_isolated

log = logging.getLogger(__name__)

# A year of a busy company's invoices: 1,000,000 rows of the 发票基础信息 sheet are about 200 MB of CSV.
MAX_EXPORT_BYTES = 400 * 1024 * 1024


def _enqueue(task, item: BureauImport | ReconRun) -> None:
    dispatch.send_after_commit(task, type(item).objects.all(), [item.pk])


@transaction.atomic
def bureau_import_create(
    *,
    company: Company,
    by: User | None,
    name: str,
    data: bytes,
    direction: str = "",
    as_of: datetime | None = None,
) -> tuple[BureauImport, bool]:
    """Keep the export and queue its reading; the same file again is the import already made."""
    from reconcile.tasks import read_import_task

    stored, _created = store_file(company=company, by=by, name=name, data=data, max_bytes=MAX_EXPORT_BYTES)
    existing = selectors.import_queryset(company=company).filter(stored_file=stored).first()
    if existing is not None:
        return existing, False
    bureau_import = BureauImport.objects.create(
        company=company,
        stored_file=stored,
        requested_direction=direction,
        as_of=as_of or timezone.now(),
        as_of_source=BureauImport.AsOfSource.TYPED if as_of else BureauImport.AsOfSource.UPLOADED,
        created_by=by,
    )
    _enqueue(read_import_task, bureau_import)
    return bureau_import, True


def read_import(import_id: int) -> None:
    """Read a queued export into bureau invoices, then reconcile it. Run by a worker."""
    claimed = BureauImport.objects.filter(pk=import_id, state=BureauImport.State.QUEUED).update(
        state=BureauImport.State.READING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return
    bureau_import = BureauImport.objects.select_related("company", "stored_file").get(pk=import_id)
    company = bureau_import.company
    started = time.perf_counter()
    try:
        parsed = run_isolated(
            read_bureau_file,
            read_blob(bureau_import.stored_file.sha256),
            company_tin=company.tin,
            direction=bureau_import.requested_direction or None,
            limits=settings.PARSER_LIMITS["spreadsheet"],
        )
    except BureauFileError as error:
        _import_failed(bureau_import, error.code, error.params)
        return
    except UnsafeFile as error:
        log.warning("bureau import %s refused: its reader %s", bureau_import.pk, error)
        _import_failed(bureau_import, "unsafe_file", {})
        return
    except Exception:
        log.exception("bureau import %s could not be read", bureau_import.pk)
        _import_failed(bureau_import, "unreadable", {})
        return
    read = time.perf_counter()
    try:
        _write_import(bureau_import, parsed)
    except DatabaseError:
        log.exception("bureau import %s lost the database while being written", bureau_import.pk)
        database.when_it_answers(lambda: import_interrupted(bureau_import.pk))
        return
    timings = {"read": read - started, "written": time.perf_counter() - read}
    log.info(
        "bureau import %s: %d invoices, read in %.2f s, written in %.2f s",
        bureau_import.pk,
        bureau_import.row_count,
        timings["read"],
        timings["written"],
        extra={"timings": timings},
    )
    try:
        run_start(company=company, by=bureau_import.created_by, bureau_import=bureau_import)
    except ValidationError:
        log.info("bureau import %s read while a run was under way; not reconciled yet", bureau_import.pk)


def _write_import(bureau_import: BureauImport, parsed) -> None:
    """The export's invoices and the import marked read, in one transaction."""
    company = bureau_import.company
    with transaction.atomic():
        values = attrgetter(*selectors.RECORD_FIELDS)
        insert_rows(
            BureauInvoice,
            ("company_id", "bureau_import_id", "row", *selectors.RECORD_FIELDS),
            ((company.pk, bureau_import.pk, int(record.key), *values(record)) for record in parsed.records),
        )
        bureau_import.state = BureauImport.State.DONE
        bureau_import.direction, bureau_import.layout = parsed.direction, parsed.layout
        bureau_import.period_start, bureau_import.period_end = parsed.period or (None, None)
        _take_title(bureau_import, parsed.title)
        bureau_import.row_count = len(parsed.records)
        bureau_import.problems = [
            {"row": problem.row, "column": problem.column, "code": problem.code, "params": problem.params}
            for problem in parsed.problems[:500]
        ]
        bureau_import.save()
    database.fresh_statistics(BureauInvoice, bureau_import.row_count)


def _take_title(bureau_import: BureauImport, title: ExportTitle) -> None:
    """Keep what the export's title says; its export time is the as-of unless one was given on
    upload. A moment outside the fapiao era or later than today is not taken."""
    bureau_import.query_start, bureau_import.query_end = title.period or (None, None)
    exported_at = title.exported_at and timezone.make_aware(title.exported_at)
    if exported_at and as_of_problem(timezone.localdate(exported_at)) is None:
        bureau_import.exported_at = exported_at
        if bureau_import.as_of_source != BureauImport.AsOfSource.TYPED:
            bureau_import.as_of, bureau_import.as_of_source = exported_at, BureauImport.AsOfSource.EXPORTED


def _import_failed(bureau_import: BureauImport, code: str, params: dict) -> None:
    bureau_import.state, bureau_import.error_code = BureauImport.State.FAILED, code
    bureau_import.error_params = dict(params)
    bureau_import.save(update_fields=["state", "error_code", "error_params"])


def import_failure_message(bureau_import: BureauImport) -> str:
    return import_error(bureau_import.error_code, bureau_import.error_params)


@transaction.atomic
def run_start(*, company: Company, by: User | None, bureau_import: BureauImport) -> ReconRun:
    """Queue a reconciliation of the ledger with this import; one at a time per company."""
    from reconcile.tasks import run_task

    if bureau_import.state != BureauImport.State.DONE:
        raise field_error("bureau_import", _("This export has not been read yet."), "not_read")
    try:
        with transaction.atomic():
            run = ReconRun.objects.create(company=company, bureau_import=bureau_import, created_by=by)
    except IntegrityError:
        raise field_error(
            "bureau_import",
            _("A reconciliation is already under way for this company; wait for it to finish."),
            "run_in_progress",
        ) from None
    _enqueue(run_task, run)
    return run


def run_progress(run: ReconRun, progress: int) -> None:
    ReconRun.objects.filter(pk=run.pk).update(progress=progress)


def run_claim(run_id: int) -> bool:
    return bool(
        ReconRun.objects.filter(pk=run_id, state=ReconRun.State.QUEUED).update(
            state=ReconRun.State.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
        )
    )


STUCK_AFTER = timedelta(minutes=15)  # the tasks' hard time limit is 10 minutes
MAX_ATTEMPTS = 2


IMPORT_INTERRUPTED = {"error_code": "interrupted"}
# An import whose reading was started twice and never finished: its reader died with it both times.
IMPORT_CRASHED = {"error_code": "crashed"}


def _take_back(item: BureauImport | ReconRun, busy: str, failure: dict) -> str | None:
    """Work a worker lost hold of (it died, or lost the database; its writes were rolled back):
    queued once more, or failed with the reason once it has had MAX_ATTEMPTS. Says which, or None
    when the work moved on meanwhile."""
    model = type(item)
    still = model.objects.filter(pk=item.pk, state=busy, started_at=item.started_at)
    if item.attempts >= MAX_ATTEMPTS:
        return "failed" if still.update(state=model.State.FAILED, **failure) else None
    return "requeued" if still.update(state=model.State.QUEUED, started_at=None) else None


def import_interrupted(import_id: int) -> None:
    """A read that lost the database: read once more, or failed with the reason the second time."""
    from reconcile.tasks import read_import_task

    bureau_import = BureauImport.objects.get(pk=import_id)
    with transaction.atomic():
        if _take_back(bureau_import, BureauImport.State.READING, IMPORT_INTERRUPTED) == "requeued":
            _enqueue(read_import_task, bureau_import)


def sweep_stuck(*, older_than: timedelta = STUCK_AFTER) -> dict[str, int]:
    """Imports and runs left half done by a worker that died: queued once more (their writes were
    rolled back with the worker's transaction), then failed with a reason, so that a company is
    never kept from reconciling by a run nobody is working on. Queued ones whose message was never
    sent or was lost (config/dispatch.py) are sent again."""
    from reconcile.tasks import read_import_task, run_task

    cutoff = timezone.now() - older_than
    outcome = {"requeued": 0, "failed": 0, "sent_again": 0}
    stuck = [
        (BureauImport, BureauImport.State.READING, read_import_task, IMPORT_CRASHED),
        (ReconRun, ReconRun.State.RUNNING, run_task, {"error": "interrupted", "finished_at": timezone.now()}),
    ]
    for model, busy, task, failure in stuck:
        lost = dispatch.lost_messages(sweep=model._meta.label_lower, cutoff=cutoff)
        waiting = list(model.objects.filter(lost, state=model.State.QUEUED).values_list("pk", flat=True))
        outcome["sent_again"] += len(waiting)
        for item in model.objects.filter(state=busy, started_at__lt=cutoff):
            taken = _take_back(item, busy, failure)
            if taken:
                outcome[taken] += 1
            if taken == "requeued":
                waiting.append(item.pk)
        with transaction.atomic():
            dispatch.send_after_commit(task, model.objects.all(), waiting)
    if any(outcome.values()):
        log.warning(
            "reconciliation sweep: %(requeued)d queued again, %(failed)d failed, %(sent_again)d sent again",
            outcome,
        )
    return outcome

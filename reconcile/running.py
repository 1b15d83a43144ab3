"""One reconciliation run: load both sides, match them (reconcile/matching.py), and write a
Discrepancy for every conclusion, carrying over the decisions already taken on the same records in
the previous run and saying what changed since then."""

import logging
import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from config import database
from invoices.models import Direction
from monitor import watch
from reconcile import selectors, sellers, services
from reconcile.bulk import insert_rows
from reconcile.ledger_kinds import confirm_ledger_kinds
from reconcile.matching import left_out, reconcile, scope
from reconcile.models import BureauImport, Discrepancy, ReconRun
from reconcile.records import InvoiceRecord, Result

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
# Purchase invoices whose input VAT cannot be deducted as things stand.
AT_RISK = {"missing_in_bureau", "status_changed", "tin_error", "mismatch", "number_typo", "suspected"}
DECIDED = (
    Discrepancy.State.ACCEPTED,
    Discrepancy.State.CORRECTED,
    Discrepancy.State.LINKED,
    Discrepancy.State.IGNORED,
)


def execute_run(run_id: int) -> None:
    if not services.run_claim(run_id):
        return
    run = ReconRun.objects.select_related("company", "bureau_import").get(pk=run_id)
    try:
        _execute(run)
    except Exception as error:
        log.exception("reconciliation %s failed", run.pk)
        _record_failure(run.pk, error)
    else:
        _tell_the_watch(run)


def _tell_the_watch(run: ReconRun) -> None:
    """The run's open differences go to the alerts at once (the hourly scan's checks, for this
    company); the run stays done if that fails, and the next scan reports them."""
    try:
        watch.report_reconciliation(run.company)
    except Exception:
        log.exception("reconciliation %s: its differences could not be reported to the watch", run.pk)


def _record_failure(run_id: int, error: Exception) -> None:
    """Mark the run failed, so that the company can start another at once; its writes were rolled
    back with its transaction. When the database itself went away, this waits for it to come back
    (if it does not, the sweep fails the run later)."""
    text = f"{type(error).__name__}: {error}"[:500]
    failed = ReconRun.objects.filter(pk=run_id, state=ReconRun.State.RUNNING)
    if not database.when_it_answers(
        lambda: failed.update(state=ReconRun.State.FAILED, error=text, finished_at=timezone.now())
    ):
        log.error("reconciliation %s: the database did not come back; the sweep will fail the run", run_id)


def _execute(run: ReconRun) -> None:
    company, bureau_import = run.company, run.bureau_import
    direction = bureau_import.direction
    started = time.perf_counter()
    ledger = selectors.ledger_records(company=company, direction=direction)
    bureau = selectors.bureau_records(bureau_import=bureau_import)
    loaded = time.perf_counter()
    services.run_progress(run, 30)
    as_of = timezone.localtime(bureau_import.as_of).date()
    period = _scope(bureau_import, as_of)
    results = reconcile(
        ledger,
        bureau,
        direction=direction,
        company_tin=company.tin,
        as_of=as_of,
        sync_lag_days=company.sync_lag_days,
        period=period,
    )
    matched = time.perf_counter()
    services.run_progress(run, 60)
    previous = selectors.latest_done_run(company=company, direction=direction, before=run)
    earlier = _earlier_conclusions(previous)
    ledger_by_key = {record.key: record for record in ledger}
    bureau_by_key = {record.key: record for record in bureau}
    with transaction.atomic():
        insert_rows(
            Discrepancy,
            COLUMNS,
            (
                _discrepancy(run, result, ledger_by_key, bureau_by_key, direction, earlier)
                for result in results
            ),
        )
        counts = {}
        for result in results:
            counts[result.category] = counts.get(result.category, 0) + 1
        counts["arrived"] = _arrived(previous, results)
        earlier_left_out, later_left_out = left_out(ledger, results, period)
        ReconRun.objects.filter(pk=run.pk).update(
            state=ReconRun.State.DONE,
            progress=100,
            counts=counts,
            scope_start=period[0],
            scope_end=period[1],
            left_out_earlier=earlier_left_out,
            left_out_later=later_left_out,
            previous=previous,
            finished_at=timezone.now(),
        )
        if direction == Direction.PURCHASE:
            sellers.refresh(run=run)
        confirm_ledger_kinds(run, results, ledger_by_key, bureau_by_key)
    database.fresh_statistics(Discrepancy, len(results))
    timings = {
        "loaded": loaded - started,
        "matched": matched - loaded,
        "written": time.perf_counter() - matched,
    }
    log.info(
        "reconciliation %s: %d results; loaded in %.2f s, matched in %.2f s, written in %.2f s",
        run.pk,
        len(results),
        *timings.values(),
        extra={"timings": timings},
    )


def _scope(bureau_import: BureauImport, as_of) -> tuple:
    """The issue dates the run compares: the range the export's title names, else its months."""
    asked = (bureau_import.query_start, bureau_import.query_end) if bureau_import.query_start else None
    return scope(first_issued=bureau_import.period_start or as_of, as_of=as_of, asked=asked)


def _pair_key(invoice_id, identity: str) -> tuple:
    return (invoice_id, identity)


def _earlier_conclusions(previous: ReconRun | None) -> dict:
    """The previous run's conclusions by (ledger invoice, identity): category and decision."""
    if previous is None:
        return {}
    rows = previous.discrepancies.values_list(
        "invoice_id", "identity", "category", "state", "reason", "decided_by_id", "decided_at"
    )
    return {(invoice_id, identity): rest for invoice_id, identity, *rest in rows.iterator(10_000)}


def _arrived(previous: ReconRun | None, results: list[Result]) -> int:
    """Invoices the previous import lacked that this one has: missing then, paired now."""
    if previous is None:
        return 0
    missing_before = set(
        previous.discrepancies.filter(category__in=["missing_in_bureau", "pending_sync"]).values_list(
            "invoice_id", flat=True
        )
    )
    return sum(
        1
        for result in results
        if result.ledger_key and result.bureau_key and int(result.ledger_key) in missing_before
    )


COLUMNS = (
    "company_id", "run_id", "category", "flags", "invoice_id", "bureau_invoice_id", "identity",
    "counterparty_tin", "counterparty_name", "issue_date", "total", "tax_at_risk", "suggestion", "rule",
    "compared", "candidates", "days_missing", "change", "state", "reason", "decided_by_id", "decided_at",
)  # fmt: skip
UNDECIDED = (Discrepancy.State.OPEN, "", None, None)


def _discrepancy(run, result: Result, ledger_by_key, bureau_by_key, direction, earlier) -> tuple:
    """A Discrepancy row (COLUMNS) for one conclusion, with the decision taken on the same records
    in the previous run when it concluded the same."""
    ledger: InvoiceRecord | None = ledger_by_key.get(result.ledger_key) if result.ledger_key else None
    bureau: InvoiceRecord | None = bureau_by_key.get(result.bureau_key) if result.bureau_key else None
    record = ledger or bureau
    invoice_id = int(result.ledger_key) if result.ledger_key else None
    at_risk = direction == "purchase" and ledger is not None and result.category in AT_RISK
    before = earlier.get(_pair_key(invoice_id, record.identity))
    change, decision = Discrepancy.Change.NEW, UNDECIDED
    if before is not None:
        category, *decided = before
        same = category == result.category
        change = Discrepancy.Change.STILL if same else Discrepancy.Change.CHANGED
        if same and decided[0] in DECIDED:
            decision = tuple(decided)
    return (
        run.company_id,
        run.pk,
        result.category,
        list(result.flags),
        invoice_id,
        int(result.bureau_key) if result.bureau_key else None,
        record.identity,
        record.counterparty_tin(direction),
        record.seller_name if direction == "purchase" else record.buyer_name,
        record.issue_date,
        record.total,
        ledger.tax if at_risk else ZERO,
        result.suggestion,
        result.rule[:80],
        result.compared,
        list(result.candidates),
        result.days_missing,
        change,
        *decision,
    )

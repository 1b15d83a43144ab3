from django.db import connection
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404

from accounts.models import Company
from invoices.models import Direction, Invoice
from invoices.selectors import invoice_queryset
from reconcile.ages import MISSING_BUCKETS, Bucket, bucket_counts
from reconcile.models import BureauImport, BureauInvoice, Discrepancy, ReconRun
from reconcile.records import InvoiceRecord

RECORD_FIELDS = (
    "code", "number", "digital_number", "identity", "kind", "issue_date", "seller_tin", "seller_name",
    "buyer_tin", "buyer_name", "amount", "tax", "total", "status", "is_red", "blue_identity",
)  # fmt: skip


def ledger_records(*, company: Company, direction: str) -> list[InvoiceRecord]:
    rows = invoice_queryset(company=company).filter(direction=direction).values_list("pk", *RECORD_FIELDS)
    return _records(rows)


def bureau_records(*, bureau_import: BureauImport) -> list[InvoiceRecord]:
    return _records(bureau_import.invoices.values_list("pk", *RECORD_FIELDS))


def _records(rows: QuerySet) -> list[InvoiceRecord]:
    """The rows as records. On PostgreSQL the query's own SQL is run on a plain cursor: its values
    need no conversion, and skipping the ORM's row handling halves the time for 100,000 rows."""
    if connection.vendor != "postgresql":
        return [InvoiceRecord(str(pk), *values) for pk, *values in rows.iterator(10_000)]
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [InvoiceRecord(str(pk), *values) for pk, *values in cursor.fetchall()]


def held_by_bureau(*, company: Company) -> Exists:
    """For a purchase-invoice queryset: whether any of the company's purchase exports holds the
    invoice (by identity)."""
    return held_by_bureau_of([company])


def held_by_bureau_of(companies: list[Company]) -> Exists:
    """For a purchase-invoice queryset of these companies: whether one of its own company's purchase
    exports holds the invoice. The exports are looked up first, so that each invoice costs one probe
    of the (company, identity) index, answered from the index alone."""
    exports = list(
        BureauImport.objects.filter(company__in=companies, direction=Direction.PURCHASE).values_list(
            "pk", flat=True
        )
    )
    return Exists(
        BureauInvoice.objects.filter(
            company=OuterRef("company_id"), identity=OuterRef("identity"), bureau_import_id__in=exports
        )
    )


def latest_purchase_runs(companies: list[Company]) -> list[int]:
    """The latest finished purchase reconciliation of each company that has one (one query)."""
    latest = (
        ReconRun.objects.filter(
            company=OuterRef("pk"), state=ReconRun.State.DONE, bureau_import__direction=Direction.PURCHASE
        )
        .order_by("-created_at")
        .values("pk")[:1]
    )
    runs = Company.objects.filter(pk__in=[company.pk for company in companies]).annotate(run=Subquery(latest))
    return [pk for pk in runs.values_list("run", flat=True) if pk is not None]


def missing_in_bureau_of(run: ReconRun) -> QuerySet[Discrepancy]:
    """What a run found missing from the bureau's data and nobody has decided yet: its open
    missing_in_bureau discrepancies (older than the company's sync lag at the export's as-of)."""
    return run.discrepancies.filter(category="missing_in_bureau", state=Discrepancy.State.OPEN)


def missing_in_bureau(*, companies: list[Company], bucket: Bucket | None = None) -> QuerySet[Discrepancy]:
    """THE definition of "missing from the bureau's data", shared by the ledger's filter, the run
    page and the dashboard: the open missing_in_bureau discrepancies of each company's latest
    finished purchase reconciliation; their age is days_missing (issue to the export's as-of),
    optionally within one age bucket (reconcile/ages.py)."""
    found = Discrepancy.objects.filter(
        run_id__in=latest_purchase_runs(companies), category="missing_in_bureau", state=Discrepancy.State.OPEN
    )
    if bucket is not None:
        found = found.filter(days_missing__gte=bucket.low)
        if bucket.high is not None:
            found = found.filter(days_missing__lte=bucket.high)
    return found


def missing_from_bureau(
    queryset: QuerySet[Invoice], *, company: Company, bucket: Bucket | None = None
) -> QuerySet[Invoice]:
    """The invoices of the queryset that are missing from the bureau's data (missing_in_bureau)."""
    found = missing_in_bureau(companies=[company], bucket=bucket)
    return queryset.filter(pk__in=found.values("invoice_id"))


def import_queryset(*, company: Company) -> QuerySet[BureauImport]:
    return (
        BureauImport.objects.of(company).select_related("stored_file", "created_by").order_by("-created_at")
    )


def import_get(*, company: Company, pk: int) -> BureauImport:
    return get_object_or_404(import_queryset(company=company), pk=pk)


def run_queryset(*, company: Company) -> QuerySet[ReconRun]:
    return ReconRun.objects.of(company).select_related("bureau_import").order_by("-created_at")


def run_get(*, company: Company, pk: int) -> ReconRun:
    return get_object_or_404(run_queryset(company=company), pk=pk)


def latest_done_run(*, company: Company, direction: str, before: ReconRun | None = None) -> ReconRun | None:
    runs = run_queryset(company=company).filter(state=ReconRun.State.DONE, bureau_import__direction=direction)
    if before is not None:
        runs = runs.filter(created_at__lt=before.created_at)
    return runs.first()


def discrepancy_queryset(*, company: Company) -> QuerySet[Discrepancy]:
    return Discrepancy.objects.of(company).select_related("invoice", "bureau_invoice", "run", "decided_by")


def discrepancy_none() -> QuerySet[Discrepancy]:
    """No discrepancies: what the API schema generator inspects, having no company to ask for."""
    return Discrepancy.objects.none()


def discrepancy_get(*, company: Company, pk: int) -> Discrepancy:
    return get_object_or_404(discrepancy_queryset(company=company), pk=pk)


LONE = ("missing_in_bureau", "pending_sync", "missing_in_ledger", "ambiguous")


def link_candidates(*, discrepancy: Discrepancy, limit: int = 20) -> QuerySet[Discrepancy]:
    """The open records alone on the other side, of the same counterparty, that a record alone
    could be linked with by hand (none for a pair)."""
    ledger_side = discrepancy.invoice_id is not None
    if ledger_side == (discrepancy.bureau_invoice_id is not None):
        return Discrepancy.objects.none()
    return (
        discrepancy.run.discrepancies.filter(
            category__in=LONE,
            counterparty_tin=discrepancy.counterparty_tin,
            state=Discrepancy.State.OPEN,
            invoice__isnull=ledger_side,
            bureau_invoice__isnull=not ledger_side,
        )
        .exclude(pk=discrepancy.pk)
        .order_by("issue_date", "pk")[:limit]
    )


def run_summary(*, run: ReconRun) -> list[dict]:
    """Per category: how many, the money and the tax at risk, and how many are still open."""
    rows = (
        run.discrepancies.values("category")
        .annotate(count=Count("pk"), total=Sum("total"), tax_at_risk=Sum("tax_at_risk"))
        .order_by("category")
    )
    open_counts = dict(
        run.discrepancies.filter(state=Discrepancy.State.OPEN).values_list("category").annotate(Count("pk"))
    )
    return [{**row, "open": open_counts.get(row["category"], 0)} for row in rows]


def changes_since_previous(*, run: ReconRun) -> dict[str, int]:
    """What the import changed: invoices newly voided or red-flushed at the bureau, newly missing,
    still missing, and arrived (missing before, found now)."""
    if run.previous_id is None:
        return {}
    rows = dict(
        run.discrepancies.filter(category__in=["status_changed", "missing_in_bureau"])
        .exclude(change=Discrepancy.Change.STILL)
        .values_list("category")
        .annotate(Count("pk"))
    )
    still = run.discrepancies.filter(category="missing_in_bureau", change=Discrepancy.Change.STILL).count()
    return {
        "newly_voided": rows.get("status_changed", 0),
        "newly_missing": rows.get("missing_in_bureau", 0),
        "still_missing": still,
        "arrived": run.counts.get("arrived", 0),
    }


def missing_ages(found: QuerySet[Discrepancy]) -> list[int]:
    """How many of these missing_in_bureau discrepancies fall in each age bucket."""
    ages = found.values_list("days_missing").annotate(Count("pk")).order_by()
    return bucket_counts((days or 0, count) for days, count in ages)


def missing_days_histogram(*, run: ReconRun) -> list[dict]:
    """How long the invoices the run found missing from the bureau's data (and still open) have
    been missing, in the shared age buckets."""
    counts = missing_ages(missing_in_bureau_of(run))
    peak = max(counts) or 1
    return [
        {"key": bucket.key, "label": bucket.label, "count": count, "share": round(100 * count / peak)}
        for bucket, count in zip(MISSING_BUCKETS, counts, strict=True)
    ]


def bureau_invoice_get(*, company: Company, pk: int) -> BureauInvoice:
    return get_object_or_404(BureauInvoice.objects.of(company), pk=pk)


def ledger_invoice_get(*, company: Company, pk: int) -> Invoice:
    return get_object_or_404(invoice_queryset(company=company), pk=pk)

from django.db import connection
from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.shortcuts import get_object_or_404

from accounts.models import Company
from invoices.models import FLUSHED, Direction, Invoice
from invoices.selectors import invoice_queryset
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


def missing_from_bureau(queryset: QuerySet[Invoice], *, company: Company) -> QuerySet[Invoice]:
    """The live purchase invoices issued to the company that none of its purchase exports holds."""
    return (
        queryset.filter(direction=Direction.PURCHASE, buyer_tin=company.tin)
        .exclude(status__in=FLUSHED)
        .exclude(held_by_bureau(company=company))
    )


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


def missing_days_histogram(*, run: ReconRun, buckets=(3, 7, 15, 30, 60, 90)) -> list[dict]:
    """How long the invoices missing from the bureau's data have been missing, in buckets of days."""
    days = run.discrepancies.filter(category="missing_in_bureau").values_list("days_missing", flat=True)
    edges = [0, *buckets]
    counts = [0] * (len(edges))
    for value in days:
        index = next((i for i, edge in enumerate(buckets) if (value or 0) <= edge), len(buckets))
        counts[index] += 1
    labels = [f"{low + 1}–{high}" for low, high in zip(edges, buckets, strict=False)] + [f">{buckets[-1]}"]
    peak = max(counts) or 1
    return [
        {"label": label, "count": count, "share": round(100 * count / peak)}
        for label, count in zip(labels, counts, strict=True)
    ]


def bureau_invoice_get(*, company: Company, pk: int) -> BureauInvoice:
    return get_object_or_404(BureauInvoice.objects.of(company), pk=pk)


def ledger_invoice_get(*, company: Company, pk: int) -> Invoice:
    return get_object_or_404(invoice_queryset(company=company), pk=pk)

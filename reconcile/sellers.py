"""Each seller's standing in a buying company's bureau data: the median days from an invoice's
issue to the first purchase export holding it, and how many of its invoices the latest purchase
reconciliation found wrong (ERROR_CATEGORIES: the bureau's record disagrees with the ledger, not
merely lags). Rewritten at the end of every purchase reconciliation.

When an invoice arrived is known only to the day of the first export that held it, so the figure
includes the time between exports. Invoices already in the company's first export are left out: that
export cannot say when they arrived (it is often a backfill of months)."""

import statistics
from collections import defaultdict

from django.db.models import Count, Max, Min
from django.utils import timezone

from accounts.models import Company
from invoices.models import Direction
from reconcile.models import BureauImport, BureauInvoice, Discrepancy, ReconRun, SellerStanding

ERROR_CATEGORIES = (
    "status_changed", "mismatch", "number_typo", "tin_error", "suspected", "duplicate_in_bureau", "ambiguous",
)  # fmt: skip


def days_to_appear(*, company: Company) -> tuple[dict[str, list[int]], dict[str, str]]:
    """Per seller, the days each of its invoices took from issue to the first purchase export
    holding it (those of the first export left out), and the seller's name as the bureau spells it."""
    earliest = BureauImport.objects.filter(
        company=company, direction=Direction.PURCHASE, state=BureauImport.State.DONE
    ).aggregate(earliest=Min("as_of"))["earliest"]
    held = (
        BureauInvoice.objects.filter(company=company, bureau_import__direction=Direction.PURCHASE)
        .values_list("seller_tin", "identity", "issue_date")
        .annotate(first_seen=Min("bureau_import__as_of"), name=Max("seller_name"))
        .order_by()
    )
    days, names = defaultdict(list), {}
    for seller_tin, _identity, issued, first_seen, name in held.iterator(chunk_size=20000):
        names[seller_tin] = name
        if first_seen != earliest:
            days[seller_tin].append(max(0, (timezone.localtime(first_seen).date() - issued).days))
    return days, names


def refresh(*, run: ReconRun) -> int:
    """Replace the company's seller standings with those as of `run` (a purchase run)."""
    company = run.company
    days, names = days_to_appear(company=company)
    errors = dict(
        Discrepancy.objects.filter(run=run, category__in=ERROR_CATEGORIES)
        .values_list("counterparty_tin")
        .annotate(Count("pk"))
        .order_by()
    )
    standings = [
        SellerStanding(
            company=company,
            run=run,
            seller_tin=seller_tin,
            seller_name=names.get(seller_tin, ""),
            invoices=len(days.get(seller_tin, ())),  # whose arrival is known
            median_days=statistics.median(days[seller_tin]) if seller_tin in days else None,
            error_count=errors.get(seller_tin, 0),
        )
        for seller_tin in names.keys() | errors.keys()
        if seller_tin
    ]
    SellerStanding.objects.filter(company=company).delete()
    SellerStanding.objects.bulk_create(standings, batch_size=2000)
    return len(standings)

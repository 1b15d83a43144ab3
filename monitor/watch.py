"""The hourly scan of each company's books against the bureau's data: purchase invoices the bureau
still lacks N days after issue (grouped by seller, with how long that seller's invoices usually
take to appear), unticked invoices as the filing deadline nears, and bureau data too old to trust.
Each finding is an Anomaly (monitor/anomalies.py): seen again it is refreshed, gone it resolves."""

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Min, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company
from ingest.models import IngestJob, JobState
from invoices.fapiao import Kind
from invoices.models import Deduction, Direction, Invoice, Status
from invoices.periods import following_month
from monitor import anomalies
from monitor.anomalies import Observation
from monitor.models import Severity
from reconcile import sellers
from reconcile.models import BureauImport, Discrepancy, ReconRun
from reconcile.selectors import held_by_bureau

# Invoices whose input VAT is deducted by ticking them (勾选) before the period's filing deadline.
# A 数电 invoice whose 专票/普票 is still to be confirmed (a hand-kept ledger's) may be a 专票: it is
# watched as one until the bureau's export or its original says which it is.
DEDUCTIBLE_KINDS = (
    Kind.SPECIAL, Kind.E_SPECIAL, Kind.DIGITAL_SPECIAL, Kind.DIGITAL_PAPER_SPECIAL,
    Kind.TOLL, Kind.MOTOR_VEHICLE, Kind.DIGITAL_UNKNOWN,
)  # fmt: skip
LIVE = (Status.NORMAL, Status.RED_FLUSHED_PARTIAL)


@dataclass(frozen=True)
class WatchSettings:
    deadline_day: int = 15  # of the month after the period, unless FILING_DEADLINES says otherwise
    deadline_warning_days: int = 5
    stale_import_days: int = 7

    @classmethod
    def current(cls) -> "WatchSettings":
        return cls(
            deadline_day=settings.FILING_DEADLINE_DAY,
            deadline_warning_days=settings.DEADLINE_WARNING_DAYS,
            stale_import_days=settings.STALE_IMPORT_DAYS,
        )


def scan_all(today: date | None = None, watch: WatchSettings | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    watch = watch or WatchSettings.current()
    found = {
        "sync_delay": [],
        "deadline": [],
        "stale_bureau_data": [],
        "open_discrepancies": [],
        "invoice_errors": [],
        "failed_captures": [],
    }
    for company in Company.objects.order_by("pk"):
        found["sync_delay"] += sync_delays(company, today)
        found["deadline"] += deadlines(company, today, watch)
        found["stale_bureau_data"] += stale_imports(company, today, watch)
        found["open_discrepancies"] += open_discrepancies(company)
        found["invoice_errors"] += invoice_errors(company)
        found["failed_captures"] += failed_captures(company)
    for kind, observations in found.items():
        anomalies.report(kind, observations)
    return {kind: len(observations) for kind, observations in found.items()}


def report_reconciliation(company: Company, today: date | None = None, watch: WatchSettings | None = None):
    """What a finished reconciliation changes in the company's alerts, at once rather than at the
    next hourly scan: the scan's own checks of the bureau's data (invoices it still lacks, the open
    differences of the latest runs, its age), for this company only."""
    today = today or timezone.localdate()
    watch = watch or WatchSettings.current()
    anomalies.report("sync_delay", sync_delays(company, today), scope=company)
    anomalies.report("open_discrepancies", open_discrepancies(company), scope=company)
    anomalies.report("stale_bureau_data", stale_imports(company, today, watch), scope=company)


def _purchases(company: Company):
    return Invoice.objects.filter(company=company, direction=Direction.PURCHASE, status__in=LIVE)


def sync_delays(company: Company, today: date) -> list[Observation]:
    """Purchase invoices older than the company's sync lag that no bureau import holds, within the
    months the bureau's data covers, one observation per seller."""
    imports = BureauImport.objects.filter(
        company=company, direction=Direction.PURCHASE, state=BureauImport.State.DONE
    )
    first = imports.aggregate(first=Min("period_start"))["first"]
    if first is None:
        return []  # no bureau data yet: stale_imports says so
    overdue = (
        _purchases(company)
        .filter(
            issue_date__gte=first.replace(day=1), issue_date__lt=today - timedelta(days=company.sync_lag_days)
        )
        .exclude(held_by_bureau(company=company))
        .order_by("seller_tin", "issue_date")
        .values_list("seller_tin", "seller_name", "identity", "issue_date", "tax")
    )
    by_seller: dict[str, list] = {}
    for seller_tin, seller_name, identity, issued, tax in overdue:
        by_seller.setdefault(seller_tin, [seller_name]).append((identity, issued, tax))
    observations = []
    taken = sellers.days_to_appear(company=company)[0] if by_seller else {}
    for seller_tin, (seller_name, *invoices) in by_seller.items():
        oldest = max((today - issued).days for _identity, issued, _tax in invoices)
        usual = statistics.median(taken[seller_tin]) if seller_tin in taken else None
        observations.append(
            Observation(
                key=f"seller:{seller_tin}",
                severity=Severity.ERROR if oldest > 2 * company.sync_lag_days + 7 else Severity.WARNING,
                company=company,
                counterparty=seller_tin,
                subject_url=reverse("invoice_list") + f"?counterparty={seller_tin}",
                money_at_stake=sum((tax for *_rest, tax in invoices), Decimal("0.00")),
                details={
                    "seller_tin": seller_tin,
                    "seller_name": seller_name,
                    "count": len(invoices),
                    "oldest_days": oldest,
                    "usual_days": usual,
                    "invoices": [identity for identity, *_rest in invoices[:20]],
                },
            )
        )
    return observations


def filing_deadline(period: date, watch: WatchSettings) -> date:
    """The day the VAT return for the month `period` is due: the configured day of the next month,
    or the date FILING_DEADLINES gives for that month (holidays move it)."""
    following = following_month(period)
    moved = settings.FILING_DEADLINES.get(f"{period:%Y-%m}")
    return date.fromisoformat(moved) if moved else following.replace(day=watch.deadline_day)


def deadlines(company: Company, today: date, watch: WatchSettings) -> list[Observation]:
    """Unticked deductible invoices of the period whose return is due within the warning days."""
    period = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # the month being filed
    due = filing_deadline(period, watch)
    left = (due - today).days
    if not 0 <= left <= watch.deadline_warning_days:
        return []
    period_end = today.replace(day=1) - timedelta(days=1)
    unticked = _purchases(company).filter(
        kind__in=DEDUCTIBLE_KINDS, deduction=Deduction.UNTICKED, issue_date__lte=period_end, tax__gt=0
    )
    totals = unticked.aggregate(tax=Sum("tax"))
    count = unticked.count()
    if not count:
        return []
    return [
        Observation(
            key=f"period:{period:%Y-%m}",
            severity=Severity.ERROR if left <= 1 else Severity.WARNING,
            company=company,
            subject_url=reverse("invoice_list") + "?direction=purchase&deduction=unticked",
            money_at_stake=totals["tax"] or Decimal("0.00"),
            details={
                "period": f"{period:%Y-%m}",
                "deadline": due.isoformat(),
                "days_left": left,
                "count": count,
            },
        )
    ]


def stale_imports(company: Company, today: date, watch: WatchSettings) -> list[Observation]:
    """A company with purchase invoices whose latest purchase export is missing or too old."""
    if not _purchases(company).exists():
        return []
    latest = (
        BureauImport.objects.filter(
            company=company, direction=Direction.PURCHASE, state=BureauImport.State.DONE
        )
        .order_by("-as_of")
        .first()
    )
    age = None if latest is None else (today - timezone.localtime(latest.as_of).date()).days
    if age is not None and age <= watch.stale_import_days:
        return []
    return [
        Observation(
            key="purchase",
            severity=Severity.WARNING,
            company=company,
            subject_url=reverse("reconcile"),
            details={"days": age, "limit": watch.stale_import_days},
        )
    ]


# Differences the latest reconciliation left open, other than those the sync scan already reports.
OPEN_KINDS = ("status_changed", "mismatch", "number_typo", "tin_error", "suspected", "missing_in_ledger",
              "duplicate_in_ledger", "duplicate_in_bureau", "ambiguous")  # fmt: skip


def open_discrepancies(company: Company) -> list[Observation]:
    """Per category, the open discrepancies of each direction's latest reconciliation."""
    observations = []
    for direction in Direction.values:
        run = (
            ReconRun.objects.filter(
                company=company, state=ReconRun.State.DONE, bureau_import__direction=direction
            )
            .order_by("-created_at")
            .first()
        )
        if run is None:
            continue
        rows = (
            run.discrepancies.filter(state=Discrepancy.State.OPEN, category__in=OPEN_KINDS)
            .values("category")
            .annotate(count=Count("pk"), tax=Sum("tax_at_risk"))
            .order_by("category")
        )
        for row in rows:
            url = (
                reverse("reconcile_discrepancies", args=[run.pk]) + f"?category={row['category']}&state=open"
            )
            observations.append(
                Observation(
                    key=f"{direction}:{row['category']}",
                    severity=Severity.ERROR if row["category"] == "status_changed" else Severity.WARNING,
                    company=company,
                    subject_url=url,
                    money_at_stake=row["tax"] or Decimal("0.00"),
                    details={"direction": direction, "category": row["category"], "count": row["count"]},
                )
            )
    return observations


def invoice_errors(company: Company) -> list[Observation]:
    """Invoices in the ledger whose fapiao rules report an error."""
    faulty = Invoice.objects.filter(company=company, error_count__gt=0).exclude(status=Status.VOIDED)
    count = faulty.count()
    if not count:
        return []
    return [
        Observation(
            key="ledger",
            severity=Severity.WARNING,
            company=company,
            subject_url=reverse("invoice_list") + "?has=errors",
            money_at_stake=faulty.aggregate(tax=Sum("tax"))["tax"] or Decimal("0.00"),
            details={"count": count},
        )
    ]


def failed_captures(company: Company) -> list[Observation]:
    """Captured files that could not be read and wait for a retry or a rejection."""
    count = IngestJob.objects.filter(company=company, state=JobState.FAILED).count()
    if not count:
        return []
    return [
        Observation(
            key="capture",
            severity=Severity.WARNING,
            company=company,
            subject_url=reverse("capture_failed"),
            details={"count": count},
        )
    ]

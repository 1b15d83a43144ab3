"""The dashboard's charts as data: for each, its categories and series, and for every bar or point
the address of the filtered list behind it (the drill-down). The page hands this to ECharts
(static/js/dashboard.js); the month-end report writes the same figures to a workbook."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company
from ingest.models import IngestJob, JobState
from ingest.sources import SOURCE_LABELS, SOURCES
from invoices.models import Direction, Invoice
from invoices.periods import following_month, month_bounds, month_starts
from monitor.messages import TITLES
from monitor.models import Anomaly
from reconcile.ages import MISSING_BUCKETS
from reconcile.models import SellerStanding
from reconcile.selectors import missing_ages, missing_in_bureau

MONTHS = 12
TOP = 10


@dataclass
class Series:
    name: str
    values: list = field(default_factory=list)  # numbers (int, or Decimal for money)
    links: list[str] = field(default_factory=list)  # the list behind each value


@dataclass
class Chart:
    key: str
    title: str
    categories: list[str]
    series: list[Series]
    style: str = "bar"  # bar | stacked | line | hbar
    money: bool = False

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": str(self.title),
            "style": self.style,
            "money": self.money,
            "categories": [str(category) for category in self.categories],
            "series": [
                {
                    "name": str(one.name),
                    "data": [
                        {"value": float(value) if isinstance(value, Decimal) else value, "url": link}
                        for value, link in zip(one.values, one.links, strict=True)
                    ],
                }
                for one in self.series
            ],
        }


def _url(name: str, args=(), **query) -> str:
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return reverse(name, args=args) + ("?" + urlencode(query) if query else "")


def all_charts(*, company: Company, period: date, today: date) -> list[Chart]:
    return [
        anomalies_by_kind(company=company, period=period),
        days_missing(company=company),
        slowest_sellers(company=company),
        error_prone_sellers(company=company),
        ingest_outcomes(company=company, period=period),
        amounts_by_month(company=company, period=period),
    ]


def anomalies_by_kind(*, company: Company, period: date) -> Chart:
    """Anomalies first seen in each of the 12 months up to the period, by kind."""
    months = month_starts(period, MONTHS)
    start = timezone.make_aware(timezone.datetime.combine(months[0], timezone.datetime.min.time()))
    end = timezone.make_aware(
        timezone.datetime.combine(following_month(months[-1]), timezone.datetime.min.time())
    )
    rows = (
        Anomaly.objects.of(company)
        .filter(first_seen__gte=start, first_seen__lt=end)
        .annotate(month=TruncMonth("first_seen"))
        .values_list("kind", "month")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts: dict[str, dict[date, int]] = {}
    for kind, month, count in rows:
        month = month.date() if hasattr(month, "date") else month
        counts.setdefault(kind, {})[month] = count
    series = []
    for kind in sorted(counts, key=lambda each: -sum(counts[each].values())):
        series.append(
            Series(
                name=TITLES.get(kind, kind),
                values=[counts[kind].get(month, 0) for month in months],
                links=[_url("worklist", kind=kind, seen=f"{month:%Y-%m}", state="all") for month in months],
            )
        )
    return Chart(
        "anomalies",
        _("Anomalies by kind, by month first seen"),
        [f"{m:%Y-%m}" for m in months],
        series,
        "stacked",
    )


def days_missing(*, company: Company) -> Chart:
    """Invoices missing from the bureau's data as the ledger's filter and the latest purchase
    reconciliation see them (reconcile.selectors.missing_in_bureau), by days from issue to the
    export's as-of, in the shared age buckets; each bar lists its invoices."""
    counts = missing_ages(missing_in_bureau(companies=[company]))
    links = [
        _url("invoice_list", direction=Direction.PURCHASE, bureau="missing", missing_days=bucket.key)
        for bucket in MISSING_BUCKETS
    ]
    return Chart(
        "days_missing",
        _("Invoices missing from the bureau's data, by days from issue to the export"),
        [bucket.label for bucket in MISSING_BUCKETS],
        [Series(_("Number of invoices"), counts, links)],
    )


def slowest_sellers(*, company: Company) -> Chart:
    standings = SellerStanding.objects.of(company).filter(median_days__isnull=False)
    top = list(standings.order_by("-median_days", "seller_tin")[:TOP])[::-1]
    links = [_url("invoice_list", direction=Direction.PURCHASE, counterparty=one.seller_tin) for one in top]
    return Chart(
        "slowest_sellers",
        _("Slowest sellers: median days until the bureau's data holds their invoices"),
        [one.seller_name or one.seller_tin for one in top],
        [Series(_("Median days"), [one.median_days for one in top], links)],
        "hbar",
    )


def error_prone_sellers(*, company: Company) -> Chart:
    standings = SellerStanding.objects.of(company).filter(error_count__gt=0)
    top = list(standings.order_by("-error_count", "seller_tin")[:TOP])[::-1]
    links = [
        _url("reconcile_discrepancies", args=[one.run_id], counterparty=one.seller_tin, group="errors")
        for one in top
    ]
    return Chart(
        "error_prone_sellers",
        _("Most error-prone sellers: differences in the latest reconciliation"),
        [one.seller_name or one.seller_tin for one in top],
        [Series(_("Differences"), [one.error_count for one in top], links)],
        "hbar",
    )


OUTCOMES = (
    (JobState.DONE, (JobState.DONE,)),
    (JobState.NEEDS_REVIEW, (JobState.NEEDS_REVIEW,)),
    (JobState.DUPLICATE, (JobState.DUPLICATE,)),
    (JobState.FAILED, (JobState.FAILED,)),
    (JobState.REJECTED, (JobState.REJECTED,)),
    (JobState.MOVED, (JobState.MOVED,)),
    (JobState.QUEUED, (JobState.QUEUED, JobState.PROCESSING)),
)


def ingest_outcomes(*, company: Company, period: date) -> Chart:
    """Captured invoices of the period by source (scan, PDF, XML, OFD) and outcome. A file that only
    held others (a zip, a PDF of several invoices) is counted through the invoices it held."""
    jobs = (
        IngestJob.objects.of(company)
        .filter(created_at__date__range=month_bounds(period))
        .exclude(Exists(IngestJob.objects.filter(parent=OuterRef("pk"))))
        .values_list("stored_file__media", "state")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[str, str], int] = {}
    for media, state, count in jobs:
        source = next((name for name, medias in SOURCES.items() if media in medias), "other")
        counts[source, state] = counts.get((source, state), 0) + count
    sources = list(SOURCES)
    series = []
    for outcome, states in OUTCOMES:
        series.append(
            Series(
                name=outcome.label,
                values=[sum(counts.get((source, state), 0) for state in states) for source in sources],
                links=[
                    _url("capture_jobs", source=source, state=outcome.value, month=f"{period:%Y-%m}")
                    for source in sources
                ],
            )
        )
    return Chart(
        "ingest",
        _("Captured invoices by source and outcome"),
        [SOURCE_LABELS[s] for s in sources],
        series,
        "stacked",
    )


def amounts_by_month(*, company: Company, period: date) -> Chart:
    """Invoice totals (价税合计) of the 12 months up to the period, purchases against sales."""
    months = month_starts(period, MONTHS)
    rows = (
        Invoice.objects.filter(company=company, issue_date__range=(months[0], month_bounds(months[-1])[1]))
        .annotate(month=TruncMonth("issue_date"))
        .values_list("direction", "month")
        .annotate(total=Sum("total"))
        .order_by()
    )
    totals = {(direction, month): total for direction, month, total in rows}
    series = [
        Series(
            name=label,
            values=[totals.get((direction, month), Decimal("0.00")) for month in months],
            links=[
                _url(
                    "invoice_list",
                    direction=direction,
                    date_from=month.isoformat(),
                    date_to=month_bounds(month)[1].isoformat(),
                )
                for month in months
            ],
        )
        for direction, label in Direction.choices
    ]
    return Chart(
        "amounts", _("Invoice totals by month: purchases and sales"), [f"{m:%Y-%m}" for m in months], series,
        "line", money=True,
    )  # fmt: skip

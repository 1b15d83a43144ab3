"""The figures of the dashboard: one company's books for one month, and one row per company for a
firm keeping several companies' books."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.utils import timezone

from accounts.models import Company
from invoices.models import FLUSHED, Direction, Invoice
from invoices.periods import month_bounds
from monitor.models import Anomaly, CheckRun
from reconcile.models import BureauImport
from reconcile.selectors import held_by_bureau_of, missing_in_bureau

ZERO = Decimal("0.00")
CAUSES = ("missing_in_bureau", "voided_or_flushed", "not_issued_to_company")


@dataclass
class Cards:
    period: date
    totals: dict[str, dict] = field(default_factory=dict)  # direction -> count, amount, tax, total
    at_risk: dict[str, Decimal] = field(default_factory=dict)  # why -> input VAT
    reconciled_share: float | None = None  # purchase invoices of the period the bureau holds
    anomalies: dict[str, int] = field(default_factory=dict)  # severity -> open
    days_since: dict[str, int | None] = field(default_factory=dict)  # "backup", "integrity"

    @property
    def at_risk_total(self) -> Decimal:
        return sum(self.at_risk.values(), ZERO)


def cards(*, company: Company, period: date, today: date | None = None) -> Cards:
    today = today or timezone.localdate()
    first, last = month_bounds(period)
    result = Cards(period=first)
    sums = (
        Invoice.objects.filter(company=company, issue_date__range=(first, last))
        .values("direction")
        .annotate(count=Count("pk"), amount=Sum("amount"), tax=Sum("tax"), total=Sum("total"))
        .order_by()
    )
    found = {row.pop("direction"): row for row in sums}
    for direction in Direction.values:
        result.totals[direction] = found.get(direction) or {
            "count": 0,
            "amount": ZERO,
            "tax": ZERO,
            "total": ZERO,
        }
    result.at_risk, result.reconciled_share = bureau_standings([company], first, last)[company.pk]
    open_anomalies = Anomaly.objects.of(company).exclude(state=Anomaly.State.RESOLVED)
    result.anomalies = dict(open_anomalies.values_list("severity").annotate(Count("pk")).order_by())
    latest = dict(
        CheckRun.objects.filter(
            name__in=["backup", "integrity"], outcome__in=[CheckRun.Outcome.OK, CheckRun.Outcome.PROBLEMS]
        )
        .values_list("name")
        .annotate(Max("started_at"))
        .order_by()
    )
    for name in ("backup", "integrity"):
        moment = latest.get(name)
        result.days_since[name] = (today - timezone.localtime(moment).date()).days if moment else None
    return result


def bureau_standings(companies: list[Company], first: date, last: date) -> dict[int, tuple]:
    """Per company: the input VAT at risk among the month's purchase invoices, by cause, and the
    share of them the bureau's data holds (None when no purchase export reaches into the month).
    Missing from the bureau's data is what the ledger's filter and the latest purchase
    reconciliation call so (reconcile.selectors.missing_in_bureau). Three queries, however many
    companies."""
    covered = set(
        BureauImport.objects.filter(
            company__in=companies,
            direction=Direction.PURCHASE,
            state=BureauImport.State.DONE,
            period_end__gte=first,
        ).values_list("company_id", flat=True)
    )
    missing = missing_in_bureau(companies=companies).filter(invoice_id=OuterRef("pk"))
    flushed, ours = Q(status__in=FLUSHED), Q(buyer_tin=F("company__tin"))
    rows = (
        Invoice.objects.filter(
            company__in=companies, direction=Direction.PURCHASE, issue_date__range=(first, last)
        )
        .annotate(known=held_by_bureau_of(companies), missing=Exists(missing))
        .values("company_id")
        .annotate(
            count=Count("pk"),
            held=Count("pk", filter=Q(known=True)),
            voided_or_flushed=Sum("tax", filter=flushed),
            not_issued_to_company=Sum("tax", filter=~flushed & ~ours),
            missing_in_bureau=Sum("tax", filter=~flushed & ours & Q(missing=True)),
        )
        .order_by()
    )
    found = {row["company_id"]: row for row in rows}
    standings = {}
    for company in companies:
        row = found.get(company.pk, {})
        at_risk = {cause: row.get(cause) or ZERO for cause in CAUSES}
        count, share = row.get("count", 0), None
        if company.pk in covered:
            share = row["held"] / count if count else None
        standings[company.pk] = (at_risk, share)
    return standings


@dataclass
class FirmRow:
    company: Company
    at_risk: Decimal
    open_anomalies: int
    import_age: int | None
    backup: str | None


def firm_rows(*, companies: list[Company], today: date | None = None) -> list[FirmRow]:
    """One row per company of the user's: this month's input VAT at risk, open alerts, the age of the
    latest purchase export, the latest backup's result (the installation's)."""
    today = today or timezone.localdate()
    first, last = month_bounds(today)
    backup = (
        CheckRun.objects.filter(name="backup")
        .order_by("-started_at")
        .values_list("outcome", flat=True)
        .first()
    )
    counts = dict(
        Anomaly.objects.filter(company__in=companies)
        .exclude(state=Anomaly.State.RESOLVED)
        .values_list("company_id")
        .annotate(Count("pk"))
    )
    latest_imports = dict(
        BureauImport.objects.filter(
            company__in=companies, state=BureauImport.State.DONE, direction=Direction.PURCHASE
        )
        .values_list("company_id")
        .annotate(Max("as_of"))
        .order_by()
    )
    standings = bureau_standings(companies, first, last)
    rows = []
    for company in companies:
        latest = latest_imports.get(company.pk)
        rows.append(
            FirmRow(
                company=company,
                at_risk=sum(standings[company.pk][0].values(), ZERO),
                open_anomalies=counts.get(company.pk, 0),
                import_age=(today - timezone.localtime(latest).date()).days if latest else None,
                backup=CheckRun.Outcome(backup).label if backup else None,
            )
        )
    return sorted(rows, key=lambda row: row.at_risk, reverse=True)

from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from accounts.roles import Perm
from accounts.tenancy import company_view, user_memberships
from dashboard.selectors import cards, firm_rows


def _period(request) -> date:
    text = request.GET.get("period", "")
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


@company_view(Perm.ALERTS_VIEW)
def dashboard(request):
    """One company's books for a month: what is at stake and whether the watch is running."""
    period = _period(request)
    return render(
        request, "dashboard/dashboard.html", {"cards": cards(company=request.company, period=period)}
    )


@login_required
def dashboard_firm(request):
    """Every company of the user's on one screen, the one with most at stake first."""
    companies = [m.company for m in user_memberships(request) if m.allows(Perm.ALERTS_VIEW)]
    return render(request, "dashboard/firm.html", {"rows": firm_rows(companies=companies)})

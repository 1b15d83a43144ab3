from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Perm
from accounts.tenancy import company_view, user_memberships
from dashboard.charts import all_charts
from dashboard.report import month_end_xlsx
from dashboard.selectors import cards, firm_rows
from dashboard.worklist import AnomalyFilter, AssignForm, anomaly_events, anomaly_get, worklist_queryset
from invoices.periods import filing_month
from monitor import handling
from monitor.alerts import alert_members
from monitor.models import Anomaly


class BadPeriod(Exception):
    """A `period` that is not a month written yyyy-mm."""


def _period(request) -> date:
    """The month asked for, or the month being closed: until the 15th, the one before."""
    text = request.GET.get("period", "")
    if not text:
        return filing_month(timezone.localdate())
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise BadPeriod(text) from None


def period_checked(view):
    """A malformed period is a 400 that says what a period looks like, not the current month."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadPeriod:
            message = _("The period must be a month written as yyyy-mm, for example 2026-03.")
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")

    return checked


def _dashboard_context(request) -> dict:
    period, today = _period(request), timezone.localdate()
    charts = all_charts(company=request.company, period=period, today=today)
    return {
        "cards": cards(company=request.company, period=period, today=today),
        "charts": charts,
        "charts_json": [chart.as_json() for chart in charts],
        "open_anomalies": worklist_queryset(company=request.company).exclude(state=Anomaly.State.RESOLVED),
    }


@company_view(Perm.ALERTS_VIEW)
@period_checked
def dashboard(request):
    """One company's books for a month: what is at stake, why, and whether the watch is running."""
    return render(request, "dashboard/dashboard.html", _dashboard_context(request))


@company_view(Perm.ALERTS_VIEW)
@period_checked
def dashboard_report(request):
    """The dashboard of a month as a page to print for the monthly close."""
    return render(request, "dashboard/report.html", _dashboard_context(request))


@company_view(Perm.ALERTS_VIEW)
@period_checked
def dashboard_report_xlsx(request):
    period = _period(request)
    data = month_end_xlsx(company=request.company, period=period, today=timezone.localdate())
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"月结报告-{request.company.tin}-{period:%Y-%m}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
def dashboard_firm(request):
    """Every company of the user's on one screen, the one with most at stake first."""
    companies = [m.company for m in user_memberships(request) if m.allows(Perm.ALERTS_VIEW)]
    return render(request, "dashboard/firm.html", {"rows": firm_rows(companies=companies)})


@company_view(Perm.ALERTS_VIEW)
def worklist(request):
    """Open problems, the most money at stake first; admins work them, accountants read them."""
    anomaly_filter = AnomalyFilter(
        request.GET or None,
        queryset=worklist_queryset(company=request.company),
        request=request,
        company=request.company,
    )
    page = Paginator(anomaly_filter.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard/worklist.html",
        {"filter": anomaly_filter, "page": page, "query": query.urlencode()},
    )


@company_view(Perm.ALERTS_VIEW)
def worklist_item(request, pk: int):
    anomaly = anomaly_get(company=request.company, pk=pk)
    return render(
        request,
        "dashboard/worklist_item.html",
        {
            "anomaly": anomaly,
            "events": anomaly_events(anomaly=anomaly),
            "members": alert_members(company=request.company),
            "can_manage": request.membership.allows(Perm.ANOMALIES_MANAGE),
        },
    )


# action -> (service, the name it gives the text typed with it)
TEXT_ACTIONS = {
    "acknowledge": (handling.acknowledge, "note"),
    "resolve": (handling.resolve, "reason"),
    "reopen": (handling.reopen, "reason"),
    "comment": (handling.comment, "text"),
}


@require_POST
@company_view(Perm.ANOMALIES_MANAGE)
def worklist_action(request, pk: int, action: str):
    if action != "assign" and action not in TEXT_ACTIONS:
        raise Http404
    anomaly = anomaly_get(company=request.company, pk=pk)
    try:
        if action == "assign":
            form = AssignForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors["assignee"])
            handling.assign(anomaly=anomaly, by=request.user, assignee_id=form.cleaned_data["assignee"])
        else:
            service, argument = TEXT_ACTIONS[action]
            service(anomaly=anomaly, by=request.user, **{argument: request.POST.get("text", "")})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("worklist_item", pk=anomaly.pk)

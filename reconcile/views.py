from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_service_errors
from accounts.redirects import bad_parameter, redirect_next, row_id
from accounts.roles import Perm
from accounts.tenancy import company_view
from config.uploads import refuse_in_form, upload_limit
from reconcile import decisions, selectors, services
from reconcile.explaining import as_text
from reconcile.exporting import open_discrepancies_xlsx
from reconcile.forms import DecisionForm, DiscrepancyFilter, ImportForm
from reconcile.messages import problem_lines
from reconcile.models import BureauImport, ReconRun
from reconcile.presenting import explained, side_by_side

PAGE_SIZE = 50


@upload_limit("bureau")
@company_view(Perm.RECONCILE)
def reconcile_home(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not request.membership.allows(Perm.BUREAU_IMPORT):
            return HttpResponse(status=403)
        if not refuse_in_form(request, form, "file") and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                bureau_import, created = services.bureau_import_create(
                    company=request.company,
                    by=request.user,
                    name=upload.name,
                    data=upload,
                    direction=form.cleaned_data["direction"],
                    as_of=form.as_of_moment(),
                )
            except ValidationError as error:
                add_service_errors(form, error, fallback="file")
            else:
                if not created:
                    messages.info(request, _("This file was imported before; here is that import."))
                return redirect("reconcile_import", pk=bureau_import.pk)
    return render(
        request,
        "reconcile/home.html",
        {
            "form": form,
            "imports": selectors.import_queryset(company=request.company)[:20],
            "runs": selectors.run_queryset(company=request.company)[:20],
        },
    )


@company_view(Perm.RECONCILE)
def reconcile_import(request, pk: int):
    bureau_import = selectors.import_get(company=request.company, pk=pk)
    return render(
        request,
        "reconcile/import.html",
        {
            "bureau_import": bureau_import,
            "reading": bureau_import.state in (BureauImport.State.QUEUED, BureauImport.State.READING),
            "error": services.import_failure_message(bureau_import) if bureau_import.error_code else "",
            "runs": bureau_import.runs.order_by("-created_at"),
            "problems": problem_lines(bureau_import.problems),
        },
    )


@require_POST
@company_view(Perm.RECONCILE)
def reconcile_start(request, pk: int):
    bureau_import = selectors.import_get(company=request.company, pk=pk)
    try:
        run = services.run_start(company=request.company, by=request.user, bureau_import=bureau_import)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reconcile_import", pk=bureau_import.pk)
    return redirect("reconcile_run", pk=run.pk)


@company_view(Perm.RECONCILE)
def reconcile_run(request, pk: int):
    run = selectors.run_get(company=request.company, pk=pk)
    finished = run.state == ReconRun.State.DONE
    summary = selectors.run_summary(run=run) if finished else []
    return render(
        request,
        "reconcile/run.html",
        {
            "run": run,
            "working": run.state in (ReconRun.State.QUEUED, ReconRun.State.RUNNING),
            "summary": summary,
            "histogram": selectors.missing_days_histogram(run=run) if finished else [],
            "tax_at_risk": sum((row["tax_at_risk"] or 0 for row in summary), 0),
            "changes": selectors.changes_since_previous(run=run) if finished else {},
        },
    )


@company_view(Perm.RECONCILE)
def reconcile_discrepancies(request, pk: int):
    run = selectors.run_get(company=request.company, pk=pk)
    listing = DiscrepancyFilter(
        request.GET or None, queryset=run.discrepancies.select_related("invoice", "bureau_invoice")
    )
    page = Paginator(listing.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    direction = run.bureau_import.direction
    for item in page:
        item.explanation = as_text(explained(item, direction=direction))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reconcile/discrepancies.html",
        {
            "run": run,
            "filter": listing,
            "page": page,
            "query": query.urlencode(),
            "decision_form": DecisionForm(),
        },
    )


@company_view(Perm.RECONCILE)
def reconcile_discrepancy(request, pk: int):
    discrepancy = selectors.discrepancy_get(company=request.company, pk=pk)
    link_candidates = list(selectors.link_candidates(discrepancy=discrepancy))
    return render(
        request,
        "reconcile/discrepancy.html",
        {
            "discrepancy": discrepancy,
            "rows": side_by_side(discrepancy),
            "explanation": explained(discrepancy),
            "decision_form": DecisionForm.for_case(discrepancy, can_link=bool(link_candidates)),
            "link_candidates": link_candidates,
            "events": discrepancy.events.select_related("user").order_by("seq"),
        },
    )


@require_POST
@company_view(Perm.DISCREPANCY_RESOLVE)
def reconcile_decide(request):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return redirect_next(request, "reconcile")
    scope = request.POST.get("scope") or "selected"
    if scope == "filter":
        run_id = row_id(request.POST.get("run"))
        if run_id is None:
            return bad_parameter(request, _("The reconciliation run was not given as a number."))
        run = selectors.run_get(company=request.company, pk=run_id)
        listing = DiscrepancyFilter(request.POST, queryset=run.discrepancies.all())
        if not listing.is_valid():
            return bad_parameter(request, _("The filter holds a value the list does not offer."))
        chosen = list(listing.qs.filter(state="open"))
    elif scope == "selected":
        ids = [row_id(value) for value in request.POST.getlist("ids")]
        if None in ids:
            return bad_parameter(request, _("A selected discrepancy was not given as a number."))
        queryset = selectors.discrepancy_queryset(company=request.company)
        chosen = list(queryset.filter(pk__in=ids))
    else:
        return bad_parameter(request, _("Choose the selected discrepancies or all matching the filter."))
    counterpart = None
    if form.cleaned_data.get("counterpart"):
        counterpart = selectors.discrepancy_get(company=request.company, pk=form.cleaned_data["counterpart"])
    try:
        outcome = decisions.decide(
            company=request.company,
            by=request.user,
            discrepancies=chosen,
            action=form.cleaned_data["action"],
            reason=form.cleaned_data["reason"],
            counterpart=counterpart,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect_next(request, "reconcile")
    if outcome.done:
        messages.success(request, _("%(count)d decided.") % {"count": len(outcome.done)})
    for discrepancy, problem in outcome.refused[:20]:
        messages.warning(request, f"{discrepancy.identity}: {problem}")
    return redirect_next(request, "reconcile")


@company_view(Perm.RECONCILE)
def reconcile_export(request, pk: int):
    run = selectors.run_get(company=request.company, pk=pk)
    response = HttpResponse(
        open_discrepancies_xlsx(run),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = quote(f"对账差异-{request.company.tin}-{run.pk}.xlsx")
    response["Content-Disposition"] = (
        f"attachment; filename=\"discrepancies-{run.pk}.xlsx\"; filename*=UTF-8''{name}"
    )
    return response

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.redirects import bad_parameter, row_id
from accounts.roles import Perm
from accounts.tenancy import company_view
from ingest.selectors import original_pages
from invoices import selectors, services
from invoices.drafts import HEADER_FIELDS, LINE_FIELDS, clean_draft
from invoices.fapiao import Kind
from invoices.filters import InvoiceFilter
from invoices.findings import context_for, findings_for, readable, stored
from invoices.forms import BulkDeductionForm, InvoiceForm, LineFormSet, StatusForm, attach_errors
from invoices.history import history_rows
from invoices.models import Source
from invoices.rates import rate_percent

PAGE_SIZE = 50


def filtered(request):
    return InvoiceFilter(
        request.GET or None, queryset=selectors.invoice_queryset(company=request.company), request=request
    )


@company_view(Perm.LEDGER_VIEW)
def invoice_list(request):
    invoice_filter = filtered(request)
    queryset = invoice_filter.qs
    totals = selectors.invoice_totals(queryset)
    paginator = Paginator(queryset, PAGE_SIZE)
    paginator.count = totals["count"]  # already counted with the sums, in the same query
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "invoices/list.html",
        {
            "filter": invoice_filter,
            "filter_unreadable": invoice_filter.is_bound and not invoice_filter.is_valid(),
            "page": page,
            "totals": totals,
            "query": query.urlencode(),
            "deduction_form": BulkDeductionForm(),
        },
    )


@company_view(Perm.LEDGER_VIEW)
def invoice_detail(request, pk: int):
    invoice = selectors.invoice_get(company=request.company, pk=pk)
    return render(
        request,
        "invoices/detail.html",
        {
            "invoice": invoice,
            "lines": invoice.lines.all(),
            "findings": readable(invoice.findings),
            "history": history_rows(selectors.invoice_events(invoice=invoice)),
            "red_invoices": invoice.red_invoices.all(),
            "status_form": StatusForm(initial={"status": invoice.status}),
            "original_pages": original_pages(invoice=invoice) if invoice.original_file_id else [],
        },
    )


def _editor(request, invoice=None):
    """The create and edit page: one form, its lines, and the findings as they stand."""
    if request.method == "POST":
        form = InvoiceForm(request.POST)
        lines = LineFormSet(request.POST, prefix="lines")
    elif invoice is not None:
        form = InvoiceForm(initial={name: getattr(invoice, name) for name in HEADER_FIELDS})
        lines = LineFormSet(
            prefix="lines",
            initial=[
                {**{name: getattr(line, name) for name in LINE_FIELDS}, "rate": rate_percent(line.rate)}
                for line in invoice.lines.all()
            ],
        )
    else:
        form = InvoiceForm(
            initial={
                "direction": "purchase",
                "kind": Kind.DIGITAL_SPECIAL,
                "buyer_name": request.company.name,
                "buyer_tin": request.company.tin,
            }
        )
        lines = LineFormSet(prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        line_values = [values for line in lines.forms if (values := line.values()) is not None]
        try:
            draft = clean_draft(form.data, line_values)
            reason = form.cleaned_data["reason"]
            if invoice is None:
                invoice = services.invoice_create(
                    company=request.company, by=request.user, draft=draft, source=Source.MANUAL, reason=reason
                )
            else:
                invoice = services.invoice_update(
                    invoice=invoice, by=request.user, draft=draft, reason=reason
                )
        except ValidationError as error:
            attach_errors(form, [line for line in lines.forms if line.values() is not None], error)
        else:
            messages.success(request, _("Invoice %(identity)s saved.") % {"identity": invoice.identity})
            return redirect("invoice_detail", pk=invoice.pk)
    findings = readable(invoice.findings) if invoice is not None and request.method != "POST" else []
    return render(
        request,
        "invoices/edit.html",
        {"form": form, "lines": lines, "invoice": invoice, "findings": findings},
    )


@company_view(Perm.LEDGER_EDIT)
def invoice_create(request):
    return _editor(request)


@company_view(Perm.LEDGER_EDIT)
def invoice_edit(request, pk: int):
    return _editor(request, selectors.invoice_get(company=request.company, pk=pk))


@require_POST
@company_view(Perm.LEDGER_EDIT)
def invoice_check(request):
    """As the user types: the findings the invoice would have, or why it could not be saved."""
    form = InvoiceForm(request.POST)
    lines = LineFormSet(request.POST, prefix="lines")
    problems, findings = [], []
    if lines.is_valid():
        try:
            draft = clean_draft(request.POST, [v for line in lines.forms if (v := line.values()) is not None])
        except ValidationError as error:
            problems = _problems(form, error)
        else:
            findings = _draft_findings(request, draft)
    return render(request, "invoices/findings_panel.html", {"findings": findings, "problems": problems})


def _problems(form, error: ValidationError) -> list[str]:
    labels = {name: field.label for name, field in form.fields.items()}
    return [
        f"{labels.get(name, name)}: {message}"
        for name, messages_ in error.message_dict.items()
        for message in messages_
    ]


def _draft_findings(request, draft) -> list[dict]:
    editing = request.POST.get("invoice_id", "")
    existing = selectors.invoice_get_by_identity(company=request.company, identity=draft.identity)
    results = []
    if existing is not None and str(existing.pk) != editing:
        results.append(
            {
                "code": "duplicate",
                "severity": "error",
                "field": "number",
                "message": services.duplicate_error(existing).messages[0],
            }
        )
    near = selectors.near_duplicate_identities(
        company=request.company,
        seller_tin=draft.seller_tin,
        issue_date=draft.issue_date,
        total=draft.total,
        number=draft.number,
        identity=draft.identity,
    )
    blue = draft.is_red and selectors.invoice_get_by_identity(
        company=request.company, identity=draft.blue_identity
    )
    found = findings_for(draft, context=context_for(request.company, near), has_blue_original=bool(blue))
    return results + readable(stored(found)["findings"])


@require_POST
@company_view(Perm.LEDGER_EDIT)
def invoice_status(request, pk: int):
    invoice = selectors.invoice_get(company=request.company, pk=pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.invoice_set_status(invoice=invoice, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Status changed."))
    else:
        messages.error(request, _("Choose a status and say why."))
    return redirect("invoice_detail", pk=invoice.pk)


@require_POST
@company_view(Perm.LEDGER_EDIT)
def invoice_bulk_deduction(request):
    form = BulkDeductionForm(request.POST)
    ids = [row_id(value) for value in request.POST.getlist("ids")]
    if None in ids:
        return bad_parameter(request, _("A selected invoice was not given as a number."))
    if not ids:
        messages.error(request, _("Select the invoices first."))
    elif form.is_valid():
        try:
            result = services.invoice_set_deduction(
                company=request.company, invoice_ids=ids, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(count)d invoices changed.") % {"count": result.changed})
            for invoice, problem in result.refused:
                messages.warning(request, f"{invoice.identity}: {problem}")
    return redirect(f"{reverse('invoice_list')}?{request.POST.get('query', '')}")

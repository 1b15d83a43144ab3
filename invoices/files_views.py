"""The ledger's spreadsheets in and out of the browser."""

from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import add_service_errors
from accounts.redirects import bad_parameter, row_id
from accounts.roles import Perm
from accounts.tenancy import company_view
from config.uploads import refuse_in_form, upload_limit
from invoices import selectors
from invoices.exporting import CONTENT_TYPES, export_ledger
from invoices.forms import ImportForm
from invoices.importing import import_ledger
from invoices.views import filtered


def _attachment(data: bytes, file_format: str, name: str, ascii_name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}.{file_format}\"; filename*=UTF-8''{quote(name)}.{file_format}"
    )
    return response


def _download(data: bytes, file_format: str, company) -> HttpResponse:
    name = f"发票台账-{company.tin}-{timezone.localdate():%Y%m%d}"
    return _attachment(data, file_format, name, "ledger")


@require_http_methods(["GET", "POST"])
@company_view(Perm.LEDGER_VIEW)
def invoice_export(request, file_format: str):
    """GET: the filtered list; POST: the invoices ticked in the list."""
    if request.method == "POST":
        ids = [row_id(value) for value in request.POST.getlist("ids")]
        if None in ids:
            return bad_parameter(request, _("A selected invoice was not given as a number."))
        queryset = selectors.invoice_queryset(company=request.company).filter(pk__in=ids)
    else:
        invoice_filter = filtered(request)
        if invoice_filter.is_bound and not invoice_filter.is_valid():
            return bad_parameter(request, _("A filter could not be read, so nothing was exported."))
        queryset = invoice_filter.qs
    return _download(export_ledger(queryset, file_format), file_format, request.company)


@upload_limit("ledger")
@company_view(Perm.LEDGER_EDIT)
def invoice_import(request):
    """A ledger spreadsheet, refused while it streams in once past the limit (config/uploads.py)."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and not refuse_in_form(request, form, "file") and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = import_ledger(
                company=request.company,
                by=request.user,
                data=upload.read(),
                direction=form.cleaned_data["direction"],
                default_kind=form.cleaned_data["default_kind"],
                file_name=upload.name,
            )
        except ValidationError as error:
            add_service_errors(form, error, fallback="file")
    return render(request, "invoices/import.html", {"form": form, "report": report})


@company_view(Perm.LEDGER_EDIT)
def invoice_import_refused(request, pk: int):
    """The rows an import of this company refused, to fix and import again."""
    ledger_import = selectors.ledger_import_get(company=request.company, pk=pk)
    name = f"未导入的行-{timezone.localtime(ledger_import.created_at):%Y%m%d-%H%M}"
    return _attachment(bytes(ledger_import.refused_file), "xlsx", name, "refused")

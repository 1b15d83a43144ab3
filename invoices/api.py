from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from accounts.api import CompanyAPIView
from accounts.roles import Perm
from invoices import selectors, services
from invoices.drafts import HEADER_FIELDS, LINE_FIELDS, clean_draft, draft_from_invoice
from invoices.filters import InvoiceFilter
from invoices.models import Source
from invoices.serializers import (
    ErrorFindingsSerializer,
    InvoiceDetailSerializer,
    InvoiceInputSerializer,
    InvoiceSerializer,
    UnreadableRequestSerializer,
    VoidSerializer,
)
from invoices.services import snapshot_value

REFUSED = OpenApiResponse(
    PolymorphicProxySerializer(
        "InvoiceRefusal",
        [ErrorFindingsSerializer, UnreadableRequestSerializer],
        resource_type_field_name=None,
    ),
    description="Refused: each problem as an error finding, or `detail` when the body could not be read.",
)


def refusal(error: ValidationError) -> Response:
    """A refused write as structured findings, like the findings of a stored invoice."""
    details = error.error_dict if hasattr(error, "error_dict") else {"": error.error_list}
    findings = [
        {
            "code": item.code or "invalid",
            "severity": "error",
            "field": field,
            "params": {key: str(value) for key, value in (item.params or {}).items()},
            "message": message,
        }
        for field, items in details.items()
        for item in items
        for message in item
    ]
    return Response({"findings": findings}, status=status.HTTP_400_BAD_REQUEST)


def _input(request) -> tuple[dict, list[dict]]:
    data = request.data if isinstance(request.data, dict) else {}
    lines = data.get("lines") or []
    return data, [line for line in lines if isinstance(line, dict)] if isinstance(lines, list) else []


class InvoiceListView(CompanyAPIView, ListAPIView):
    required_perms = {"GET": Perm.LEDGER_VIEW, "POST": Perm.LEDGER_EDIT}
    serializer_class = InvoiceSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = InvoiceFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.invoice_none()
        return selectors.invoice_queryset(company=self.request.company).prefetch_related("lines")

    @extend_schema(summary="The company's invoices, filtered")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=InvoiceInputSerializer,
        responses={201: InvoiceDetailSerializer, 400: REFUSED},
        summary="Add an invoice to the ledger (a duplicate is refused)",
    )
    def post(self, request):
        values, lines = _input(request)
        try:
            draft = clean_draft(values, lines)
            invoice = services.invoice_create(
                company=request.company,
                by=request.user,
                draft=draft,
                source=Source.API,
                reason=str(values.get("reason") or ""),
            )
        except ValidationError as error:
            return refusal(error)
        return Response(InvoiceDetailSerializer(invoice).data, status=status.HTTP_201_CREATED)


class InvoiceDetailView(CompanyAPIView):
    required_perms = {"GET": Perm.LEDGER_VIEW, "PUT": Perm.LEDGER_EDIT, "PATCH": Perm.LEDGER_EDIT}

    @extend_schema(responses=InvoiceDetailSerializer, summary="One invoice with its findings and history")
    def get(self, request, pk: int):
        return Response(InvoiceDetailSerializer(selectors.invoice_get(company=request.company, pk=pk)).data)

    @extend_schema(
        request=InvoiceInputSerializer,
        responses={200: InvoiceDetailSerializer, 400: REFUSED},
        summary="Replace an invoice's fields and lines",
    )
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=InvoiceInputSerializer,
        responses={200: InvoiceDetailSerializer, 400: REFUSED},
        summary="Change some of an invoice's fields (lines, when given, replace all lines)",
    )
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)

    def _update(self, request, pk: int, *, partial: bool) -> Response:
        invoice = selectors.invoice_get(company=request.company, pk=pk)
        values, lines = _input(request)
        if partial:
            current = draft_from_invoice(invoice)
            values = {**{name: snapshot_value(getattr(current, name)) for name in HEADER_FIELDS}, **values}
            if "lines" not in request.data:
                lines = [
                    {name: snapshot_value(getattr(line, name)) for name in LINE_FIELDS}
                    for line in current.lines
                ]
        try:
            draft = clean_draft(values, lines)
            invoice = services.invoice_update(
                invoice=invoice, by=request.user, draft=draft, reason=str(values.get("reason") or "")
            )
        except ValidationError as error:
            return refusal(error)
        return Response(InvoiceDetailSerializer(invoice).data)


class InvoiceVoidView(CompanyAPIView):
    required_perms = {"POST": Perm.LEDGER_EDIT}

    @extend_schema(
        request=VoidSerializer,
        responses={200: InvoiceDetailSerializer, 400: REFUSED},
        summary="Mark an invoice voided (作废); invoices are never deleted",
    )
    def post(self, request, pk: int):
        invoice = selectors.invoice_get(company=request.company, pk=pk)
        try:
            invoice = services.invoice_void(
                invoice=invoice, by=request.user, reason=str(request.data.get("reason") or "")
            )
        except ValidationError as error:
            return refusal(error)
        return Response(InvoiceDetailSerializer(invoice).data)

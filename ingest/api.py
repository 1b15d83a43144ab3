from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.api import CompanyAPIView
from accounts.roles import Perm
from accounts.services import field_error
from config.uploads import refused_response
from ingest import selectors, services
from ingest.cards import extracted_values
from ingest.serializers import (
    BatchSerializer,
    JobConfirmSerializer,
    JobMoveSerializer,
    JobSerializer,
    UploadSerializer,
)
from invoices.api import REFUSED, refusal
from invoices.drafts import HEADER_FIELDS, clean_draft
from invoices.serializers import InvoiceDetailSerializer


class UploadView(CompanyAPIView):
    required_perms = {"POST": Perm.INGEST_UPLOAD}
    parser_classes = [MultiPartParser]
    upload_limit = "capture"

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={202: BatchSerializer},
        summary="Upload invoice files (PDF, OFD, XML, images, ZIP); each becomes a capture job; an "
        "empty file is refused alone, by name; a file past 50 MB (or 500 MB in all) refuses the upload "
        "(413) before it is read further",
    )
    def post(self, request):
        if (refused := refused_response(request, "files")) is not None:
            return refused
        payload = UploadSerializer(data={"files": request.FILES.getlist("files")})
        payload.is_valid(raise_exception=True)
        uploads = [services.Upload(file.name, file) for file in payload.validated_data["files"]]
        try:
            batch = services.receive_files(
                company=request.company, by=request.user, channel="api", uploads=uploads
            )
        except ValidationError as error:
            return refusal(error)
        return Response(BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class BatchView(CompanyAPIView):
    required_perms = {"GET": Perm.INGEST_UPLOAD}

    @extend_schema(responses=BatchSerializer, summary="An upload and the state of each of its files")
    def get(self, request, pk: int):
        batch = selectors.batch_get(company=request.company, pk=pk)
        return Response(BatchSerializer(batch).data)


class JobView(CompanyAPIView):
    required_perms = {"GET": Perm.INGEST_UPLOAD}

    @extend_schema(responses=JobSerializer, summary="One capture job, with the fields it extracted")
    def get(self, request, pk: int):
        return Response(JobSerializer(selectors.job_get(company=request.company, pk=pk)).data)


class JobRetryView(CompanyAPIView):
    required_perms = {"POST": Perm.INGEST_UPLOAD}

    @extend_schema(request=None, responses={202: JobSerializer}, summary="Read a failed file again")
    def post(self, request, pk: int):
        job = selectors.job_get(company=request.company, pk=pk)
        try:
            job = services.job_retry(job=job, by=request.user)
        except ValidationError as error:
            return refusal(error)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


def _body(request) -> dict:
    return request.data if isinstance(request.data, dict) else {}


class JobConfirmView(CompanyAPIView):
    required_perms = {"POST": Perm.INGEST_UPLOAD}

    @extend_schema(
        request=JobConfirmSerializer,
        responses={201: InvoiceDetailSerializer, 400: REFUSED},
        summary="Confirm a review card into the ledger, with any field corrected; an invoice bought by "
        "another taxpayer needs other_buyer and a reason",
    )
    def post(self, request, pk: int):
        job = selectors.job_get(company=request.company, pk=pk)
        data = _body(request)
        values, lines = extracted_values(job)
        values.update({name: value for name, value in data.items() if name in HEADER_FIELDS})
        if isinstance(data.get("lines"), list):
            lines = [line for line in data["lines"] if isinstance(line, dict)]
        try:
            other_buyer = serializers.BooleanField().to_internal_value(data.get("other_buyer") or False)
        except serializers.ValidationError:
            return refusal(field_error("other_buyer", _("Enter true or false."), "invalid"))
        try:
            invoice = services.job_confirm(
                job=job,
                by=request.user,
                draft=clean_draft(values, lines),
                reason=str(data.get("reason") or ""),
                other_buyer=other_buyer,
                source=services.confirmed_invoice_source(
                    job.stored_file.media, job.extraction.get("sources", [])
                ),
            )
        except ValidationError as error:
            return refusal(error)
        return Response(InvoiceDetailSerializer(invoice).data, status=status.HTTP_201_CREATED)


class JobMoveView(CompanyAPIView):
    required_perms = {"POST": Perm.INGEST_UPLOAD}

    @extend_schema(
        request=JobMoveSerializer,
        responses={202: JobSerializer, 400: REFUSED},
        summary="Send a review card to the user's company the invoice belongs to (its buyer or seller); "
        "answers the job made there",
    )
    def post(self, request, pk: int):
        job = selectors.job_get(company=request.company, pk=pk)
        try:
            moved = services.job_move(job=job, by=request.user, tin=str(_body(request).get("company") or ""))
        except ValidationError as error:
            return refusal(error)
        return Response(JobSerializer(moved).data, status=status.HTTP_202_ACCEPTED)

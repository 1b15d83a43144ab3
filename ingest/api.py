from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.api import CompanyAPIView
from accounts.roles import Perm
from ingest import selectors, services
from ingest.serializers import BatchSerializer, JobSerializer, UploadSerializer
from invoices.api import refusal


class UploadView(CompanyAPIView):
    required_perms = {"POST": Perm.INGEST_UPLOAD}
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={202: BatchSerializer},
        summary="Upload invoice files (PDF, OFD, XML, images, ZIP); each becomes a capture job",
    )
    def post(self, request):
        payload = UploadSerializer(data={"files": request.FILES.getlist("files")})
        payload.is_valid(raise_exception=True)
        uploads = [services.Upload(file.name, file.read()) for file in payload.validated_data["files"]]
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

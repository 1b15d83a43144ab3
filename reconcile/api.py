from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.api import CompanyAPIView
from accounts.roles import Perm
from config.uploads import refused_response
from invoices.api import refusal
from reconcile import decisions, selectors, services
from reconcile.forms import DiscrepancyFilter
from reconcile.serializers import (
    BureauImportSerializer,
    DecideSerializer,
    DiscrepancySerializer,
    ImportUploadSerializer,
    RunSerializer,
    RunStartSerializer,
)


class ImportListView(CompanyAPIView):
    required_perms = {"GET": Perm.RECONCILE, "POST": Perm.BUREAU_IMPORT}
    parser_classes = [MultiPartParser]
    upload_limit = "bureau"

    @extend_schema(responses=BureauImportSerializer(many=True), summary="The company's bureau imports")
    def get(self, request):
        return Response(
            BureauImportSerializer(selectors.import_queryset(company=request.company)[:100], many=True).data
        )

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: BureauImportSerializer, 200: BureauImportSerializer},
        summary="Upload a bureau export; it is read in the background and then reconciled",
    )
    def post(self, request):
        if (refused := refused_response(request, "file")) is not None:
            return refused
        payload = ImportUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        try:
            bureau_import, created = services.bureau_import_create(
                company=request.company,
                by=request.user,
                name=upload.name,
                data=upload,
                direction=payload.validated_data["direction"],
                as_of=payload.validated_data["as_of"],
            )
        except ValidationError as error:
            return refusal(error)
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(BureauImportSerializer(bureau_import).data, status=code)


class ImportView(CompanyAPIView):
    required_perms = {"GET": Perm.RECONCILE}

    @extend_schema(responses=BureauImportSerializer, summary="One bureau import")
    def get(self, request, pk: int):
        return Response(BureauImportSerializer(selectors.import_get(company=request.company, pk=pk)).data)


class RunListView(CompanyAPIView):
    required_perms = {"GET": Perm.RECONCILE, "POST": Perm.RECONCILE}

    @extend_schema(responses=RunSerializer(many=True), summary="The company's reconciliations")
    def get(self, request):
        return Response(RunSerializer(selectors.run_queryset(company=request.company)[:100], many=True).data)

    @extend_schema(
        request=RunStartSerializer, responses={202: RunSerializer}, summary="Reconcile an import again"
    )
    def post(self, request):
        payload = RunStartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        bureau_import = selectors.import_get(
            company=request.company, pk=payload.validated_data["bureau_import"]
        )
        try:
            run = services.run_start(company=request.company, by=request.user, bureau_import=bureau_import)
        except ValidationError as error:
            return refusal(error)
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RunView(CompanyAPIView):
    required_perms = {"GET": Perm.RECONCILE}

    @extend_schema(responses=RunSerializer, summary="One reconciliation, with its counts per category")
    def get(self, request, pk: int):
        return Response(RunSerializer(selectors.run_get(company=request.company, pk=pk)).data)


class DiscrepancyListView(CompanyAPIView, ListAPIView):
    required_perms = {"GET": Perm.RECONCILE}
    serializer_class = DiscrepancySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DiscrepancyFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.discrepancy_none()
        return self.run().discrepancies.select_related("invoice", "bureau_invoice")

    def run(self):
        return selectors.run_get(company=self.request.company, pk=self.kwargs["pk"])

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["direction"] = self.run().bureau_import.direction
        return context

    @extend_schema(summary="A reconciliation's discrepancies (all but matched unless asked)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DecideView(CompanyAPIView):
    required_perms = {"POST": Perm.DISCREPANCY_RESOLVE}

    @extend_schema(
        request=DecideSerializer,
        responses=inline_serializer(
            "DecisionOutcome",
            {
                "done": serializers.ListField(child=serializers.IntegerField()),
                "refused": serializers.ListField(child=serializers.DictField()),
            },
        ),
        summary="Decide one or many discrepancies",
    )
    def post(self, request):
        payload = DecideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        queryset = selectors.discrepancy_queryset(company=request.company)
        chosen = list(queryset.filter(pk__in=data["ids"]))
        counterpart = (
            selectors.discrepancy_get(company=request.company, pk=data["counterpart"])
            if data["counterpart"]
            else None
        )
        try:
            outcome = decisions.decide(
                company=request.company,
                by=request.user,
                discrepancies=chosen,
                action=data["action"],
                reason=data["reason"],
                counterpart=counterpart,
            )
        except ValidationError as error:
            return refusal(error)
        return Response(
            {
                "done": [item.pk for item in outcome.done],
                "refused": [{"id": item.pk, "reason": why} for item, why in outcome.refused],
            }
        )

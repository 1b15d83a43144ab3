from django.utils import timezone
from rest_framework import serializers

from reconcile.messages import as_of_problem, import_error
from reconcile.models import BureauImport, Discrepancy, ReconRun


class BureauImportSerializer(serializers.ModelSerializer):
    file = serializers.CharField(source="stored_file.name")
    sha256 = serializers.CharField(source="stored_file.sha256")
    error = serializers.SerializerMethodField(
        help_text="Why the export was refused, in the request's language"
    )

    class Meta:
        model = BureauImport
        fields = [
            "id",
            "file",
            "sha256",
            "state",
            "error_code",
            "error_params",
            "error",
            "direction",
            "layout",
            "period_start",
            "period_end",
            "as_of",
            "row_count",
            "problems",
            "created_at",
        ]

    def get_error(self, bureau_import: BureauImport) -> str:
        return (
            import_error(bureau_import.error_code, bureau_import.error_params)
            if bureau_import.error_code
            else ""
        )


class RunSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReconRun
        fields = [
            "id",
            "bureau_import",
            "state",
            "progress",
            "counts",
            "created_at",
            "started_at",
            "finished_at",
        ]


class DiscrepancySerializer(serializers.ModelSerializer):
    class Meta:
        model = Discrepancy
        fields = [
            "id",
            "run",
            "category",
            "flags",
            "invoice",
            "bureau_invoice",
            "identity",
            "counterparty_tin",
            "counterparty_name",
            "issue_date",
            "total",
            "tax_at_risk",
            "suggestion",
            "rule",
            "compared",
            "candidates",
            "days_missing",
            "change",
            "state",
            "reason",
            "decided_at",
        ]


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    direction = serializers.ChoiceField(choices=["", "purchase", "sales"], required=False, default="")
    as_of = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_as_of(self, as_of):
        """Also keeps out moments that could not even be written back as RFC 3339 (year 188)."""
        problem = as_of and as_of_problem(timezone.localdate(as_of))
        if problem:
            raise serializers.ValidationError(problem, code="as_of_out_of_range")
        return as_of


class RunStartSerializer(serializers.Serializer):
    bureau_import = serializers.IntegerField()


class DecideSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=10_000)
    action = serializers.ChoiceField(
        choices=["accept_bureau", "add_to_ledger", "link", "resolve", "ignore", "reopen"]
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    counterpart = serializers.IntegerField(required=False, allow_null=True, default=None)

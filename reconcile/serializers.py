from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reconcile.messages import as_of_problem, import_error
from reconcile.models import BureauImport, Discrepancy, ReconRun
from reconcile.presenting import explained


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
            "query_start",
            "query_end",
            "exported_at",
            "as_of",
            "as_of_source",
            "row_count",
            "problems",
            "created_at",
        ]
        extra_kwargs = {
            "period_start": {"help_text": "The earliest issue date among the export's invoices"},
            "period_end": {"help_text": "The latest issue date among the export's invoices"},
            "query_start": {"help_text": "The first issue date the export was asked for, from its title"},
            "query_end": {"help_text": "The last issue date the export was asked for, from its title"},
            "exported_at": {"help_text": "When the export was taken (导出时间), from its title"},
            "as_of_source": {
                "help_text": "Where as_of comes from: typed on upload, the export time in the title, "
                "or the moment of upload ('' for imports made before this was recorded)"
            },
        }

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
            "scope_start",
            "scope_end",
            "left_out_earlier",
            "left_out_later",
            "created_at",
            "started_at",
            "finished_at",
        ]
        extra_kwargs = {
            "scope_start": {"help_text": "The first issue date compared"},
            "scope_end": {"help_text": "The last issue date compared: the export's as-of day at the latest"},
            "left_out_earlier": {"help_text": "Ledger invoices not compared: issued before scope_start"},
            "left_out_later": {"help_text": "Ledger invoices not compared: issued after scope_end"},
        }


class DiscrepancySerializer(serializers.ModelSerializer):
    explanation = serializers.SerializerMethodField(
        help_text="The case in sentences, in the caller's language: what differs, by how much, the correction"
    )

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
            "explanation",
            "rule",
            "compared",
            "candidates",
            "days_missing",
            "change",
            "state",
            "reason",
            "decided_at",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_explanation(self, discrepancy: Discrepancy) -> list[str]:
        return [str(sentence) for sentence in explained(discrepancy, direction=self.context.get("direction"))]


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    direction = serializers.ChoiceField(choices=["", "purchase", "sales"], required=False, default="")
    as_of = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the export was taken. Left out: the export time in its title (导出时间), else now",
    )

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

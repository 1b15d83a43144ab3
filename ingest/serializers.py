from rest_framework import serializers

from ingest.messages import reason_text, refusal_text
from ingest.models import IngestBatch, IngestJob
from invoices.serializers import InvoiceInputSerializer


class JobSerializer(serializers.ModelSerializer):
    file = serializers.CharField(source="display_name")
    sha256 = serializers.CharField(source="stored_file.sha256")
    media = serializers.CharField(source="stored_file.media")
    invoice = serializers.IntegerField(source="invoice_id", allow_null=True)
    duplicate_of = serializers.IntegerField(
        source="duplicate_of_id", allow_null=True, help_text="The earlier job of the same file or invoice."
    )
    reason = serializers.SerializerMethodField()

    class Meta:
        model = IngestJob
        fields = [
            "id",
            "batch",
            "file",
            "sha256",
            "media",
            "part",
            "state",
            "reason_code",
            "reason",
            "invoice",
            "duplicate_of",
            "extraction",
            "created_at",
            "finished_at",
        ]

    def get_reason(self, job: IngestJob) -> str:
        return reason_text(job.reason_code, job.reason_params)


class RefusedFileSerializer(serializers.Serializer):
    file = serializers.CharField(source="params.name")
    code = serializers.CharField()
    reason = serializers.SerializerMethodField()

    def get_reason(self, refusal: dict) -> str:
        return refusal_text(refusal)


class BatchSerializer(serializers.ModelSerializer):
    jobs = JobSerializer(many=True, read_only=True)
    refused = RefusedFileSerializer(
        many=True, read_only=True, help_text="Files of the upload that were not kept (empty, too large)."
    )

    class Meta:
        model = IngestBatch
        fields = ["id", "channel", "created_at", "jobs", "refused"]


class UploadSerializer(serializers.Serializer):
    # An empty file is refused alone, by name, in the answer's `refused`; the others are kept.
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), allow_empty=False, max_length=500
    )


class JobConfirmSerializer(InvoiceInputSerializer):
    """Confirming a review card: a field given replaces what was read, the others are kept."""

    other_buyer = serializers.BooleanField(
        required=False,
        help_text="File an invoice whose buyer is another taxpayer in this company's ledger anyway "
        "(a reason is then required).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class JobMoveSerializer(serializers.Serializer):
    company = serializers.CharField(help_text="The taxpayer ID of the user's company the invoice belongs to.")

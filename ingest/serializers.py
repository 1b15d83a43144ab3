from rest_framework import serializers

from ingest.messages import reason_text
from ingest.models import IngestBatch, IngestJob


class JobSerializer(serializers.ModelSerializer):
    file = serializers.CharField(source="stored_file.name")
    sha256 = serializers.CharField(source="stored_file.sha256")
    media = serializers.CharField(source="stored_file.media")
    invoice = serializers.IntegerField(source="invoice_id", allow_null=True)
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
            "extraction",
            "created_at",
            "finished_at",
        ]

    def get_reason(self, job: IngestJob) -> str:
        return reason_text(job.reason_code, job.reason_params)


class BatchSerializer(serializers.ModelSerializer):
    jobs = JobSerializer(many=True, read_only=True)

    class Meta:
        model = IngestBatch
        fields = ["id", "channel", "created_at", "jobs"]


class UploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False, max_length=500)

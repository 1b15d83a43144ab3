from rest_framework import serializers

from invoices.findings import readable
from invoices.models import KIND_CHOICES, Direction, Invoice, InvoiceEvent, InvoiceLine
from invoices.selectors import invoice_events


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = [
            "item_name",
            "tax_classification_code",
            "spec",
            "unit",
            "quantity",
            "unit_price",
            "amount",
            "rate",
            "tax",
        ]


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning", "info"])
    field = serializers.CharField(allow_blank=True)
    params = serializers.DictField(child=serializers.CharField())
    message = serializers.CharField()


class EventSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", default=None)

    class Meta:
        model = InvoiceEvent
        fields = ["seq", "action", "user", "at", "reason", "changes"]


class InvoiceSerializer(serializers.ModelSerializer):
    lines = LineSerializer(many=True, read_only=True)
    findings = serializers.SerializerMethodField()
    blue_original = serializers.CharField(
        source="blue_original.identity", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Invoice
        fields = [
            "id",
            "direction",
            "kind",
            "code",
            "number",
            "digital_number",
            "identity",
            "issue_date",
            "seller_name",
            "seller_tin",
            "buyer_name",
            "buyer_tin",
            "amount",
            "tax",
            "total",
            "total_in_words",
            "check_code",
            "remarks",
            "drawer",
            "status",
            "is_red",
            "blue_identity",
            "blue_original",
            "deduction",
            "deduction_period",
            "not_deductible_reason",
            "source",
            "error_count",
            "warning_count",
            "findings",
            "lines",
            "created_at",
            "updated_at",
        ]

    def get_findings(self, invoice: Invoice) -> list[dict]:
        return FindingSerializer(readable(invoice.findings), many=True).data


class InvoiceDetailSerializer(InvoiceSerializer):
    history = serializers.SerializerMethodField()

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "history"]

    def get_history(self, invoice: Invoice) -> list[dict]:
        return EventSerializer(invoice_events(invoice=invoice), many=True).data


class LineInputSerializer(serializers.Serializer):
    item_name = serializers.CharField()
    tax_classification_code = serializers.CharField(required=False, allow_blank=True)
    spec = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True)
    quantity = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    unit_price = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    amount = serializers.CharField(help_text='A decimal string, e.g. "1000.00".')
    rate = serializers.CharField(help_text='"0.13", "0.06" … or "免税" / "不征税".')
    tax = serializers.CharField()


class InvoiceInputSerializer(serializers.Serializer):
    """Documents what create and update take; invoices.drafts does the cleaning so that the API,
    the forms and the importer refuse the same things with the same codes."""

    direction = serializers.ChoiceField(choices=Direction.choices)
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    code = serializers.CharField(required=False, allow_blank=True)
    number = serializers.CharField()
    digital_number = serializers.CharField(required=False, allow_blank=True)
    issue_date = serializers.DateField()
    seller_name = serializers.CharField()
    seller_tin = serializers.CharField()
    buyer_name = serializers.CharField()
    buyer_tin = serializers.CharField(required=False, allow_blank=True)
    amount = serializers.CharField()
    tax = serializers.CharField()
    total = serializers.CharField()
    total_in_words = serializers.CharField(required=False, allow_blank=True)
    check_code = serializers.CharField(required=False, allow_blank=True)
    remarks = serializers.CharField(required=False, allow_blank=True)
    drawer = serializers.CharField(required=False, allow_blank=True)
    qr_payload = serializers.CharField(required=False, allow_blank=True)
    is_red = serializers.BooleanField(required=False)
    blue_identity = serializers.CharField(required=False, allow_blank=True)
    lines = LineInputSerializer(many=True, required=False)
    reason = serializers.CharField(required=False, allow_blank=True)


class ErrorFindingsSerializer(serializers.Serializer):
    findings = FindingSerializer(many=True)


class UnreadableRequestSerializer(serializers.Serializer):
    """The answer to a body that cannot be parsed, given before the invoice is looked at."""

    detail = serializers.CharField()


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField()

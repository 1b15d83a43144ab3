from django.contrib import admin

from invoices.models import Invoice, InvoiceEvent


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Read-only: every change goes through the ledger's pages or API, which audit it."""

    list_display = [
        "identity",
        "company",
        "direction",
        "kind",
        "issue_date",
        "total",
        "status",
        "error_count",
    ]
    list_filter = ["direction", "kind", "status"]
    search_fields = ["identity", "number", "seller_tin", "buyer_tin", "counterparty_name"]
    list_select_related = ["company"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InvoiceEvent)
class InvoiceEventAdmin(InvoiceAdmin):
    list_display = ["seq", "company", "invoice", "action", "user", "at"]
    list_filter = ["action"]
    search_fields = ["invoice__identity", "reason"]
    list_select_related = ["company", "invoice", "user"]

"""A discrepancy shown as the two records side by side, the fields that differ marked, each value
written as the ledger's pages write it (amounts grouped, statuses in words)."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from invoices.models import Status
from reconcile.models import Discrepancy

FIELDS = [
    ("identity", _("Invoice")),
    ("issue_date", _("Issue date")),
    ("seller_name", _("Seller")),
    ("seller_tin", _("Seller taxpayer ID")),
    ("buyer_name", _("Buyer")),
    ("buyer_tin", _("Buyer taxpayer ID")),
    ("amount", _("Amount")),
    ("tax", _("Tax")),
    ("total", _("Total")),
    ("status", _("Status")),
]
MONEY = {"amount", "tax", "total"}
STATUS_LABELS = dict(Status.choices)


def shown(name: str, value: object) -> str:
    """A field's value as a page shows it; a suggestion (text) in the same form as the field."""
    if value is None or value == "":
        return ""
    if name in MONEY:
        try:
            return number_format(Decimal(str(value)), 2, force_grouping=True)
        except InvalidOperation:
            return str(value)
    if name == "status":
        return str(STATUS_LABELS.get(value, value))
    if isinstance(value, date):
        return date_format(value, "Y-m-d")
    return str(value)


def side_by_side(discrepancy: Discrepancy) -> list[dict]:
    ledger, bureau = discrepancy.invoice, discrepancy.bureau_invoice
    rows = []
    for name, label in FIELDS:
        ours = getattr(ledger, name) if ledger else None
        theirs = getattr(bureau, name) if bureau else None
        rows.append(
            {
                "label": label,
                "ledger": shown(name, ours),
                "bureau": shown(name, theirs),
                "differs": ledger is not None and bureau is not None and ours != theirs,
                "suggested": shown(name, discrepancy.suggestion.get(name)),
            }
        )
    return rows

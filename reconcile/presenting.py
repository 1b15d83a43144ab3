"""A discrepancy shown as the two records side by side, the fields that differ marked."""

from django.utils.translation import gettext_lazy as _

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


def side_by_side(discrepancy: Discrepancy) -> list[dict]:
    ledger, bureau = discrepancy.invoice, discrepancy.bureau_invoice
    rows = []
    for name, label in FIELDS:
        ours = getattr(ledger, name) if ledger else None
        theirs = getattr(bureau, name) if bureau else None
        rows.append(
            {
                "label": label,
                "ledger": "" if ours is None else ours,
                "bureau": "" if theirs is None else theirs,
                "differs": ledger is not None and bureau is not None and ours != theirs,
                "suggested": discrepancy.suggestion.get(name),
            }
        )
    return rows

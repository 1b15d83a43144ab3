"""A discrepancy shown as the two records side by side, the fields that differ marked, each value
written as the ledger's pages write it (amounts grouped, statuses in words)."""

from datetime import date
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from invoices.fapiao import invoice_identity
from invoices.models import Status
from reconcile.explaining import explain
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


def _suggested(discrepancy: Discrepancy, name: str) -> str:
    suggestion = discrepancy.suggestion
    if name == "identity" and ("number" in suggestion or "code" in suggestion):
        ledger = discrepancy.invoice
        code = suggestion.get("code", ledger.code if ledger else "")
        number = suggestion.get("number", ledger.number if ledger else "")
        return invoice_identity(code, number)
    return shown(name, suggestion.get(name))


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
                "suggested": _suggested(discrepancy, name),
            }
        )
    return rows


_PARSED = {"amount": Decimal, "tax": Decimal, "total": Decimal, "issue_date": date.fromisoformat}
SNAPSHOT = ("code", "number", "identity", *_PARSED, "seller_tin", "buyer_tin", "status")


def as_compared(discrepancy: Discrepancy) -> tuple[object | None, object | None]:
    """The two records as the run compared them: a decision taken since (the ledger corrected to
    the bureau's values) does not rewrite what was found."""
    sides = []
    for index, record in enumerate((discrepancy.invoice, discrepancy.bureau_invoice)):
        if record is None:
            sides.append(None)
            continue
        values = {name: getattr(record, name) for name in SNAPSHOT}
        for name, pair in discrepancy.compared.items():
            if name in values:
                values[name] = _PARSED.get(name, str)(pair[index])
        if index == 0 and discrepancy.identity != values["identity"]:  # its number corrected since
            code, _colon, number = discrepancy.identity.rpartition(":")
            values.update(identity=discrepancy.identity, code=code, number=number)
        sides.append(SimpleNamespace(**values))
    return sides[0], sides[1]


def explained(discrepancy: Discrepancy, *, direction: str | None = None) -> list[str]:
    """The discrepancy as a case, in sentences (reconcile/explaining.py)."""
    ledger, bureau = as_compared(discrepancy)
    return explain(
        discrepancy.category,
        discrepancy.flags,
        ledger,
        bureau,
        discrepancy.suggestion,
        days_missing=discrepancy.days_missing,
        direction=direction or discrepancy.run.bureau_import.direction,
        candidates=len(discrepancy.candidates),
    )

"""What the reconciliation compares: an invoice as the ledger or the bureau states it, normalised so
the two sides compare equal when they agree, and what the comparison concluded. Pure: no Django."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

CATEGORIES = (
    "matched",
    "status_changed",
    "mismatch",
    "number_typo",
    "tin_error",
    "suspected",
    "missing_in_bureau",
    "pending_sync",
    "missing_in_ledger",
    "duplicate_in_ledger",
    "duplicate_in_bureau",
    "ambiguous",
)
STATUSES = ("normal", "voided", "red_flushed_full", "red_flushed_partial")


# Records and results are made by the hundred thousand: slotted, not frozen (a frozen dataclass
# takes eight times as long to build). Treat them as values: dataclasses.replace, never assign.


@dataclass(slots=True)
class InvoiceRecord:
    """One invoice on one side. `key` identifies it on its side (the ledger invoice's id, the bureau
    row's id) so results can be tied back; everything else is data, normalised by the caller:
    identifiers as invoices.fapiao.normalize_id makes them, amounts Decimal with two places."""

    key: str
    code: str
    number: str  # the 20-digit number for 数电 invoices
    digital_number: str  # the 数电 number a 数电 paper invoice carries beside its code and number
    identity: str  # invoices.fapiao.invoice_identity(code, number, digital_number)
    kind: str  # an invoices.fapiao.Kind value
    issue_date: date
    seller_tin: str
    seller_name: str
    buyer_tin: str
    buyer_name: str
    amount: Decimal
    tax: Decimal
    total: Decimal
    status: str = "normal"  # one of STATUSES
    is_red: bool = False
    blue_identity: str = ""  # the blue original a red invoice flushes, when known

    def counterparty_tin(self, direction: str) -> str:
        return self.seller_tin if direction == "purchase" else self.buyer_tin

    def own_tin(self, direction: str) -> str:
        """The company's side of the invoice: the buyer of a purchase, the seller of a sale."""
        return self.buyer_tin if direction == "purchase" else self.seller_tin


@dataclass(slots=True)
class Result:
    """One conclusion: a pair, or a record left alone on its side."""

    category: str  # one of CATEGORIES
    ledger_key: str | None
    bureau_key: str | None
    flags: tuple[str, ...] = ()
    suggestion: dict[str, str] = field(default_factory=dict)  # ledger field -> the value to correct it to
    rule: str = (
        ""  # which pass and rule concluded it, e.g. "identity:equal" (listed in reconcile/matching.py)
    )
    # field -> (ledger value, bureau value) for every key field of a pair; empty for a plain match
    # (rule identity:equal), whose key fields all compared equal.
    compared: dict[str, tuple[str, str]] = field(default_factory=dict)
    candidates: tuple[str, ...] = ()  # the other side's keys an ambiguous record could pair with
    days_missing: int | None = None  # missing_in_bureau / pending_sync: days from issue to the import's as-of

"""An invoice as a user, a file or a program gives it, made clean enough to store: required fields
present, identifiers normalised, amounts Decimal with two places, dates real dates.

Whether the invoice obeys the fapiao rules is not decided here: that is validation.py, whose
findings are stored with the invoice. Here a problem means the record cannot be stored at all."""

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from invoices.fapiao import Kind, invoice_identity, normalize_id, normalize_text
from invoices.models import Direction
from invoices.rates import typed_rate
from invoices.validation import LineData as LineDraft

TWO_PLACES = Decimal("0.01")
MAX_MONEY = Decimal("9999999999999999.99")
RATE_WORDS = {"免税": "免税", "不征税": "不征税", "***": "免税"}


@dataclass(frozen=True)
class InvoiceDraft:
    direction: str
    kind: str
    code: str
    number: str
    digital_number: str
    issue_date: date
    seller_name: str
    seller_tin: str
    buyer_name: str
    buyer_tin: str
    amount: Decimal
    tax: Decimal
    total: Decimal
    total_in_words: str
    check_code: str
    remarks: str
    drawer: str
    qr_payload: str
    is_red: bool
    blue_identity: str
    lines: tuple[LineDraft, ...]

    @property
    def identity(self) -> str:
        return invoice_identity(self.code, self.number, self.digital_number)

    def header(self) -> dict:
        """The header fields as the Invoice model names them."""
        return {field.name: getattr(self, field.name) for field in fields(self) if field.name != "lines"}


HEADER_FIELDS = tuple(field.name for field in fields(InvoiceDraft) if field.name != "lines")
LINE_FIELDS = tuple(field.name for field in fields(LineDraft))


class _Cleaner:
    """Collects every problem of one draft instead of stopping at the first."""

    def __init__(self, values: dict, prefix: str = ""):
        self.values = values
        self.prefix = prefix
        self.errors: dict[str, list[ValidationError]] = {}

    def fail(self, name: str, message, code: str, **params):
        self.errors.setdefault(self.prefix + name, []).append(
            ValidationError(message, code=code, params=params)
        )

    def text(self, name: str, *, required: bool = False, max_length: int = 200) -> str:
        value = " ".join(normalize_text(str(self.values.get(name) or "")).split())
        if required and not value:
            self.fail(name, _("This field is required."), "required")
        elif len(value) > max_length:
            self.fail(name, _("At most %(max)d characters."), "max_length", max=max_length)
        return value

    def identifier(self, name: str, *, required: bool = False, max_length: int = 20) -> str:
        value = normalize_id(str(self.values.get(name) or ""))
        if required and not value:
            self.fail(name, _("This field is required."), "required")
        elif len(value) > max_length:
            self.fail(name, _("At most %(max)d characters."), "max_length", max=max_length)
        return value

    def choice(self, name: str, choices) -> str:
        value = str(self.values.get(name) or "").strip()
        if value not in choices:
            self.fail(name, _("Choose one of the listed values."), "invalid_choice")
        return value

    def money(self, name: str, *, required: bool = True) -> Decimal | None:
        return self._decimal(name, required=required, money=True)

    def quantity(self, name: str) -> Decimal | None:
        return self._decimal(name, required=False, money=False)

    def _decimal(self, name: str, *, required: bool, money: bool) -> Decimal | None:
        raw = self.values.get(name)
        if raw is None or raw == "":
            if required:
                self.fail(name, _("This field is required."), "required")
            return None
        try:
            value = Decimal(normalize_text(str(raw)).replace(",", ""))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.fail(name, _("Enter a number."), "invalid")
            return None
        if not money:
            return value
        if value != value.quantize(TWO_PLACES) or abs(value) > MAX_MONEY:
            self.fail(name, _("Enter an amount with at most two decimal places."), "invalid")
            return None
        return value.quantize(TWO_PLACES)

    def date(self, name: str) -> date | None:
        raw = self.values.get(name)
        if isinstance(raw, date):
            return raw
        try:
            parsed = parse_date(str(raw or "").strip()) if raw else None
        except ValueError:  # well formed but not a real day, like 2026-13-01
            parsed = None
        if parsed is None:
            self.fail(name, _("Enter a date as YYYY-MM-DD."), "invalid" if raw else "required")
        return parsed

    def flag(self, name: str) -> bool:
        raw = self.values.get(name)
        return raw is True or str(raw).strip().lower() in {"true", "1", "on", "yes", "是"}

    def rate(self, name: str) -> str:
        raw = normalize_text(str(self.values.get(name) or "")).replace(" ", "")
        if raw in RATE_WORDS:
            return RATE_WORDS[raw]
        try:
            value = typed_rate(raw)
        except InvalidOperation:
            self.fail(name, _("Enter a rate such as 13%, or 免税 / 不征税."), "invalid")
            return raw
        if not 0 <= value < 1:
            self.fail(name, _("Enter a rate such as 13%, or 免税 / 不征税."), "invalid")
        return format(value.normalize(), "f")


def clean_draft(values: dict, lines: list[dict] | tuple = ()) -> InvoiceDraft:
    """An InvoiceDraft from loosely typed values, or ValidationError naming every bad field
    (lines as `lines[0].amount`)."""
    cleaner = _Cleaner(values)
    header = {
        "direction": cleaner.choice("direction", Direction.values),
        "kind": cleaner.choice("kind", [kind.value for kind in Kind]),
        "code": cleaner.identifier("code", max_length=12),
        "number": cleaner.identifier("number", required=True),
        "digital_number": cleaner.identifier("digital_number"),
        "issue_date": cleaner.date("issue_date"),
        "seller_name": cleaner.text("seller_name", required=True),
        "seller_tin": cleaner.identifier("seller_tin", required=True),
        "buyer_name": cleaner.text("buyer_name", required=True),
        "buyer_tin": cleaner.identifier("buyer_tin"),
        "amount": cleaner.money("amount"),
        "tax": cleaner.money("tax"),
        "total": cleaner.money("total"),
        "total_in_words": cleaner.text("total_in_words", max_length=80),
        "check_code": cleaner.identifier("check_code"),
        "remarks": str(values.get("remarks") or "").strip(),
        "drawer": cleaner.text("drawer", max_length=50),
        "qr_payload": str(values.get("qr_payload") or "").strip()[:500],
        "is_red": cleaner.flag("is_red"),
        "blue_identity": cleaner.identifier("blue_identity", max_length=40),
    }
    line_drafts = tuple(_clean_line(line, position, cleaner.errors) for position, line in enumerate(lines))
    if cleaner.errors:
        raise ValidationError(cleaner.errors)
    return InvoiceDraft(**header, lines=line_drafts)


def _clean_line(values: dict, position: int, errors: dict) -> LineDraft | None:
    cleaner = _Cleaner(values, prefix=f"lines[{position}].")
    cleaner.errors = errors
    return LineDraft(
        item_name=cleaner.text("item_name", required=True),
        tax_classification_code=cleaner.identifier("tax_classification_code", max_length=19),
        spec=cleaner.text("spec", max_length=100),
        unit=cleaner.text("unit", max_length=20),
        quantity=cleaner.quantity("quantity"),
        unit_price=cleaner.quantity("unit_price"),
        amount=cleaner.money("amount"),
        rate=cleaner.rate("rate"),
        tax=cleaner.money("tax"),
    )


def draft_from_invoice(invoice) -> InvoiceDraft:
    """The stored invoice as a draft, to check it again against the rules."""
    return InvoiceDraft(
        **{name: getattr(invoice, name) for name in HEADER_FIELDS},
        lines=tuple(
            LineDraft(**{name: getattr(line, name) for name in LINE_FIELDS}) for line in invoice.lines.all()
        ),
    )

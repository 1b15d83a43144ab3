"""Which invoices take a deduction state (抵扣勾选, docs/fapiao-rules.md §7): purchase invoices of a
kind the bureau's ticking page lists (专票, 通行费电子普票, 机动车), not red, and not voided, fully
red-flushed, or otherwise blocked. Ticking anything else is refused; its deduction reads 不适用."""

from django.utils.translation import gettext as _

from invoices.fapiao import Kind
from invoices.models import FLUSHED, Deduction, Direction, Invoice

DEDUCTIBLE_KINDS = frozenset(
    {
        Kind.SPECIAL,
        Kind.E_SPECIAL,
        Kind.DIGITAL_SPECIAL,
        Kind.DIGITAL_PAPER_SPECIAL,
        Kind.TOLL,
        Kind.MOTOR_VEHICLE,
    }
)


def why_not_deductible(invoice: Invoice) -> str:
    """Why the invoice cannot be ticked, in the reader's language; "" when it can."""
    if invoice.direction != Direction.PURCHASE:
        return _("Only purchase invoices are deducted.")
    if invoice.is_red:
        return _("A red invoice is not ticked: it takes back the tax of its blue original.")
    if invoice.status in FLUSHED:
        return _("A voided or fully red-flushed invoice cannot be ticked for deduction.")
    if invoice.kind == Kind.DIGITAL_UNKNOWN:
        return _("Confirm whether this 数电 invoice is a special or an ordinary invoice before ticking it.")
    if invoice.kind not in DEDUCTIBLE_KINDS:
        return _(
            "Only special invoices (专票), toll invoices and motor vehicle invoices are ticked for "
            "deduction, not a %(kind)s."
        ) % {"kind": invoice.get_kind_display()}
    return ""


def deduction_applies(invoice: Invoice) -> bool:
    return not why_not_deductible(invoice)


def deduction_problem(invoice: Invoice, deduction: str) -> str:
    """Why the invoice cannot take this deduction state; "" when it can. Unticking is always allowed,
    so that a tick set before the invoice was voided can be taken back."""
    if deduction == Deduction.UNTICKED:
        return ""
    return why_not_deductible(invoice)

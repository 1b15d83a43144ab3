"""Whose invoice a captured file is: the company's own only when it is the seller (a sale) or the
buyer (a purchase). An invoice between two other taxpayers is filed under them at the bureau, so it
never belongs in this company's books without someone deciding so. Pure: no Django."""

from dataclasses import dataclass

from invoices.fapiao import invoice_identity, normalize_id


@dataclass(frozen=True)
class OtherParty:
    """The taxpayer the invoice belongs to instead: its buyer, as the file names it."""

    name: str
    tin: str


def other_party(company_tin: str, values: dict) -> OtherParty | None:
    """None when the company is the invoice's seller or buyer, else the buyer it names."""
    company = normalize_id(company_tin)
    seller, buyer = (normalize_id(str(values.get(name) or "")) for name in ("seller_tin", "buyer_tin"))
    if company in (seller, buyer):
        return None
    return OtherParty(name=" ".join(str(values.get("buyer_name") or "").split()), tin=buyer)


def party_tins(values: dict) -> set[str]:
    """The taxpayer IDs of both sides of the invoice (a company of the user's may be either)."""
    tins = (normalize_id(str(values.get(name) or "")) for name in ("seller_tin", "buyer_tin"))
    return {tin for tin in tins if tin}


def identity_of(values: dict) -> str:
    """The invoice's identity from extracted values that may not make a whole draft; "" when the
    number was not read."""
    code, number, digital = (
        normalize_id(str(values.get(name) or "")) for name in ("code", "number", "digital_number")
    )
    return invoice_identity(code, number, digital) if number or digital else ""

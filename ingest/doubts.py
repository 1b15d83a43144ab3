"""Why a field read from a file is not certain, in words for the reviewer; and the doubt the
company's own records lift: a taxpayer ID OCR could not prove that is one the company already
knows (its own, or a counterparty of its invoices)."""

from dataclasses import replace

from django.utils.translation import gettext_lazy as _

from accounts.models import Company
from ingest.extract.base import Doubt, Field
from ingest.extract.merge import Merged
from ingest.extract.tins import fits
from invoices import selectors as ledger_selectors

DOUBTS = {
    "sum_unconfirmed": _("Amount plus tax does not give the total as read: compare them with the original."),
    "total_unconfirmed": _(
        "No second reading confirms the total: the figures (小写) and the words (大写) disagree or one "
        "could not be read, and amount plus tax does not give it."
    ),
    "derived": _("Not read: computed as the total less the other amount."),
    "ambiguous": _("More than one reading fits the arithmetic: %(values)s."),
    "words_unreadable": _("The amount in words (大写) could not be read in full, so it was not used."),
    "words_disagree": _("The amount in words (大写) does not agree with the total."),
    "tin_check_failed": _(
        "The check character of this taxpayer ID does not match (%(expected)s expected): a seal or a "
        "smudge may hide a character. Compare it with the original."
    ),
    "tin_swapped": _(
        "Read as %(read)s and corrected, one 8 for B or 0 for D (or back), because the check character "
        "then matches; a seal or a smudge can make that happen by chance. Compare it with the original."
    ),
    "tin_extra": _(
        "%(length)s characters were read where a taxpayer ID has 18: a seal or a smudge may have added "
        "one. The first 18 are shown; compare them with the original."
    ),
    "tin_known_fits": _(
        "Read as %(read)s, which a seal or a smudge may have damaged; the taxpayer ID shown is the one "
        "%(name)s has in the ledger, which that reading could be. Check it against the original."
    ),
    "tin_unproven": _(
        "Only %(length)s characters were read. An old taxpayer ID of that length has no check character "
        "to prove it, and an 18-character one partly hidden by the seal reads the same. Compare it with "
        "the original."
    ),
}
TIN_DOUBTS = frozenset({"tin_check_failed", "tin_extra", "tin_swapped", "tin_unproven"})
TIN_FIELDS = ("seller_tin", "buyer_tin")
PARTY_NAMES = {"seller_tin": "seller_name", "buyer_tin": "buyer_name"}
KNOWN = 0.95  # the confidence of a taxpayer ID the company's records know


def field_json(field: Field) -> dict:
    """A field as a job's extraction stores it."""
    stored = {"value": field.value, "source": field.source, "confidence": field.confidence}
    if field.doubt:
        stored["doubt"] = {"code": field.doubt.code, "params": dict(field.doubt.params)}
    return stored


def doubt_text(stored: dict | None) -> str:
    """The reviewer's sentence for a stored doubt ("" for none, or one of a code no longer known)."""
    if not stored or stored.get("code") not in DOUBTS:
        return ""
    message = DOUBTS[stored["code"]]
    params = stored.get("params") or {}
    return str(message % params) if params else str(message)


def accept_known_tins(merged: Merged, company: Company) -> Merged:
    """The merged reading with the doubt lifted from each taxpayer ID the company already knows; one
    it does not know becomes, still doubted, the ID the company knows under the party's name when
    the reading could be a damaged copy of it."""
    doubted = {
        name: field
        for name in TIN_FIELDS
        if (field := merged.fields.get(name)) and field.doubt and field.doubt.code in TIN_DOUBTS
    }
    if not doubted:
        return merged
    known = ledger_selectors.known_tins(company=company, tins=[field.value for field in doubted.values()])
    for name, field in doubted.items():
        if field.value in known:
            merged.fields[name] = replace(field, confidence=max(field.confidence, KNOWN), doubt=None)
        elif fitting := _fitting_known_tin(merged, company, name, field.value):
            params = (("name", merged.value(PARTY_NAMES[name])), ("read", field.value))
            merged.fields[name] = replace(field, value=fitting, doubt=Doubt("tin_known_fits", params))
    return merged


def _fitting_known_tin(merged: Merged, company: Company, name: str, read: str) -> str:
    """The one taxpayer ID the company knows under the party's name that `read` could be damaged from."""
    party = merged.value(PARTY_NAMES[name])
    if not party:
        return ""
    fitting = {tin for tin in ledger_selectors.tins_named(company=company, name=party) if fits(read, tin)}
    return fitting.pop() if len(fitting) == 1 else ""

"""Many sources' readings of one invoice made into one: field by field, the most trusted source
that read a field wins (xml > ofd > pdf_text > qr > ocr), and every other source that read it
differently is a conflict to show the reviewer (e.g. the QR's amount against the printed one).
Pure: no Django."""

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from ingest.extract.base import SOURCES, Extraction, Field
from invoices.fapiao import normalize_id, normalize_text

AMOUNTS = ("amount", "tax", "total")
IDENTIFIERS = ("code", "number", "digital_number", "check_code", "seller_tin", "buyer_tin")


@dataclass(frozen=True)
class Conflict:
    name: str
    chosen: Field
    other: Field


@dataclass
class Merged:
    fields: dict[str, Field] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    lines: list[dict[str, str]] = field(default_factory=list)
    sources: tuple[str, ...] = ()
    pages: tuple[int, ...] = (0,)

    def value(self, name: str) -> str:
        return self.fields[name].value if name in self.fields else ""


def same(name: str, first: str, second: str) -> bool:
    """Whether two readings of a field say the same thing."""
    if name in AMOUNTS:
        try:
            return Decimal(first) == Decimal(second)
        except InvalidOperation:
            return False
    if name in IDENTIFIERS:
        return normalize_id(first) == normalize_id(second)
    return "".join(normalize_text(first).split()) == "".join(normalize_text(second).split())


def merge(extractions: list[Extraction]) -> Merged:
    ranked = sorted(extractions, key=lambda extraction: SOURCES.index(extraction.source))
    merged = Merged(sources=tuple(extraction.source for extraction in ranked))
    for extraction in ranked:
        for name, reading in extraction.fields.items():
            chosen = merged.fields.get(name)
            if chosen is None:
                merged.fields[name] = reading
            elif not same(name, chosen.value, reading.value):
                merged.conflicts.append(Conflict(name, chosen, reading))
        if not merged.lines and extraction.lines:
            merged.lines = extraction.lines
    if ranked:
        merged.pages = ranked[0].pages
    _confirm_by_sum(merged)
    return merged


# Doubts that only say that no second reading confirmed an amount (see extract/amounts.py).
_UNCONFIRMED = frozenset({"sum_unconfirmed", "total_unconfirmed"})


def _confirm_by_sum(merged: Merged) -> None:
    """金额 + 税额 = 价税合计 across sources (a QR code's amount with OCR's tax and total) confirms the
    three readings: an amount's doubt that nothing confirmed it is lifted."""
    readings = [merged.fields.get(name) for name in AMOUNTS]
    if not all(readings) or len({reading.source for reading in readings}) < 2:
        return
    try:
        amount, tax, total = (Decimal(reading.value) for reading in readings)
    except InvalidOperation:
        return
    if amount + tax != total:
        return
    for name, reading in zip(AMOUNTS, readings, strict=True):
        if reading.doubt and reading.doubt.code in _UNCONFIRMED:
            merged.fields[name] = replace(reading, doubt=None)

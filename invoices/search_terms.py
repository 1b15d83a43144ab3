"""What a search typed into the ledger can mean: part of an invoice number, code or taxpayer ID;
an amount (1234.5, 1,234.50, ¥1 234.50, -1130); or words of a name, drawer, line item or remark.
Words of three characters or more are found anywhere; shorter ones where a word starts, as a
trigram index can find them. Pure: no Django."""

import re
from dataclasses import dataclass
from decimal import Decimal

from invoices.fapiao import normalize_id, normalize_text

IDENTIFIER_PART = re.compile(r"[0-9A-Z]+")
# At most 16 digits before the point, as the ledger's amounts (docs/fapiao-rules.md §1, 金额).
SHORTEST_ANYWHERE = 3
AMOUNT = re.compile(r"-?(\d{1,16}|\d{1,3}(,\d{3}){1,5})(\.\d{1,2})?")


@dataclass(frozen=True)
class SearchTerms:
    words: str  # searched in names, drawer, line items and remarks
    identifier: str  # part of a number, code or taxpayer ID; "" when the text cannot be one
    amount: Decimal | None  # an amount, tax or total it equals

    @property
    def empty(self) -> bool:
        return not self.words

    @property
    def short(self) -> bool:
        """One or two characters: too short for a trigram, so words are matched where they start
        (a drawer, a remark, an item's category or name after its *) and identifiers not at all."""
        return len(self.words) < SHORTEST_ANYWHERE


def search_terms(text: str) -> SearchTerms:
    words = " ".join(normalize_text(text).split())
    identifier = normalize_id(text)
    compact = "".join(words.split())
    return SearchTerms(
        words=words,
        identifier=identifier if IDENTIFIER_PART.fullmatch(identifier) else "",
        amount=Decimal(compact.replace(",", "")).quantize(Decimal("0.01"))
        if AMOUNT.fullmatch(compact)
        else None,
    )

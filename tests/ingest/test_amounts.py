"""Choosing among OCR's readings of the amounts by the arithmetic, and the 大写 as OCR reads it."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.extract.amount_words import LOOKALIKES, WORD_CHARS, read_words
from ingest.extract.amounts import choose_amounts
from ingest.extract.base import Doubt
from ingest.extract.reading import REPAIRED, Reading
from invoices.fapiao import decimal_to_words

cents = st.integers(-(10**9), 10**9).map(lambda value: Decimal(value) / 100)
readings = st.lists(
    st.tuples(cents, st.sampled_from([1.0, REPAIRED])).map(
        lambda pair: Reading(f"{pair[0]:.2f}", 0.99, pair[1])
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(amounts=readings, taxes=readings, totals=readings, words_total=st.none() | cents)
def test_a_value_is_certain_only_when_two_readings_agree(amounts, taxes, totals, words_total):
    words = read_words(decimal_to_words(words_total)) if words_total is not None else None

    chosen = choose_amounts(amounts, taxes, totals, words)

    sure = {name for name, reading in chosen.items() if reading.doubt is None}
    if "total" in sure:
        total = Decimal(chosen["total"].value)
        amount, tax = chosen.get("amount"), chosen.get("tax")
        read = bool(amount and tax) and not any(
            reading.doubt == Doubt("derived") for reading in (amount, tax)
        )
        summed = read and Decimal(amount.value) + Decimal(tax.value) == total
        small = any(Decimal(reading.value) == total for reading in totals)
        assert summed or (small and words_total == total)
    if sure & {"amount", "tax"}:
        assert {"amount", "tax", "total"} <= sure
    for name in sure & {"amount", "tax", "total"}:
        assert any(
            Decimal(reading.value) == Decimal(chosen[name].value) for reading in amounts + taxes + totals
        ) or (words_total is not None and Decimal(chosen[name].value) == words_total)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(sorted(WORD_CHARS | set(LOOKALIKES) | set("口⊗()负数人民币 8"))), max_size=30
    )
)
def test_any_text_reads_as_no_words_or_as_whole_readings(text):
    words = read_words(text)

    for spelling, value in words.readings if words else ():
        assert value == value.quantize(Decimal("0.01"))
        # Every character read stands in the spelling as itself or as what it looks like; at most
        # the first, the place of the ⊗ mark, is left out.
        numerals = spelling.removeprefix("(负数)")
        assert len(numerals) in (len(words.text), len(words.text) - 1)
        read = words.text[len(words.text) - len(numerals) :]
        assert all(
            meant == seen or meant in LOOKALIKES.get(seen, "")
            for seen, meant in zip(read, numerals, strict=True)
        )


def test_readings_that_add_up_two_ways_leave_every_amount_in_doubt():
    zero, cent = Reading("0.00", 0.99, 1.0), Reading("0.01", 0.99, 1.0)
    chosen = choose_amounts([zero], [zero, cent], [zero, cent], None)
    assert {name: reading.doubt.code for name, reading in chosen.items()} == {
        "amount": "ambiguous",
        "tax": "ambiguous",
        "total": "ambiguous",
    }

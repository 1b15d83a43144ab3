"""Merging the sources' readings of one invoice: precedence, conflicts, and the sum checked across sources."""

from ingest.extract.base import Doubt, Extraction
from ingest.extract.merge import merge


def reading(source: str, **fields: str | tuple[str, str]) -> Extraction:
    """An extraction; a (value, doubt code) pair gives the field a doubt."""
    extraction = Extraction(source=source)
    for name, value in fields.items():
        value, code = value if isinstance(value, tuple) else (value, "")
        extraction.put(name, value, 0.7 if code else 1.0, Doubt(code) if code else None)
    return extraction


def test_the_most_trusted_source_wins_and_the_other_reading_is_a_conflict():
    merged = merge([reading("ocr", total="1130.00"), reading("qr", total="1180.00")])

    assert (merged.fields["total"].value, merged.fields["total"].source) == ("1180.00", "qr")
    assert [(conflict.name, conflict.other.value) for conflict in merged.conflicts] == [("total", "1130.00")]


def test_a_sum_that_holds_across_sources_lifts_the_doubt_that_nothing_confirmed_it():
    # A legacy QR code carries the 合计金额; OCR read the tax and the total right, the amount not.
    ocr = reading(
        "ocr",
        amount=("100.00", "sum_unconfirmed"),
        tax=("130.00", "sum_unconfirmed"),
        total=("1130.00", "total_unconfirmed"),
    )
    merged = merge([ocr, reading("qr", amount="1000.00")])

    assert {name: merged.fields[name].doubt for name in ("amount", "tax", "total")} == dict.fromkeys(
        ("amount", "tax", "total")
    )


def test_a_sum_that_fails_across_sources_leaves_the_doubts():
    ocr = reading("ocr", tax=("130.00", "sum_unconfirmed"), total=("1180.00", "total_unconfirmed"))
    merged = merge([ocr, reading("qr", amount="1000.00")])

    assert [merged.fields[name].doubt.code for name in ("tax", "total")] == [
        "sum_unconfirmed",
        "total_unconfirmed",
    ]


def test_a_sum_read_by_one_source_alone_is_that_sources_to_judge():
    ocr = reading("ocr", amount=("1000.00", "derived"), tax="130.00", total="1130.00")

    assert merge([ocr]).fields["amount"].doubt == Doubt("derived")

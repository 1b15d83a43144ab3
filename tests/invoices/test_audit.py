from dataclasses import replace
from datetime import UTC, datetime

from invoices.audit import GENESIS, EventRecord, event_hash, verify_chain


def chain(length: int) -> list[EventRecord]:
    records, prev = [], GENESIS
    for seq in range(1, length + 1):
        record = EventRecord(
            event_id=100 + seq,
            company_id=7,
            seq=seq,
            invoice_id=seq,
            action="update",
            user_id=3,
            at=datetime(2026, 11, 28, 9, 30, seq, 123456, tzinfo=UTC),
            changes={"total": ["1130.00", "1131.00"], "remarks": [None, "补录"]},
            reason="更正",
            prev_hash=prev,
            hash="",
        )
        record = replace(record, hash=event_hash(record))
        records.append(record)
        prev = record.hash
    return records


def test_an_untouched_chain_verifies():
    assert verify_chain(chain(5)) == []


def test_the_hash_ignores_key_order_but_not_values():
    record = chain(1)[0]
    reordered = replace(record, changes={"remarks": [None, "补录"], "total": ["1130.00", "1131.00"]})
    assert event_hash(reordered) == record.hash
    assert event_hash(replace(record, changes={"total": ["1130.00", "1113.00"]})) != record.hash


def test_an_edited_event_is_named():
    records = chain(5)
    records[2] = replace(records[2], reason="没有理由")
    assert [(b.seq, b.event_id, b.problem) for b in verify_chain(records)] == [(3, 103, "altered")]


def test_a_deleted_event_is_a_gap():
    records = chain(5)
    del records[1]
    problems = {(b.seq, b.problem) for b in verify_chain(records)}
    assert problems == {(3, "gap"), (3, "relinked")}


def test_a_rehashed_edit_still_breaks_the_link_to_the_next_event():
    records = chain(4)
    edited = replace(records[1], reason="改过")
    records[1] = replace(edited, hash=event_hash(edited))
    assert [(b.seq, b.problem) for b in verify_chain(records)] == [(3, "relinked")]

"""The audit trail's hash chain (ARCHITECTURE.md: every change is audited; events are
hash-chained per company so that a rewritten history shows). Pure: no Django.

Each event's hash is the SHA-256 of the previous event's hash followed by the event's own content
in canonical JSON; the first event of a company follows GENESIS."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64


@dataclass(frozen=True)
class EventRecord:
    """What the chain covers of one event."""

    event_id: int
    company_id: int
    seq: int
    invoice_id: int
    action: str
    user_id: int | None
    at: datetime
    changes: dict
    reason: str
    prev_hash: str
    hash: str


def canonical_time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(record: EventRecord) -> str:
    content = json.dumps(
        {
            "company": record.company_id,
            "seq": record.seq,
            "invoice": record.invoice_id,
            "action": record.action,
            "user": record.user_id,
            "at": canonical_time(record.at),
            "changes": record.changes,
            "reason": record.reason,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((record.prev_hash + content).encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: int
    problem: str  # "altered": content no longer matches its hash; "relinked": prev_hash is not the previous
    # event's hash; "gap": events are missing before this one


def verify_chain(records: Iterable[EventRecord]) -> list[ChainBreak]:
    """Check one company's events, given in seq order."""
    breaks = []
    expected_prev, expected_seq = GENESIS, 1
    for record in records:
        if record.seq != expected_seq:
            breaks.append(ChainBreak(record.seq, record.event_id, "gap"))
        if record.prev_hash != expected_prev:
            breaks.append(ChainBreak(record.seq, record.event_id, "relinked"))
        if event_hash(record) != record.hash:
            breaks.append(ChainBreak(record.seq, record.event_id, "altered"))
        expected_prev, expected_seq = record.hash, record.seq + 1
    return breaks

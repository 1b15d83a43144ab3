"""An invoice as its audit trail tells it (ARCHITECTURE.md: every change is audited). Pure: no Django.

Every write of invoices/services.py records in the trail what it wrote: the create event names each
field that has a value (the others hold their defaults) and the lines; each later event names each
field it changed as [old, new]. Replaying an invoice's events in order therefore gives the value
the trail vouches for of every field a service writes. A row or a line that differs from it was
changed behind the trail's back, and so was a field whose old value, as a later event found it, is
not the value the trail had left (the change came before that event, which then covered it)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

LINES = "lines"


@dataclass(frozen=True)
class Difference:
    field: str  # "amount"; "lines[2].tax" for a field of a line; "lines[3]" for a whole line
    chained: object  # the value the trail tells (JSON); None for a line the trail does not have
    stored: object  # the value in the ledger, or as event `seq` found it; None for a line not there
    seq: int | None = None  # the event that found the value, when it was not the ledger


@dataclass(frozen=True)
class Replay:
    state: dict | None  # None when the trail does not begin with the invoice's creation
    differences: list[Difference]  # old values events found that the trail had not left


def _is_pair(value) -> bool:
    return isinstance(value, list) and len(value) == 2


def replay(events: Iterable[tuple[int, str, dict]], defaults: Mapping[str, object]) -> Replay:
    """`events`: the (seq, action, changes) of one invoice in seq order. `defaults`: every field the
    trail vouches for (the lines among them) and the value it holds when the create event does not
    name it. Changes the trail keeps for other fields (the red invoices a status event lists, the
    blue original a red one was linked to) are not state and pass by."""
    state = None
    differences = []
    for seq, action, changes in events:
        if state is None:
            if action != "create":
                return Replay(None, [])
            state = dict(defaults)
            state.update(
                {name: pair[1] for name, pair in changes.items() if name in state and _is_pair(pair)}
            )
            continue
        for name, pair in changes.items():
            if name in state and _is_pair(pair):
                differences += compare(name, state[name], pair[0], seq)
                state[name] = pair[1]
    return Replay(state, differences)


def compare(name: str, chained, stored, seq: int | None = None) -> list[Difference]:
    """How a stored value differs from the chained one; the lines line by line, field by field."""
    if chained == stored:
        return []
    if name != LINES:
        return [Difference(name, chained, stored, seq)]
    chained, stored = chained or [], stored or []
    differences = []
    for position in range(1, max(len(chained), len(stored)) + 1):
        ours = chained[position - 1] if position <= len(chained) else None
        theirs = stored[position - 1] if position <= len(stored) else None
        if ours is None or theirs is None:
            differences.append(Difference(f"lines[{position}]", ours, theirs, seq))
            continue
        # In the order the stored line names its fields: JSON from the database keeps no order.
        keys = [*theirs, *(key for key in ours if key not in theirs)]
        differences += [
            Difference(f"lines[{position}].{key}", ours.get(key), theirs.get(key), seq)
            for key in keys
            if ours.get(key) != theirs.get(key)
        ]
    return differences


def differences(chained: Mapping[str, object], stored: Mapping[str, object]) -> list[Difference]:
    """Every field of `chained` whose stored value is another, in the order `chained` names them."""
    if chained == stored:  # nearly always, and a comparison of two dicts is quick
        return []
    found = []
    for name, value in chained.items():
        found += compare(name, value, stored.get(name))
    return found

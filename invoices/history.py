"""An invoice's audit events as the detail page shows them: who, when, and each change in words:
a field by its name, a coded value by its label (已作废, not voided), a line by its position and
item, another invoice by its number."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from invoices.drafts import HEADER_FIELDS, LINE_FIELDS
from invoices.models import (
    KIND_CHOICES,
    Deduction,
    Direction,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    NotDeductibleReason,
    Status,
)
from invoices.rates import rate_percent

EXTRA_LABELS = {
    "lines": gettext_lazy("lines"),
    "blue_original": gettext_lazy("blue original"),
    "red_invoices": gettext_lazy("red invoices"),
}
CHOICES = {
    "direction": dict(Direction.choices),
    "kind": dict(KIND_CHOICES),
    "status": dict(Status.choices),
    "deduction": dict(Deduction.choices),
    "not_deductible_reason": dict(NotDeductibleReason.choices),
}


def field_label(name: str) -> str:
    if name in EXTRA_LABELS:
        return EXTRA_LABELS[name]
    try:
        return Invoice._meta.get_field(name).verbose_name
    except LookupError:
        return name


def shown(value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(line_words(line) for line in value)
        return ", ".join(str(item) for item in value)
    return str(value)


def value_words(name: str, value) -> str:
    """A field's value as a person reads it: a choice by its label, a tax period as its month."""
    if name in CHOICES and value:
        return str(CHOICES[name].get(value, value))
    if name == "deduction_period" and value:
        return str(value)[:7]
    if name == "rate" and value:
        return rate_percent(str(value))
    return shown(value)


def line_words(line: dict) -> str:
    return " ".join(
        text
        for text in (
            line.get("item_name", ""),
            line.get("amount", ""),
            rate_percent(str(line.get("rate", ""))),
            line.get("tax", ""),
        )
        if text
    )


def _line_label(position: int, item: str) -> str:
    return _("line %(position)s (%(item)s)") % {"position": position, "item": item}


def line_changes(old: list | None, new: list | None) -> list[dict]:
    """Each line that changed, by its position and item: its changed fields, or the whole line when
    it was added or removed."""
    old, new = old or [], new or []
    changes = []
    for position in range(1, max(len(old), len(new)) + 1):
        before = old[position - 1] if position <= len(old) else None
        after = new[position - 1] if position <= len(new) else None
        if before == after:
            continue
        if before is None:
            changes.append(
                {
                    "field": _("line %(position)s added") % {"position": position},
                    "old": "",
                    "new": line_words(after),
                }
            )
        elif after is None:
            label = _line_label(position, before.get("item_name", ""))
            changes.append({"field": label, "old": line_words(before), "new": str(_("removed"))})
        else:
            label = _line_label(position, after.get("item_name", ""))
            changes += [
                {
                    "field": _("%(line)s %(field)s")
                    % {"line": label, "field": InvoiceLine._meta.get_field(name).verbose_name},
                    "old": value_words(name, before.get(name)),
                    "new": value_words(name, after.get(name)),
                }
                for name in LINE_FIELDS
                if before.get(name) != after.get(name)
            ]
    return changes


# The order a person reads an invoice in (the form's), whatever order the database keeps keys in.
STATE_FIELDS = ("status", "deduction", "deduction_period", "not_deductible_reason")
READING_ORDER = {
    name: index
    for index, name in enumerate((*HEADER_FIELDS, *STATE_FIELDS, "blue_original", "red_invoices", "lines"))
}


def event_changes(event: InvoiceEvent) -> list[dict]:
    changes = []
    for name, pair in sorted(
        event.changes.items(), key=lambda item: READING_ORDER.get(item[0], len(READING_ORDER))
    ):
        if name == "lines" and isinstance(pair, list) and len(pair) == 2:
            changes += line_changes(*pair)
        elif isinstance(pair, list) and len(pair) == 2 and name != "red_invoices":
            changes.append(
                {
                    "field": field_label(name),
                    "old": value_words(name, pair[0]),
                    "new": value_words(name, pair[1]),
                }
            )
        else:
            changes.append({"field": field_label(name), "old": "", "new": shown(pair)})
    return changes


def history_rows(events) -> list[dict]:
    return [
        {"event": event, "label": InvoiceEvent.Action(event.action).label, "changes": event_changes(event)}
        for event in events
    ]

"""An invoice's audit events as the detail page shows them: who, when, what changed from what."""

from django.utils.translation import gettext_lazy as _

from invoices.models import Invoice, InvoiceEvent

EXTRA_LABELS = {
    "lines": _("lines"),
    "blue_original": _("blue original"),
    "red_invoices": _("red invoices"),
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
            return "; ".join(f"{line.get('item_name', '')} {line.get('amount', '')}" for line in value)
        return ", ".join(str(item) for item in value)
    return str(value)


def history_rows(events) -> list[dict]:
    rows = []
    for event in events:
        changes = [
            {"field": field_label(name), "old": shown(pair[0]), "new": shown(pair[1])}
            if isinstance(pair, list) and len(pair) == 2 and name != "red_invoices"
            else {"field": field_label(name), "old": "", "new": shown(pair)}
            for name, pair in event.changes.items()
        ]
        rows.append({"event": event, "label": InvoiceEvent.Action(event.action).label, "changes": changes})
    return rows

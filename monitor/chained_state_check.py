"""Part of the nightly integrity check: every invoice and its lines compared with the state its
audit trail tells (invoices/chained_state.py). An invoice changed in the database behind the trail,
however consistently (amount, tax, total and lines together, so that every sum still adds up), is
named with each field, the value the trail tells and the value the ledger holds. An invoice whose
trail does not begin with its creation cannot be vouched for, and is counted as such."""

import time
from collections import defaultdict

from django.db import models
from django.urls import reverse

from accounts.models import Company
from invoices.chained_state import LINES, Difference, differences, replay
from invoices.drafts import HEADER_FIELDS, LINE_FIELDS
from invoices.fapiao import invoice_identity
from invoices.models import Direction, Invoice, InvoiceEvent, InvoiceLine
from invoices.services import snapshot_value
from monitor import anomalies
from monitor.anomalies import Observation
from monitor.models import Severity

CHUNK = 2000
# Every field of an invoice a service writes and its events record; the columns derived from them.
CHAINED_FIELDS = (*HEADER_FIELDS, "status", "deduction", "deduction_period", "not_deductible_reason")
DERIVED_FIELDS = ("identity", "counterparty_name", "counterparty_tin")
ROW_FIELDS = (*CHAINED_FIELDS, *DERIVED_FIELDS)
# Invoices of one company named one anomaly each; past this many, one more anomaly counts the rest.
LISTED = 50


def check_chained_state(rows: list[dict]) -> dict:
    """Compare every invoice with its trail; report the anomalies, add a row per invoice found."""
    started = time.perf_counter()
    mismatches, unvouched_counts = [], []
    checked = 0
    for company in Company.objects.order_by("pk"):
        mismatched, unvouched = [], []
        for pk, identity, found in _compared(company):
            checked += 1
            if found is None:
                unvouched.append(identity)
            elif found:
                mismatched.append((pk, identity, found))
        mismatches += _mismatch_observations(company, mismatched)
        if unvouched:
            details = {"count": len(unvouched), "invoices": unvouched[:20]}
            unvouched_counts.append(Observation("unvouched", Severity.ERROR, company, details=details))
        rows += [
            {"kind": "trail_mismatch", "company": company, "subject": f"{identity} {_fields(found)}"}
            for _pk, identity, found in mismatched
        ]
        rows += [
            {"kind": "trail_unvouched", "company": company, "subject": identity} for identity in unvouched
        ]
    anomalies.report("trail_mismatch", mismatches)
    anomalies.report("trail_unvouched", unvouched_counts)
    return {"invoices_traced": checked, "trace_seconds": round(time.perf_counter() - started, 3)}


def _compared(company: Company):
    """(pk, identity, differences) of each invoice of the company, differences None when its trail
    cannot vouch for it. A chunk of invoices at a time, with their lines and events in one query each."""
    defaults = _defaults()
    invoices = Invoice.objects.filter(company=company).order_by("pk").values_list("pk", *ROW_FIELDS)
    last = 0
    while chunk := list(invoices.filter(pk__gt=last)[:CHUNK]):
        last = chunk[-1][0]
        ids = [row[0] for row in chunk]
        lines, events = _lines_of(ids), _events_of(company, ids)
        for pk, *values in chunk:
            row = _snapshot(dict(zip(ROW_FIELDS, values, strict=True)), INVOICE_TYPED)
            row[LINES] = lines[pk]
            replayed = replay(events[pk], defaults)
            if replayed.state is None:
                yield pk, row["identity"], None
                continue
            expected = {**replayed.state, **_derived(replayed.state)}
            yield pk, expected["identity"], replayed.differences + differences(expected, row)


def _typed(model, names) -> tuple[str, ...]:
    """The fields whose values are not kept in the trail as they come from the database (amounts,
    dates); the text fields are."""
    kept_as_they_are = (models.CharField, models.TextField, models.BooleanField)
    return tuple(name for name in names if not isinstance(model._meta.get_field(name), kept_as_they_are))


INVOICE_TYPED = _typed(Invoice, ROW_FIELDS)
LINE_TYPED = _typed(InvoiceLine, LINE_FIELDS)


def _snapshot(values: dict, typed: tuple[str, ...]) -> dict:
    """The values as the trail keeps them (services.snapshot_value), converting only those that need it:
    a hundred thousand invoices have millions of text values."""
    for name in typed:
        values[name] = snapshot_value(values[name])
    return values


def _defaults() -> dict:
    """What each field holds when the create event does not name it (it names only those with a value)."""
    fields = {name: snapshot_value(Invoice._meta.get_field(name).get_default()) for name in CHAINED_FIELDS}
    return {**fields, LINES: []}


def _derived(state: dict) -> dict:
    """The columns the services derive from the fields (services.derived_fields)."""
    purchase = state["direction"] == Direction.PURCHASE
    return {
        "identity": invoice_identity(state["code"], state["number"], state["digital_number"]),
        "counterparty_name": state["seller_name" if purchase else "buyer_name"],
        "counterparty_tin": state["seller_tin" if purchase else "buyer_tin"],
    }


def _lines_of(ids: list[int]) -> dict[int, list[dict]]:
    lines = defaultdict(list)
    rows = InvoiceLine.objects.filter(invoice_id__in=ids).order_by("invoice_id", "position")
    for invoice_id, *values in rows.values_list("invoice_id", *LINE_FIELDS):
        lines[invoice_id].append(_snapshot(dict(zip(LINE_FIELDS, values, strict=True)), LINE_TYPED))
    return lines


def _events_of(company: Company, ids: list[int]) -> dict[int, list[tuple]]:
    events = defaultdict(list)
    rows = InvoiceEvent.objects.filter(company=company, invoice_id__in=ids).order_by("invoice_id", "seq")
    for invoice_id, seq, action, changes in rows.values_list("invoice_id", "seq", "action", "changes"):
        events[invoice_id].append((seq, action, changes))
    return events


def _mismatch_observations(company: Company, mismatched: list) -> list[Observation]:
    observations = []
    for pk, identity, found in mismatched[:LISTED]:
        details = {"invoice": identity, "differences": [_difference_details(item) for item in found]}
        url = reverse("invoice_detail", args=[pk])
        observations.append(Observation(f"invoice:{pk}", Severity.CRITICAL, company, url, details=details))
    if len(mismatched) > LISTED:
        more = [identity for _pk, identity, _found in mismatched[LISTED:]]
        details = {"count": len(more), "invoices": more[:20]}
        observations.append(Observation("invoices:more", Severity.CRITICAL, company, details=details))
    return observations


def _fields(found: list[Difference]) -> str:
    return ", ".join(dict.fromkeys(item.field for item in found))


def _difference_details(difference: Difference) -> dict:
    details = {"field": difference.field, "chained": difference.chained, "stored": difference.stored}
    if difference.seq is not None:
        details["seq"] = difference.seq
    return details

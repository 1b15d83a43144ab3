"""A reconciliation run fills in the kind of the 数电 invoices a hand-kept ledger brought in
without one, from the bureau's record of the same invoice, with an event naming the export."""

import pytest

from invoices.audit_trail import verify_company_trail
from invoices.fapiao import Kind
from invoices.importing import import_ledger
from invoices.models import InvoiceEvent
from invoices.selectors import invoice_queryset
from reconcile import running, services
from reconcile.models import ReconRun
from tests.fixtures.clerk_ledger import bureau_records, clerk_ledger
from tests.fixtures.recon_scenarios import AS_OF, PERIOD, Scenario, basic_rows, write_xlsx

pytestmark = pytest.mark.django_db


def reconcile_export(company, records, name="全量发票查询.xlsx"):
    world = Scenario("purchase", company.tin, AS_OF, PERIOD, bureau=records)
    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name=name, data=write_xlsx(basic_rows(world))
    )
    services.read_import(bureau_import.pk)
    for run in ReconRun.objects.filter(bureau_import=bureau_import, state=ReconRun.State.QUEUED):
        running.execute_run(run.pk)
    return bureau_import.runs.get()


def test_a_run_fills_in_the_kind_of_digital_invoices_from_the_bureaus_export(company_a):
    ledger = clerk_ledger(60, seed=21)
    import_ledger(company=company_a, by=None, data=ledger.data)
    assert invoice_queryset(company=company_a).filter(kind=Kind.DIGITAL_UNKNOWN).count() == 44
    records = bureau_records(ledger)
    unpaired = records.pop(
        next(i for i, record in enumerate(records) if not record.code)
    )  # the bureau lacks it
    run = reconcile_export(company_a, records)
    assert run.state == ReconRun.State.DONE
    assert run.counts["matched"] == 59  # every invoice of the hand-kept ledger, read as the bureau has it
    assert run.counts.get("missing_in_bureau", 0) + run.counts.get("pending_sync", 0) == 1
    kinds = dict(invoice_queryset(company=company_a).values_list("identity", "kind"))
    for invoice in ledger.expected:
        if invoice.identity != unpaired.identity:
            assert kinds[invoice.identity] == invoice.bureau_kind
    assert kinds[unpaired.identity] == Kind.DIGITAL_UNKNOWN
    assert {Kind.DIGITAL_SPECIAL, Kind.DIGITAL_ORDINARY} <= set(kinds.values())
    events = InvoiceEvent.objects.filter(company=company_a, action="update", changes__has_key="kind")
    assert events.count() == 43
    assert all("全量发票查询.xlsx" in event.reason for event in events)
    assert all(event.changes["kind"][0] == Kind.DIGITAL_UNKNOWN for event in events)
    filled = invoice_queryset(company=company_a).exclude(kind=Kind.DIGITAL_UNKNOWN).filter(code="")
    assert not any(item["code"] == "kind_unconfirmed" for invoice in filled for item in invoice.findings)
    _count, breaks = verify_company_trail(company_a)
    assert not breaks


def test_a_kind_the_ledger_knows_is_not_changed_by_the_export(company_a):
    ledger = clerk_ledger(12, seed=22)
    import_ledger(company=company_a, by=None, data=ledger.data, default_kind=Kind.DIGITAL_ORDINARY)
    before = dict(invoice_queryset(company=company_a).values_list("identity", "kind"))
    reconcile_export(company_a, bureau_records(ledger))
    assert dict(invoice_queryset(company=company_a).values_list("identity", "kind")) == before
    assert not InvoiceEvent.objects.filter(
        company=company_a, action="update", changes__has_key="kind"
    ).exists()

"""The whole way for a ledger a clerk keeps by hand: an Excel file without a 票种 column, in the
clerk's own column order, with text amounts, date serials, blank rows and a 合计 row, imported
through the import service, then reconciled against the bureau's export of the same quarter taken
the morning after it ended (its title names the period asked for and the export time). Every kind
of difference is injected, and the ledger also holds invoices of the last days before the export
that the bureau has not received yet, and invoices issued after it was taken.

Every row that identifies an invoice goes in, every case lands in its category, no two invoices
are paired that are not the same, and the invoices issued after the export are left out and
counted."""

import io
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from openpyxl import Workbook

from accounts.services import company_create
from invoices.fapiao import Kind
from invoices.importing import import_ledger
from invoices.models import Invoice
from reconcile import running, services
from reconcile.models import Discrepancy, ReconRun
from reconcile.records import InvoiceRecord
from tests.fixtures.clerk_ledger import HEADERS, clerk_cells
from tests.fixtures.recon_scenarios import (
    PERIOD,
    SYNC_LAG_DAYS,
    Scenario,
    basic_rows,
    scenario,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

EXPORTED_AT = datetime(2026, 4, 1, 9, 12, 33)  # the morning after the quarter asked for
TITLE = [
    ["发票基础信息"],
    [f"查询条件：开票日期 {PERIOD[0]} 至 {PERIOD[1]}；导出时间：{EXPORTED_AT:%Y-%m-%d %H:%M:%S}"],
]
RECENT = 12  # invoices of the quarter's last days that the export does not hold yet
LATER = 3  # invoices the clerk entered that were issued after the export was taken
LACKING = {"pending_sync", "missing_in_bureau"}


def _lacking(days: int) -> str:
    return "missing_in_bureau" if days > SYNC_LAG_DAYS else "pending_sync"


def clerk_workbook(records: list[InvoiceRecord]) -> bytes:
    """The ledger side as the clerk keeps it: her columns and order, a blank row every fifty, and
    the 合计 row under the last invoice."""
    sheet_rows: list[list[object]] = [list(HEADERS)]
    for index, record in enumerate(records, start=1):
        if index % 50 == 0:
            sheet_rows.append([None] * len(HEADERS))
        cells = clerk_cells(record, index)
        sheet_rows.append([cells.get(name) for name in HEADERS])
    totals = {name: sum(getattr(record, name) for record in records) for name in ("amount", "tax", "total")}
    sheet_rows.append(
        ["合计", *[None] * 7, float(totals["amount"]), float(totals["tax"]), float(totals["total"])]
    )
    workbook = Workbook()
    workbook.active.title = "发票台账"
    for row in sheet_rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def quarter_with_recent_invoices() -> tuple[Scenario, Counter, list[InvoiceRecord]]:
    """scenario() with the export taken on EXPORTED_AT: what lacks in the bureau is judged from that
    day, RECENT invoices of the quarter's last six days the bureau lacks, LATER issued after it."""
    world = scenario(376, seed=14, share=0.3)
    as_of = EXPORTED_AT.date()
    expected = Counter()
    for (category, ours, theirs), count in world.expected.items():
        if category in LACKING:
            record = next(r for r in world.ledger if r.identity == ours)
            category = _lacking((as_of - record.issue_date).days)
        expected[(category, ours, theirs)] += count
    template = world.ledger[0]
    recent = [
        replace(
            template,
            key=f"N{index}",
            number=f"2631200000009{index:07d}",
            identity=f"2631200000009{index:07d}",
            code="",
            kind=Kind.DIGITAL_SPECIAL.value,
            issue_date=PERIOD[1] - timedelta(days=index % 6),
        )
        for index in range(RECENT)
    ]
    later = [
        replace(
            record,
            key=f"T{index}",
            number=f"2631200000008{index:07d}",
            identity=f"2631200000008{index:07d}",
            issue_date=as_of + timedelta(days=1 + index),
        )
        for index, record in enumerate(recent[:LATER])
    ]
    for record in recent:
        expected[(_lacking((as_of - record.issue_date).days), record.identity, None)] += 1
    world.ledger.extend(recent + later)
    return world, expected, later


def test_a_clerks_ledger_goes_in_whole_and_every_case_lands_in_its_category():
    world, expected, later = quarter_with_recent_invoices()
    company = company_create(name="甲商贸有限公司", tin=world.company_tin)

    report = import_ledger(company=company, by=None, data=clerk_workbook(world.ledger), file_name="台账.xlsx")

    assert (report.added, report.skipped) == (len(world.ledger), 0)
    digital = Invoice.objects.filter(company=company, code="")
    assert set(digital.values_list("kind", flat=True)) == {Kind.DIGITAL_UNKNOWN.value}

    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name="全量发票查询.xlsx", data=write_xlsx(basic_rows(world, title=TITLE))
    )
    services.read_import(bureau_import.pk)
    bureau_import.refresh_from_db()
    assert (bureau_import.state, bureau_import.problems) == ("done", [])
    assert (bureau_import.query_start, bureau_import.query_end) == PERIOD
    run = bureau_import.runs.get()
    running.execute_run(run.pk)
    run.refresh_from_db()
    assert run.state == ReconRun.State.DONE

    concluded = Counter(
        Discrepancy.objects.filter(run=run).values_list(
            "category", "invoice__identity", "bureau_invoice__identity"
        )
    )
    in_category = sum((concluded & expected).values()) / sum(expected.values())
    pairs = {(ours, theirs) for (_category, ours, theirs) in expected if ours and theirs}
    wrong_pairs = [key for key in concluded if key[1] and key[2] and (key[1], key[2]) not in pairs]
    assert wrong_pairs == []
    assert in_category >= 0.95, (concluded - expected, expected - concluded)
    assert concluded == expected, (concluded - expected, expected - concluded)
    assert run.left_out_later == LATER
    assert not Discrepancy.objects.filter(run=run, invoice__identity__in=[r.identity for r in later]).exists()
    assert run.left_out_earlier == world.injected["out_of_period"]
    same = {ours for (_category, ours, theirs) in expected if ours and ours == theirs}
    kinds = dict(digital.values_list("identity", "kind"))
    assert {kinds[identity] for identity in same if identity in kinds} == {Kind.DIGITAL_SPECIAL.value}
    assert {kind for identity, kind in kinds.items() if identity not in same} == {Kind.DIGITAL_UNKNOWN.value}

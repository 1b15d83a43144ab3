"""The whole way, from the bureau's file to Discrepancy rows: generated exports in each layout and
encoding, read and reconciled against a generated ledger, land every injected difference in its
category with zero wrong pairings."""

from collections import Counter
from datetime import datetime

import pytest
from django.utils import timezone

from accounts.services import company_create
from reconcile import running, services
from reconcile.models import Discrepancy, ReconRun
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import (
    AS_OF,
    INJECTIONS,
    basic_rows,
    line_rows,
    scenario,
    tick_rows,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

# The line sheet cannot tell a repeated invoice from more lines of it; the 勾选 list carries no
# 备注, so red invoices are not linked to their originals there.
NOT_IN_LINES = {"bureau_repeat"}
NOT_IN_TICK = {"red_pair", "red_missing"}
LAYOUTS = {
    "basic-xlsx": (basic_rows, write_xlsx, "xlsx", set()),
    "basic-csv-gbk": (basic_rows, lambda rows: write_csv(rows, encoding="gbk"), "csv", set()),
    "lines-xlsx": (line_rows, write_xlsx, "xlsx", NOT_IN_LINES),
    "tick-csv": (tick_rows, write_csv, "csv", NOT_IN_TICK),
}


def discrepancy_triples(run: ReconRun) -> Counter:
    rows = Discrepancy.objects.filter(run=run).values_list(
        "category", "invoice__identity", "bureau_invoice__identity"
    )
    return Counter(rows)


@pytest.mark.parametrize(
    ("layout", "direction"), [*((name, "purchase") for name in LAYOUTS), ("basic-xlsx", "sales")]
)
def test_every_injected_difference_lands_in_its_category(layout, direction):
    rows, write, extension, left_out = LAYOUTS[layout]
    world = scenario(
        400, seed=21, direction=direction, injections=[i for i in INJECTIONS if i not in left_out]
    )
    company = company_create(name="甲商贸有限公司", tin=world.company_tin)
    store_ledger(world, company)
    as_of = timezone.make_aware(datetime.combine(AS_OF, datetime.min.time().replace(hour=18)))
    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name=f"export.{extension}", data=write(rows(world)), as_of=as_of
    )
    services.read_import(bureau_import.pk)
    bureau_import.refresh_from_db()
    assert (bureau_import.state, bureau_import.direction, bureau_import.problems) == ("done", direction, [])
    run = bureau_import.runs.get()
    running.execute_run(run.pk)
    run.refresh_from_db()
    assert run.state == ReconRun.State.DONE
    assert discrepancy_triples(run) == world.expected
    flagged = {(row.category, row.identity): set(row.flags) for row in Discrepancy.objects.filter(run=run)}
    for key, flags in world.flags.items():
        assert flags <= flagged[key], key


def test_a_second_import_says_what_changed_and_keeps_the_decisions():
    from dataclasses import replace

    from reconcile import decisions, selectors

    world = scenario(120, seed=4, injections=["missing_in_bureau"], share=0.05)
    company = company_create(name="甲商贸有限公司", tin=world.company_tin)
    store_ledger(world, company)

    def reconciled(data: bytes, name: str):
        bureau_import, _created = services.bureau_import_create(
            company=company, by=None, name=name, data=data
        )
        services.read_import(bureau_import.pk)
        run = bureau_import.runs.get()
        running.execute_run(run.pk)
        run.refresh_from_db()
        return run

    first = reconciled(write_xlsx(basic_rows(world)), "first.xlsx")
    missing = first.discrepancies.filter(category="missing_in_bureau")
    assert missing.count() == 6
    ignored = missing.first()
    decisions.decide(
        company=company, by=None, discrepancies=[ignored], action="ignore", reason="已与供应商确认"
    )

    # A week later the bureau has one of the missing invoices, another was voided, one more is gone.
    arrived = next(record for record in world.ledger if record.identity == missing.last().identity)
    voided, gone = world.bureau[10], world.bureau[11]
    world.bureau = [record for record in world.bureau if record is not gone and record is not voided]
    world.bureau += [replace(voided, status="voided"), replace(arrived, key="Bnew")]
    second = reconciled(write_xlsx(basic_rows(world)), "second.xlsx")

    assert second.previous_id == first.pk
    assert selectors.changes_since_previous(run=second) == {
        "newly_voided": 1,
        "newly_missing": 1,
        "still_missing": 5,
        "arrived": 1,
    }
    kept = second.discrepancies.get(identity=ignored.identity)
    assert (kept.state, kept.reason, kept.change) == ("ignored", "已与供应商确认", "still")


@pytest.mark.parametrize("injection", ["suspected", "transposed", "tin_char", "decimal_shift", "voided"])
def test_accepting_the_bureaus_values_makes_the_next_run_match(injection):
    from reconcile import decisions

    world = scenario(40, seed=8, injections=[injection], share=0.1)
    company = company_create(name="甲商贸有限公司", tin=world.company_tin)
    store_ledger(world, company)
    data = write_xlsx(basic_rows(world))
    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name="a.xlsx", data=data
    )
    services.read_import(bureau_import.pk)
    bureau_import.refresh_from_db()
    run = bureau_import.runs.get()
    running.execute_run(run.pk)
    chosen = list(Discrepancy.objects.filter(run=run).exclude(category="matched"))
    assert len(chosen) == 4
    outcome = decisions.decide(company=company, by=None, discrepancies=chosen, action="accept_bureau")
    assert outcome.refused == []
    again = services.run_start(company=company, by=None, bureau_import=bureau_import)
    running.execute_run(again.pk)
    again.refresh_from_db()
    assert again.counts == {"matched": 40, "arrived": 0}

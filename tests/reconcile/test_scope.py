"""The issue dates an export speaks for (matching.scope) and the ledger invoices a reconciliation
leaves out for lying outside them (matching.left_out), on records alone."""

from dataclasses import replace
from datetime import date, timedelta

from reconcile.matching import left_out, reconcile, scope
from tests.fixtures.recon_scenarios import COMPANY_TIN, scenario

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def test_the_range_asked_for_is_the_scope_up_to_the_as_of():
    assert scope(first_issued=date(2026, 11, 7), as_of=date(2026, 12, 1), asked=NOVEMBER) == NOVEMBER
    assert scope(first_issued=date(2026, 11, 7), as_of=date(2026, 11, 20), asked=NOVEMBER) == (
        date(2026, 11, 1),
        date(2026, 11, 20),
    )


def test_without_a_range_it_runs_from_the_first_month_to_the_as_of_day():
    # The day after month-end and beyond: not cut at the end of the month of the latest invoice.
    assert scope(first_issued=date(2026, 10, 17), as_of=date(2026, 12, 3)) == (
        date(2026, 10, 1),
        date(2026, 12, 3),
    )


def test_an_invoice_of_the_as_of_day_is_pending_and_one_of_the_next_day_is_left_out_and_counted():
    world = scenario(6, seed=12, share=0)
    as_of = date(2026, 3, 31)
    today, tomorrow, last_year = (
        replace(world.ledger[0], key="T", identity="T", issue_date=as_of),
        replace(world.ledger[1], key="N", identity="N", issue_date=as_of + timedelta(days=1)),
        replace(world.ledger[2], key="Y", identity="Y", issue_date=date(2025, 3, 31)),
    )
    ledger = [*world.ledger, today, tomorrow, last_year]
    period = scope(first_issued=min(record.issue_date for record in world.bureau), as_of=as_of)
    results = reconcile(ledger, world.bureau, direction="purchase", company_tin=COMPANY_TIN, as_of=as_of,
                        period=period)  # fmt: skip
    by_key = {result.ledger_key: result for result in results}
    assert (by_key["T"].category, by_key["T"].days_missing) == ("pending_sync", 0)
    assert "N" not in by_key and "Y" not in by_key
    assert left_out(ledger, results, period) == (1, 1)


def test_an_as_of_before_the_range_asked_for_counts_what_it_leaves_out_once():
    world = scenario(4, seed=13, share=0)
    period = scope(first_issued=date(2026, 11, 3), as_of=date(2026, 10, 20), asked=NOVEMBER)
    days = (date(2026, 10, 1), date(2026, 10, 25), date(2026, 11, 5), date(2026, 10, 20))
    ledger = [replace(record, issue_date=day) for record, day in zip(world.ledger, days, strict=True)]
    assert left_out(ledger, [], period) == (2, 2)

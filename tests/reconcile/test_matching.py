"""The matching against ground truth: every injected difference lands in its category, paired with
the record it came from, and nothing is paired wrongly."""

import random
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.matching import BLOCK_CAP, reconcile, tin_typo
from reconcile.records import CATEGORIES
from tests.fixtures.recon_scenarios import INJECTIONS, Scenario, concluded, scenario


def run(world: Scenario, **options):
    return reconcile(
        world.ledger,
        world.bureau,
        direction=world.direction,
        company_tin=world.company_tin,
        as_of=world.as_of,
        sync_lag_days=3,
        period=world.period,
        **options,
    )


def by_identity(results, world: Scenario) -> dict[tuple[str, str], object]:
    ours = {record.key: record.identity for record in world.ledger}
    theirs = {record.key: record.identity for record in world.bureau}
    return {
        (result.category, ours.get(result.ledger_key) or theirs.get(result.bureau_key)): result
        for result in results
    }


@pytest.mark.parametrize("direction", ["purchase", "sales"])
def test_every_injected_difference_lands_in_its_category_with_no_wrong_pairing(direction):
    world = scenario(2_000, seed=7, direction=direction)
    assert set(world.injected) == set(INJECTIONS)
    results = run(world)
    assert concluded(results, world.ledger, world.bureau) == world.expected
    found = by_identity(results, world)
    for (category, identity), flags in world.flags.items():
        assert flags <= set(found[(category, identity)].flags), (category, identity)
    assert set(Counter(result.category for result in results)) == set(CATEGORIES)


def test_each_record_is_concluded_once_and_pairs_are_one_to_one():
    world = scenario(1_500, seed=3)
    results = run(world)
    ledger_keys = [result.ledger_key for result in results if result.ledger_key]
    bureau_keys = [result.bureau_key for result in results if result.bureau_key]
    assert len(ledger_keys) == len(set(ledger_keys))
    assert len(bureau_keys) == len(set(bureau_keys))
    out_of_scope = [record for record in world.ledger if record.issue_date < world.period[0]]
    assert len(ledger_keys) == len(world.ledger) - len(out_of_scope)
    assert len(bureau_keys) == len(world.bureau)


def test_the_outcome_does_not_depend_on_the_order_of_the_records():
    world = scenario(800, seed=11)
    expected = sorted(map(repr, run(world)))
    rng = random.Random(1)  # noqa: S311 (a repeatable shuffle)
    rng.shuffle(world.ledger)
    rng.shuffle(world.bureau)
    assert sorted(map(repr, run(world))) == expected


def test_every_result_says_which_rule_concluded_it_and_what_was_compared():
    world = scenario(600, seed=5)
    for result in run(world):
        assert result.rule
        if result.ledger_key and result.bureau_key and result.category != "matched":
            assert set(result.compared) >= {"amount", "tax", "total", "issue_date", "seller_tin", "status"}


def test_corrections_are_the_bureaus_values():
    world = scenario(400, seed=2, injections=("decimal_shift", "transposed", "tin_char"), share=0.1)
    bureau = {record.key: record for record in world.bureau}
    for result in run(world):
        if result.category == "mismatch":
            assert result.suggestion == {
                "tax": str(bureau[result.bureau_key].tax),
                "total": str(bureau[result.bureau_key].total),
            }
        elif result.category == "number_typo":
            assert result.suggestion == {"number": bureau[result.bureau_key].number}
        elif result.category == "tin_error":
            assert result.suggestion == {"seller_tin": bureau[result.bureau_key].seller_tin}


def test_missing_days_are_counted_from_the_issue_date_to_the_as_of_date():
    world = scenario(200, seed=4, injections=("missing_in_bureau", "pending_sync"), share=0.5)
    ledger = {record.key: record for record in world.ledger}
    for result in run(world):
        if result.category in ("missing_in_bureau", "pending_sync"):
            assert result.days_missing == (world.as_of - ledger[result.ledger_key].issue_date).days
            assert (result.days_missing > 3) == (result.category == "missing_in_bureau")


def test_a_larger_sync_lag_turns_missing_invoices_into_pending_ones():
    world = scenario(200, seed=4, injections=("missing_in_bureau",), share=0.5)
    results = reconcile(
        world.ledger, world.bureau, direction="purchase", company_tin=world.company_tin,
        as_of=world.as_of, sync_lag_days=365, period=world.period,
    )  # fmt: skip
    categories = Counter(result.category for result in results)
    assert categories["missing_in_bureau"] == 0
    assert categories["pending_sync"] == world.injected["missing_in_bureau"]


@pytest.mark.parametrize(("size", "found"), [(BLOCK_CAP, 1), (BLOCK_CAP + 1, 0)])
def test_an_oversized_block_is_not_searched(size, found):
    """Bureau invoices of one seller with one total: a typo'd number is looked for among up to
    BLOCK_CAP of them; a larger block is left alone rather than cost a quadratic search."""
    world = scenario(size, seed=9, share=0)
    total, seller = world.bureau[0].total, world.bureau[0].seller_tin
    world.bureau = [replace(record, total=total, seller_tin=seller) for record in world.bureau]
    typo = replace(world.bureau[0], key="L1", number=world.bureau[0].number[:-1] + "X")
    world.ledger = [replace(typo, identity=typo.number)]
    categories = Counter(result.category for result in run(world))
    assert categories["number_typo"] == found
    assert categories["missing_in_ledger"] == size - found


def test_suspected_pairs_need_one_candidate_each_way():
    """Two ledger invoices that could each be the bureau's one: neither is paired."""
    world = scenario(60, seed=6, injections=("suspected",), share=1 / 60)
    suspect = next(record for record in world.ledger if record.key.endswith("0000000"))
    rival = replace(suspect, key="Lrival", number="26312" + "9" * 15, identity="26312" + "9" * 15)
    world.ledger.append(rival)
    categories = Counter(result.category for result in run(world))
    assert categories["suspected"] == 0
    assert categories["ambiguous"] >= 1


@pytest.mark.parametrize(
    ("ours", "theirs", "typo"),
    [
        ("91310115MA1K4D8XOB", "91310115MA1K4D8X0B", True),  # one character
        ("91310115MA1K4D8X0", "91310115MA1K4D8X0B", True),  # cut short
        ("91310115MA1K4D80XB", "91310115MA1K4D8X0B", True),  # transposed
        ("91440300MA5BENCH0Q", "91310115MA1K4D8X0B", False),  # another company
        ("", "91310115MA1K4D8X0B", False),
    ],
)
def test_taxpayer_id_typos(ours, theirs, typo):
    assert tin_typo(ours, theirs) is typo


def test_a_red_invoice_is_compared_with_its_blue_original_by_the_net():
    world = scenario(100, seed=8, injections=("red_pair", "red_missing"), share=0.2)
    results = run(world)
    assert concluded(results, world.ledger, world.bureau) == world.expected
    changed = [result for result in results if result.category == "status_changed"]
    assert changed and all("net_differs" in result.flags for result in changed)


def test_a_ledger_red_invoice_that_names_no_blue_one_is_netted_as_the_bureau_links_it():
    """A hand-kept ledger has no 备注: its red invoice does not say which blue one it flushes."""
    world = scenario(100, seed=8, injections=("red_pair",), share=0.2)
    world.ledger = [replace(record, blue_identity="") for record in world.ledger]
    results = run(world)
    assert concluded(results, world.ledger, world.bureau) == world.expected
    assert not [result for result in results if result.category == "status_changed"]


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(amounts, st.integers(0, 80)), min_size=1, max_size=30), st.randoms())
def test_any_ledger_against_itself_matches_everything(invoices, rng):
    """Whatever the amounts and dates, a ledger compared with an identical export matches one to one."""
    world = scenario(len(invoices), seed=rng.randrange(1000), share=0)
    start = world.period[0]
    for index, (total, days) in enumerate(invoices):
        for side in (world.ledger, world.bureau):
            side[index] = replace(
                side[index],
                amount=total,
                tax=Decimal("0.00"),
                total=total,
                issue_date=start.fromordinal(start.toordinal() + days),
            )
    results = run(world)
    assert Counter(result.category for result in results) == {"matched": len(invoices)}


def test_an_empty_side_leaves_the_other_unexplained():
    world = scenario(50, seed=1, share=0)
    assert {
        result.category
        for result in reconcile(
            world.ledger,
            [],
            direction="purchase",
            company_tin=world.company_tin,
            as_of=date(2026, 4, 30),
            period=world.period,
        )
    } == {"missing_in_bureau"}
    assert {
        result.category
        for result in reconcile(
            [],
            world.bureau,
            direction="purchase",
            company_tin=world.company_tin,
            as_of=world.as_of,
            period=world.period,
        )
    } == {"missing_in_ledger"}


@pytest.mark.parametrize(
    ("ours", "theirs", "shifted"),
    [
        ("3357.60", "335.76", True),
        ("3357.64", "335.76", True),
        ("33.58", "335.76", True),
        ("335.67", "335.76", False),
    ],
)
def test_a_decimal_point_in_the_wrong_place_is_named(ours, theirs, shifted):
    world = scenario(1, seed=1, share=0)
    world.ledger[0] = replace(
        world.ledger[0], tax=Decimal(ours), total=world.ledger[0].amount + Decimal(ours)
    )
    world.bureau[0] = replace(
        world.bureau[0], tax=Decimal(theirs), total=world.bureau[0].amount + Decimal(theirs)
    )
    (result,) = run(world)
    assert result.category == "mismatch"
    assert ("decimal_shift" in result.flags) is shifted

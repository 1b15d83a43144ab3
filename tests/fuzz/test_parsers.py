"""Hostile input for every parser (tests/fuzz/targets.py): mutated valid files and random bytes end
in the parser's own clear error or a reading, never another exception and never a hang. A few
hundred cases a parser here; `make bench` runs ten thousand (bench/fuzz.py)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoices.spreadsheets import SpreadsheetError, read_table
from reconcile.importers import BureauFileError, read_bureau_file
from tests.fuzz.hostile_files import far_cell_xls, far_cell_xlsx, looping_xls, many_cells_xlsx
from tests.fuzz.targets import COMPANY_TIN, TARGETS, mutate, run_case

CASES = {"pdf": 150}  # the slowest parser; the others get 300


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_mutated_input_is_read_or_refused_clearly(name):
    target = TARGETS[name]
    seeds = target.seeds()

    @settings(
        max_examples=CASES.get(name, 300),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(seed=st.sampled_from(seeds), rng=st.randoms(use_true_random=False))
    def check(seed, rng):
        assert run_case(target, mutate(target, seed, rng)) in {"ok", "refused"}

    check()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_seed_is_read(name):
    target = TARGETS[name]
    assert all(run_case(target, seed) == "ok" for seed in target.seeds())


@pytest.mark.parametrize(
    ("build", "code"),
    [(far_cell_xlsx, "sheet_too_large"), (far_cell_xls, "sheet_too_large"), (looping_xls, "corrupt")],
)
def test_a_spreadsheet_that_would_abort_the_reader_is_refused(build, code):
    from invoices.ledger_file import COLUMNS

    with pytest.raises(SpreadsheetError) as refused:
        read_table(build(), COLUMNS)
    assert refused.value.code == code
    with pytest.raises(BureauFileError) as bureau_refused:
        read_bureau_file(build(), company_tin=COMPANY_TIN)
    assert bureau_refused.value.code == code


def test_a_sheet_of_more_cells_than_the_limit_is_refused_however_they_compress(monkeypatch):
    from invoices import spreadsheets
    from invoices.ledger_file import COLUMNS

    monkeypatch.setattr(spreadsheets, "MAX_GRID_CELLS", 3_000_000)
    with pytest.raises(SpreadsheetError) as refused:
        read_table(many_cells_xlsx(4_000_000), COLUMNS)
    assert refused.value.code == "sheet_too_large"
    with pytest.raises(SpreadsheetError) as read:  # under the limit it is read, and lacks the columns
        read_table(many_cells_xlsx(1_000), COLUMNS)
    assert read.value.code != "sheet_too_large"

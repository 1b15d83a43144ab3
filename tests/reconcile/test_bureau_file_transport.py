"""A bureau export read in the sandbox's child process comes back by pickle: the same records,
packed as columns on the way."""

import pickle

from reconcile.importers import read_bureau_file
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx


def test_a_read_export_comes_back_from_pickle_unchanged():
    world = scenario(60, seed=12, share=0.5)
    parsed = read_bureau_file(write_xlsx(basic_rows(world)), company_tin=world.company_tin)

    again = pickle.loads(pickle.dumps(parsed))  # noqa: S301 - bytes this test made

    assert again == parsed
    assert [type(record.amount) for record in again.records[:3]] == [type(parsed.records[0].amount)] * 3
    assert again.records[0].issue_date == parsed.records[0].issue_date

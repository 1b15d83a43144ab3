"""The reconciliation pages as a clerk reads them: rows not read in words, values as the ledger
writes them, the flags and decisions named."""

import pytest

from reconcile import running, services
from reconcile.models import Discrepancy
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import BASIC_HEADERS, basic_rows, scenario, write_xlsx
from tests.fixtures.spreadsheets import ids_as_numbers_xlsx

pytestmark = pytest.mark.django_db


def reconciled(company, data: bytes):
    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name="a.xlsx", data=data
    )
    services.read_import(bureau_import.pk)
    bureau_import.refresh_from_db()
    for run in bureau_import.runs.all():
        running.execute_run(run.pk)
    return bureau_import


def test_rows_not_read_are_listed_with_the_reason_in_words(company_a, alice, browser_as):
    rows = [list(row) for row in basic_rows(scenario(6, seed=2, share=0, company_tin=company_a.tin))]
    rows[4][BASIC_HEADERS.index("数电发票号码")] = float(rows[4][BASIC_HEADERS.index("数电发票号码")] or 1)
    bureau_import = reconciled(company_a, write_xlsx(rows))
    assert bureau_import.row_count == 5
    page = browser_as(alice).get(f"/reconcile/imports/{bureau_import.pk}/").content.decode()
    assert "第 5 行" in page and "已经丢失" in page
    assert "id_stored_as_number" not in page


def test_an_export_whose_every_row_is_unreadable_says_why(company_a, alice, browser_as):
    bureau_import = reconciled(company_a, ids_as_numbers_xlsx(6, seed=2))
    assert (bureau_import.state, bureau_import.error_code) == ("failed", "nothing_read")
    page = browser_as(alice).get(f"/reconcile/imports/{bureau_import.pk}/").content.decode()
    assert "6 行都无法读取" in page and "第 4 行" in page and "已经丢失" in page


def test_a_difference_is_shown_side_by_side_in_the_ledgers_own_format(company_a, alice, browser_as):
    world = scenario(20, seed=3, injections=["decimal_shift"], share=0.05, company_tin=company_a.tin)
    store_ledger(world, company_a)
    run = reconciled(company_a, write_xlsx(basic_rows(world))).runs.get()
    item = Discrepancy.objects.get(run=run, category="mismatch")
    page = browser_as(alice).get(f"/reconcile/discrepancies/{item.pk}/").content.decode()
    ledger, bureau = item.invoice, item.bureau_invoice
    assert f"{bureau.tax:,.2f}" in page and f"{ledger.tax:,.2f}" in page
    assert "小数点错位" in page
    assert 'class="differs"' in page
    assert "normal" not in page  # statuses in words


def test_the_list_names_every_flag(company_a, alice, browser_as):
    world = scenario(40, seed=4, injections=["transposed", "not_ours"], share=0.1, company_tin=company_a.tin)
    store_ledger(world, company_a)
    run = reconciled(company_a, write_xlsx(basic_rows(world))).runs.get()
    page = browser_as(alice).get(f"/reconcile/runs/{run.pk}/discrepancies/").content.decode()
    assert "非开具给本公司" in page and "发票号码" in page
    assert "not_issued_to_company" not in page

"""A new admin's month-end in a real browser, against gunicorn and a real Celery worker: log in (the
page speaks Chinese), import the bureau's export, open the reconciliation, fix a decimal shift and a
taxpayer-ID typo by accepting the bureau's values, reconcile again, see the dashboard's error-prone
sellers empty, download the exports, and read the dashboard in English. A screenshot per step."""

import io

import pytest
from openpyxl import load_workbook

from accounts.roles import Role
from invoices.models import Invoice
from tests.conftest import PASSWORD, make_member
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx

WAIT_MS = 90_000


def shot(page, step: str) -> None:
    page.screenshot(path=ARTIFACTS / f"journey-{step}.png", full_page=True)


def error_prone_points(page) -> int:
    page.wait_for_selector("body[data-charts-drawn='6']")
    return int(page.get_attribute("[data-chart='error_prone_sellers']", "data-points"))


@pytest.fixture
def books(company_a):
    """March purchases; in the ledger one tax typed ten times too big and one seller TIN mistyped."""
    world = scenario(
        30, seed=5, share=2 / 30, company_tin=company_a.tin, injections=("decimal_shift", "tin_char")
    )
    store_ledger(world, company_a)
    return world


@pytest.mark.django_db(transaction=True)
def test_an_admin_reconciles_fixes_two_mistakes_and_sees_the_dashboard_change(
    company_a, books, celery_worker_process, web_server, browser_page
):
    make_member("erin", company_a, Role.ADMIN)
    page = browser_page
    page.goto(f"{web_server}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans" and "登录" in page.content()
    shot(page, "1-login")
    log_in(page, web_server, "erin", PASSWORD)

    page.goto(f"{web_server}/reconcile/")
    page.set_input_files(
        "input[name=file]",
        {
            "name": "全量发票查询导出.xlsx",
            "mimeType": "application/octet-stream",
            "buffer": write_xlsx(basic_rows(books)),
        },
    )
    page.click("form.grid-form button[type=submit]")
    page.wait_for_selector("a[href*='/reconcile/runs/']", timeout=WAIT_MS)
    import_url = page.url
    shot(page, "2-import")
    page.click("a[href*='/reconcile/runs/']")
    page.wait_for_selector("a.button.primary[href$='/discrepancies/']", timeout=WAIT_MS)
    run_url = page.url
    shot(page, "3-run")
    with page.expect_download() as differences:
        page.click("a[href$='/export.xlsx']")
    assert load_workbook(io.BytesIO(differences.value.path().read_bytes())).sheetnames
    page.goto(f"{web_server}/dashboard/?period=2026-03")
    assert error_prone_points(page) == 2  # one seller with a mismatch, one with a TIN error
    shot(page, "4-dashboard-before")

    for category in ("mismatch", "tin_error"):
        page.goto(f"{run_url}discrepancies/?category={category}")
        page.click("table a[href*='/reconcile/discrepancies/']")
        page.select_option("select[name=action]", "accept_bureau")
        page.click("form.grid-form button[type=submit]")
        page.wait_for_load_state()
        shot(page, f"5-fixed-{category}")
    bureau = {record.identity: record for record in books.bureau}
    fixed = {
        category: ledger
        for category, ledger, _bureau in books.expected
        if category in ("mismatch", "tin_error")
    }
    shifted, typo = bureau[fixed["mismatch"]], bureau[fixed["tin_error"]]
    assert Invoice.objects.get(company=company_a, identity=shifted.identity).tax == shifted.tax
    assert Invoice.objects.get(company=company_a, identity=typo.identity).seller_tin == typo.seller_tin

    page.goto(import_url)
    page.click("form[action$='/run/'] button")
    page.wait_for_selector("a.button.primary[href$='/discrepancies/']", timeout=WAIT_MS)
    page.goto(f"{web_server}/dashboard/?period=2026-03")
    page.wait_for_function("() => document.body.dataset.chartsDrawn === '6'")
    for _attempt in range(45):
        if error_prone_points(page) == 0:
            break
        page.wait_for_timeout(2000)
        page.reload()
    assert error_prone_points(page) == 0
    shot(page, "6-dashboard-after")

    with page.expect_download() as ledger_download:
        page.goto(f"{web_server}/invoices/")
        page.click("a[href*='/invoices/export.xlsx']")
    workbook = load_workbook(io.BytesIO(ledger_download.value.path().read_bytes()))
    assert workbook.active.max_row == 1 + len(books.ledger)
    with page.expect_download() as report_download:
        page.goto(f"{web_server}/dashboard/?period=2026-03")
        page.click("a[href*='/dashboard/report.xlsx']")
    assert report_download.value.suggested_filename == f"月结报告-{company_a.tin}-2026-03.xlsx"

    page.select_option("select#language", "en")
    page.wait_for_selector("html[lang='en']")
    assert page.locator("h1").first.inner_text().startswith("Dashboard")
    shot(page, "7-dashboard-english")
    assert page.problems == []

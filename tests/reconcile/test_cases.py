"""Each difference as a clerk reads it on the pages and in the workbook sent to suppliers: the case in
words, both sides' values, the correction; the decision that fits offered first and only those
that can apply; no rule codes anywhere."""

import io
import re

import pytest
from openpyxl import load_workbook

from invoices.models import Invoice
from reconcile import decisions
from reconcile.models import Discrepancy
from tests.dashboard.test_charts import import_and_reconcile
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import AS_OF, INJECTIONS, scenario

pytestmark = pytest.mark.django_db
RULE_CODES = ("identity:", "rest:", "counterparty+", "number+total")


def reconciled(company, world):
    return import_and_reconcile(company, world, AS_OF)


@pytest.fixture
def every_case(company_a):
    world = scenario(84, seed=21, share=1.0, company_tin=company_a.tin, injections=INJECTIONS)
    store_ledger(world, company_a)
    return world, reconciled(company_a, world)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def offered(html: str) -> tuple[list[str], list[str]]:
    """The decisions the page's action list offers, and the one chosen."""
    select = re.search(r'<select name="action"[^>]*>(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="([a-z_]+)"( selected)?', select)
    return [value for value, _chosen in options], [value for value, chosen in options if chosen]


def test_no_rule_code_on_any_reconcile_page_or_in_the_workbook(company_a, alice, browser_as, every_case):
    _world, run = every_case
    client = browser_as(alice)
    assert {"identity:fields", "counterparty+total:number", "rest:missing_in_bureau"} <= set(
        run.discrepancies.values_list("rule", flat=True)
    )
    pages = ["/reconcile/", f"/reconcile/imports/{run.bureau_import_id}/", f"/reconcile/runs/{run.pk}/"]
    pages += [f"/reconcile/runs/{run.pk}/discrepancies/?page={number}" for number in (1, 2, 3)]
    pages += [f"/reconcile/discrepancies/{pk}/" for pk in run.discrepancies.values_list("pk", flat=True)]
    for url in pages:
        html = page(client, url)
        assert not [code for code in RULE_CODES if code in html], url
    workbook = load_workbook(io.BytesIO(client.get(f"/reconcile/runs/{run.pk}/export.xlsx").content))
    cells = [str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row]
    assert not [cell for cell in cells if any(code in cell for code in (*RULE_CODES, "number:", "tax:"))]


def test_the_workbook_has_both_sides_values_and_the_case_in_words(company_a, alice, browser_as, every_case):
    _world, run = every_case
    shifted = run.discrepancies.filter(category="mismatch", flags__contains=["decimal_shift"]).first()
    ledger, bureau = shifted.invoice, shifted.bureau_invoice
    data = browser_as(alice).get(f"/reconcile/runs/{run.pk}/export.xlsx").content
    sheet = load_workbook(io.BytesIO(data))["字段不一致"]
    header, *rows = sheet.iter_rows(values_only=True)
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    row = rows[shifted.identity]
    assert (row["台账税额"], row["税局税额"]) == (float(ledger.tax), float(bureau.tax))
    assert (row["台账金额"], row["税局金额"]) == (float(ledger.amount), float(bureau.amount))
    assert (row["台账价税合计"], row["税局价税合计"]) == (float(ledger.total), float(bureau.total))
    assert (row["台账销方识别号"], row["税局销方识别号"]) == (ledger.seller_tin, bureau.seller_tin)
    assert row["说明"] == (
        f"台账税额是税局的 10 倍，建议改为 {bureau.tax:,.2f}；"
        f"价税合计相差 {ledger.total - bureau.total:,.2f}：台账 {ledger.total:,.2f}，税局 {bureau.total:,.2f}"
    )
    assert row["建议更正"] == f"税额：{bureau.tax:,.2f}；价税合计：{bureau.total:,.2f}"
    typo = run.discrepancies.filter(category="number_typo").first()
    typo_sheet = load_workbook(io.BytesIO(data))["发票号码录入错误"]
    typo_rows = {row[0]: row for row in typo_sheet.iter_rows(values_only=True)}
    assert typo_rows[typo.identity][header.index("税局发票标识")] == typo.bureau_invoice.identity
    assert f"建议改为 {typo.suggestion['number']}" in typo_rows[typo.identity][header.index("说明")]


def test_a_number_typo_shows_the_corrected_number(company_a, alice, browser_as, every_case):
    _world, run = every_case
    typo = run.discrepancies.filter(category="number_typo").first()
    right = typo.bureau_invoice.number
    response = browser_as(alice).get(f"/reconcile/discrepancies/{typo.pk}/")
    identity_row = response.context["rows"][0]
    assert (identity_row["ledger"], identity_row["suggested"]) == (typo.invoice.identity, right)
    html = response.content.decode()
    assert f"台账 {typo.invoice.number}，税局 {right}，建议改为 {right}" in html


def test_a_one_day_date_difference_is_explained_by_its_dates(company_a, alice, browser_as):
    world = scenario(10, seed=22, share=0, company_tin=company_a.tin)
    ours = world.ledger[3]
    world.ledger[3] = type(ours)(**{**{name: getattr(ours, name) for name in ours.__slots__},
                                    "issue_date": world.bureau[3].issue_date.replace(day=2)})  # fmt: skip
    store_ledger(world, company_a)
    run = reconciled(company_a, world)
    item = run.discrepancies.get(category="mismatch")
    assert item.flags == ["date"]
    html = page(browser_as(alice), f"/reconcile/discrepancies/{item.pk}/")
    days = (world.bureau[3].issue_date - world.ledger[3].issue_date).days
    assert (
        f"开票日期相差 {days} 天：台账 {world.ledger[3].issue_date}，税局 {world.bureau[3].issue_date}"
        in html
    )
    assert "小数点" not in html


def test_the_decision_that_fits_is_chosen_and_only_possible_ones_are_offered(
    company_a, alice, browser_as, every_case
):
    _world, run = every_case
    client = browser_as(alice)

    def choices(discrepancy):
        return offered(page(client, f"/reconcile/discrepancies/{discrepancy.pk}/"))

    for category in ("mismatch", "number_typo", "tin_error", "status_changed", "suspected"):
        item = run.discrepancies.filter(category=category).first()
        assert choices(item) == (["accept_bureau", "resolve", "ignore"], ["accept_bureau"]), category
    lone = run.discrepancies.filter(
        category__in=["missing_in_bureau", "pending_sync", "missing_in_ledger", "ambiguous"]
    )
    lone_ledger, lone_bureau = lone.filter(invoice__isnull=False), lone.filter(invoice__isnull=True)
    for item in run.discrepancies.filter(category="missing_in_ledger"):
        can_link = lone_ledger.filter(counterparty_tin=item.counterparty_tin).exists()
        expected = ["add_to_ledger", *(["link"] if can_link else []), "resolve", "ignore"]
        assert choices(item) == (expected, ["add_to_ledger"])
    for item in run.discrepancies.filter(category__in=["missing_in_bureau", "pending_sync"]):
        can_link = lone_bureau.filter(counterparty_tin=item.counterparty_tin).exists()
        fits = "ignore" if item.category == "pending_sync" else ("link" if can_link else "resolve")
        assert choices(item) == ([*(["link"] if can_link else []), "resolve", "ignore"], [fits])

    mismatch = run.discrepancies.filter(category="mismatch", flags__contains=["decimal_shift"]).first()
    decisions.decide(company=company_a, by=alice, discrepancies=[mismatch], action="accept_bureau")
    mismatch.refresh_from_db()
    assert mismatch.state == "corrected"
    assert choices(mismatch) == (["reopen"], ["reopen"])
    again = decisions.decide(company=company_a, by=alice, discrepancies=[mismatch], action="accept_bureau")
    assert [problem for _item, problem in again.refused] == ["这条差异已经处理过：请先重新打开。"]
    # The case as it was found stays explained after the correction.
    assert "倍，建议改为" in page(client, f"/reconcile/discrepancies/{mismatch.pk}/")
    typo = run.discrepancies.filter(category="number_typo").first()
    wrong, right = typo.invoice.number, typo.bureau_invoice.number
    decisions.decide(company=company_a, by=alice, discrepancies=[typo], action="accept_bureau")
    assert Invoice.objects.get(pk=typo.invoice_id).number == right
    html = page(client, f"/reconcile/discrepancies/{typo.pk}/")
    assert f"台账 {wrong}，税局 {right}，建议改为 {right}" in html


def test_a_decision_the_case_cannot_take_is_refused_with_why(company_a, alice, every_case):
    _world, run = every_case
    missing = run.discrepancies.filter(category="missing_in_bureau").first()
    outcome = decisions.decide(company=company_a, by=alice, discrepancies=[missing], action="reopen")
    assert [problem for _item, problem in outcome.refused] == ["这条差异尚未处理，无需重新打开。"]
    outcome = decisions.decide(company=company_a, by=alice, discrepancies=[missing], action="add_to_ledger")
    assert outcome.done == [] and Discrepancy.objects.get(pk=missing.pk).state == "open"
    assert Invoice.objects.filter(company=company_a).count() == len(_world.ledger)


def test_the_api_explains_each_case_in_the_callers_language(company_a, alice, charlie, api_as, every_case):
    _world, run = every_case
    shifted = run.discrepancies.filter(category="mismatch", flags__contains=["decimal_shift"]).first()
    ledger, bureau = shifted.invoice, shifted.bureau_invoice
    url = f"/api/reconcile/runs/{run.pk}/discrepancies/?category=mismatch&page_size=100"
    answers = {
        language: {
            row["id"]: row for row in api_as(alice).get(url, HTTP_ACCEPT_LANGUAGE=language).json()["results"]
        }
        for language in ("zh-hans", "en")
    }
    assert answers["zh-hans"][shifted.pk]["explanation"] == [
        f"台账税额是税局的 10 倍，建议改为 {bureau.tax:,.2f}",
        f"价税合计相差 {ledger.total - bureau.total:,.2f}："
        f"台账 {ledger.total:,.2f}，税局 {bureau.total:,.2f}",
    ]
    assert answers["en"][shifted.pk]["explanation"][0] == (
        f"The ledger's tax is 10 times the bureau's; correct it to {bureau.tax:,.2f}"
    )
    assert all(row["explanation"] for row in answers["en"].values())
    assert api_as(charlie).get(url).status_code == 404

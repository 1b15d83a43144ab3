"""The ledger's pages as a person reads them: the edit form's date, rates as percentages, the
amount column, and a deduction state only where ticking applies."""

import re
from datetime import date

from django.urls import reverse

from tests.fixtures.invoices import SUPPLIER_NAME, SUPPLIER_TIN, make_invoice


def input_value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def sale(company, **overrides):
    return make_invoice(
        company,
        direction="sales",
        number="26312000000000000001",
        seller_tin=company.tin,
        seller_name=company.name,
        buyer_tin=SUPPLIER_TIN,
        buyer_name=SUPPLIER_NAME,
        **overrides,
    )


def test_it_opens_the_edit_form_with_the_issue_date_as_the_date_input_takes_it(bob, company_a, browser_as):
    invoice = make_invoice(company_a, bob, issue_date=date(2026, 12, 1))
    response = browser_as(bob).get(reverse("invoice_edit", args=[invoice.pk]))
    assert response.status_code == 200
    assert input_value(response.text, "issue_date") == "2026-12-01"
    assert 'class="error"' not in response.text
    assert "has-error" not in response.text
    assert 'hx-trigger="input changed' in response.text  # no check before anything is typed


def test_it_opens_an_empty_new_form_without_errors(bob, company_a, browser_as):
    response = browser_as(bob).get(reverse("invoice_create"))
    assert 'class="error"' not in response.text
    assert 'hx-trigger="input changed' in response.text


def test_it_shows_line_rates_as_percentages(bob, company_a, browser_as):
    invoice = make_invoice(company_a, bob)
    client = browser_as(bob)
    detail = client.get(reverse("invoice_detail", args=[invoice.pk])).text
    assert '<td class="num">13%</td>' in detail
    assert "0.13" not in detail
    edit = client.get(reverse("invoice_edit", args=[invoice.pk])).text
    assert input_value(edit, "lines-0-rate") == "13%"


def test_it_saves_a_rate_typed_as_13_or_13_percent_as_the_bureau_writes_it(bob, company_a, browser_as):
    invoice = make_invoice(company_a, bob)
    client = browser_as(bob)
    form = client.get(reverse("invoice_edit", args=[invoice.pk])).context["form"]
    for typed in ("13", "13%", "0.13"):
        data = {name: form.initial.get(name) or "" for name in form.fields}
        data.update(
            {
                "issue_date": "2026-05-14",
                "is_red": "",
                "reason": "税率",
                "lines-TOTAL_FORMS": "1",
                "lines-INITIAL_FORMS": "0",
                "lines-0-item_name": "*纸制品*打印纸",
                "lines-0-amount": "1000.00",
                "lines-0-rate": typed,
                "lines-0-tax": "130.00",
            }
        )
        response = client.post(reverse("invoice_edit", args=[invoice.pk]), data)
        assert response.status_code == 302, typed
        assert invoice.lines.get().rate == "0.13"


def test_it_lists_the_amount_before_tax_next_to_tax_and_total(bob, company_a, browser_as):
    make_invoice(company_a, bob)
    html = browser_as(bob).get(reverse("invoice_list")).text
    assert '<th class="num">金额（不含税）</th>' in html
    row = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', row) == ["1,000.00", "130.00", "1,130.00"]


def test_it_shows_no_deduction_state_for_a_sale_or_a_voided_purchase(bob, company_a, browser_as):
    sold = sale(company_a)
    voided = make_invoice(company_a, bob, number="26352000000012345679", status="voided")
    ticked = make_invoice(company_a, bob, number="26352000000012345670")
    client = browser_as(bob)
    html = client.get(reverse("invoice_list")).text
    cells = re.findall(r'<td class="hide-narrow deduction">(.*?)</td>', html)
    not_applicable = '<span class="muted" title="%s">— <span class="visually-hidden">不适用</span></span>'
    assert cells == [  # newest first; all three are of the same day, so the last entered first
        "未勾选",
        not_applicable % "已作废或已全额红冲的发票不能勾选抵扣。",
        not_applicable % "只有进项发票可以抵扣。",
    ]
    detail = client.get(reverse("invoice_detail", args=[sold.pk])).text
    assert '<dd>不适用 <small class="muted">只有进项发票可以抵扣。</small>' in detail
    detail = client.get(reverse("invoice_detail", args=[voided.pk])).text
    assert "已作废或已全额红冲的发票不能勾选抵扣。" in detail
    detail = client.get(reverse("invoice_detail", args=[ticked.pk])).text
    assert "<dd>未勾选" in detail


def test_it_offers_sort_orders_in_words(bob, company_a, browser_as):
    html = browser_as(bob).get(reverse("invoice_list")).text
    select = re.search(r'<select name="ordering"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select) == [
        "开票日期（新→旧）",
        "开票日期（旧→新）",
        "价税合计（大→小）",
        "价税合计（小→大）",
        "发票号码（小→大）",
        "发票号码（大→小）",
        "对方名称（升序）",
        "对方名称（降序）",
        "录入时间（新→旧）",
        "录入时间（旧→新）",
    ]


def test_it_sorts_by_the_chosen_order(bob, company_a, browser_as):
    make_invoice(company_a, bob, number="26352000000000000001", issue_date=date(2026, 5, 1))
    make_invoice(company_a, bob, number="26352000000000000002", issue_date=date(2026, 5, 3))
    page = browser_as(bob).get(reverse("invoice_list"), {"ordering": "issue_date"}).context["page"]
    assert [invoice.number for invoice in page] == ["26352000000000000001", "26352000000000000002"]


def test_it_offers_kinds_as_checkboxes_and_dates_as_date_inputs(bob, company_a, browser_as):
    response = browser_as(bob).get(
        reverse("invoice_list"), {"kind": ["special", "toll"], "date_from": "2026-05-01"}
    )
    html = response.text
    assert '<select name="kind"' not in html
    kinds = re.findall(r'<input type="checkbox" name="kind" value="([a-z_]+)"([^>]*)>', html)
    assert len(kinds) == 14
    assert [value for value, rest in kinds if "checked" in rest] == ["special", "toll"]
    assert "<legend>票种</legend>" in html
    assert input_value(html, "date_from") == "2026-05-01"
    assert re.search(r'<input type="date" name="date_from"', html)
    assert re.search(r'<input type="date" name="date_to"', html)


def test_a_malformed_filter_lists_nothing_and_says_so(bob, company_a, browser_as):
    make_invoice(company_a, bob)
    for params in (
        {"date_from": "2026/13/01"},
        {"date_to": "昨天"},
        {"kind": "nonsense"},
        {"total_min": "abc"},
    ):
        response = browser_as(bob).get(reverse("invoice_list"), params)
        assert response.status_code == 200
        assert list(response.context["page"]) == [], params
        assert response.context["totals"]["count"] == 0
        assert "有筛选条件无法识别，因此未列出任何发票：请在下方改正，或清除筛选条件。" in response.text
        assert 'class="error" role="alert"' in response.text


def test_the_api_and_the_export_refuse_a_malformed_filter_with_a_message(bob, company_a, api_as, browser_as):
    make_invoice(company_a, bob)
    refused = api_as(bob).get(
        "/api/invoices/", {"date_from": "2026-13-01"}, HTTP_X_COMPANY=company_a.tin, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 400
    assert refused.json() == {"date_from": ["Enter a valid date."]}
    refused = api_as(bob).get("/api/invoices/", {"date_from": "2026-13-01"}, HTTP_X_COMPANY=company_a.tin)
    assert refused.json() == {"date_from": ["输入一个有效的日期。"]}
    export = browser_as(bob).get(reverse("invoice_export", args=["csv"]), {"date_from": "2026-13-01"})
    assert export.status_code == 400
    assert "有筛选条件无法识别，因此未导出任何发票。" in export.text


def test_ticking_a_sale_from_the_list_leaves_it_and_says_why(bob, company_a, browser_as):
    sold = sale(company_a)
    bought = make_invoice(company_a, bob)
    client = browser_as(bob)
    response = client.post(
        reverse("invoice_bulk_deduction"),
        {"ids": [sold.pk, bought.pk], "deduction": "deducted", "period": "2026-05", "query": ""},
        follow=True,
    )
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["已修改 1 张发票。", f"{sold.identity}: 只有进项发票可以抵扣。"]
    sold.refresh_from_db()
    bought.refresh_from_db()
    assert (sold.deduction, sold.deduction_period) == ("unticked", None)
    assert bought.deduction == "deducted"

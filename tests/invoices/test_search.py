"""The ledger's search: any part of a number, code or taxpayer ID, an amount however it is typed,
the drawer, a line's item and the remarks; only ever within the company."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from invoices.models import Invoice, InvoiceLine
from invoices.search_terms import search_terms
from invoices.selectors import invoice_queryset, invoices_matching
from tests.conftest import TIN_A
from tests.fixtures.invoices import make_invoice

OTHER_SUPPLIER = ("深圳示例电子有限公司", "914403007556190127")


@pytest.fixture
def ledger(company_a, alice):
    """A 数电专票 (1,000.00 + 130.00 = 1,130.00) drawn by 王小明 for printer paper, and a legacy
    电子普票 (2,469.14 + 24.69 = 2,493.83) from another supplier for a repair."""
    digital = make_invoice(
        company_a,
        alice,
        number="26352000000012345678",
        drawer="王小明",
        remarks="合同号 HT-778，五月到货",
    )
    legacy = make_invoice(
        company_a,
        alice,
        kind="e_ordinary",
        code="044001500111",
        number="81966722",
        seller_name=OTHER_SUPPLIER[0],
        seller_tin=OTHER_SUPPLIER[1],
        amount="2469.14",
        tax="24.69",
        total="2493.83",
        total_in_words="贰仟肆佰玖拾叁圆捌角叁分",
        drawer="李四",
        lines=[{"item_name": "*维修*设备维修", "amount": "2469.14", "rate": "1%", "tax": "24.69"}],
    )
    return {"digital": digital.number, "legacy": legacy.number}


def found(company, text) -> list[str]:
    return sorted(
        invoice_queryset(company=company)
        .filter(invoices_matching(company=company, text=text))
        .values_list("number", flat=True)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5678", ["digital"]),  # the last digits of a 20-digit 数电 number
        ("26352000000012345678", ["digital"]),  # a whole number
        ("263520000000123456789", []),  # longer than any number
        ("966722", ["legacy"]),  # part of an 8-digit number
        ("0015001", ["legacy"]),  # part of the 发票代码
        ("776049653", ["digital"]),  # part of the supplier's taxpayer ID
        ("7556190127", ["legacy"]),
        ("1130", ["digital"]),  # the total
        ("1,130.00", ["digital"]),
        ("¥1 130.0", ["digital"]),
        ("130.00", ["digital"]),  # the tax
        ("1000", ["digital"]),  # the amount before tax
        ("2,469.14", ["legacy"]),
        ("2493.83", ["legacy"]),
        ("24.69", ["legacy"]),
        ("王小明", ["digital"]),  # the drawer
        ("小明", []),  # one or two characters match where a word starts
        ("王小", ["digital"]),
        ("李四", ["legacy"]),
        ("打印纸", ["digital"]),  # a line's item
        ("设备维修", ["legacy"]),
        ("打印", ["digital"]),  # where the item's name starts, after its category
        ("维修", ["legacy"]),  # where its category starts
        ("印纸", []),
        ("ht-778", ["digital"]),  # the remarks, in any case
        ("合同", ["digital"]),  # where they start
        ("到货", []),
        ("五月到货", ["digital"]),
        ("深圳示例", ["legacy"]),  # the counterparty's name
        ("示例", ["digital", "legacy"]),
        ("1130.01", []),
        ("99999", []),
        ("不存在的商品", []),
    ],
)
def test_it_finds_an_invoice_by_any_part_of_what_it_holds(company_a, ledger, text, expected):
    assert found(company_a, text) == sorted(ledger[name] for name in expected)


def test_it_reads_what_a_search_can_mean():
    assert search_terms("1,234.5").amount == Decimal("1234.50")
    assert search_terms("¥ 1,234.50").amount == Decimal("1234.50")
    assert search_terms("-1130").amount == Decimal("-1130.00")
    assert search_terms("12,34.5").amount is None
    assert search_terms("26352000000012345678").amount is None  # more digits than an amount has
    assert search_terms("9135 0200 7760").identifier == "913502007760"
    assert search_terms("ht-778").identifier == ""
    assert search_terms("   ").empty


def test_the_list_page_and_the_api_search_the_same_way(alice, company_a, ledger, browser_as, api_as):
    page = browser_as(alice).get(reverse("invoice_list"), {"q": "966722"})
    assert [invoice.number for invoice in page.context["page"]] == [ledger["legacy"]]
    assert page.context["totals"]["total"] == Decimal("2493.83")
    api = api_as(alice).get("/api/invoices/", {"q": "1,130.00"}, HTTP_X_COMPANY=TIN_A)
    assert api.status_code == 200
    body = api.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [row["number"] for row in rows] == [ledger["digital"]]


def test_charlie_finds_none_of_alices_invoices(charlie, company_a, company_b, ledger, browser_as, api_as):
    make_invoice(company_b, charlie, number="26110000000000000001")
    for text in ("5678", "1130", "王小明", "打印纸", "776049653"):
        page = browser_as(charlie).get(reverse("invoice_list"), {"q": text})
        assert [invoice.number for invoice in page.context["page"]] == (
            ["26110000000000000001"] if text in ("1130", "打印纸", "776049653") else []
        ), text
        assert ledger["digital"] not in page.text
    refused = api_as(charlie).get("/api/invoices/", {"q": "5678"}, HTTP_X_COMPANY=TIN_A)
    assert refused.status_code in (403, 404)
    assert ledger["digital"] not in refused.text
    assert Invoice.objects.filter(company=company_a).count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
@pytest.mark.parametrize(
    ("model", "lookup", "index"),
    [
        (Invoice, {"number__contains": "345678"}, "invoice_number_trgm"),
        (Invoice, {"digital_number__contains": "345678"}, "invoice_digital_number_trgm"),
        (Invoice, {"code__contains": "500111"}, "invoice_code_trgm"),
        (Invoice, {"counterparty_tin__contains": "776049653"}, "invoice_counterparty_tin_trgm"),
        (Invoice, {"drawer__icontains": "王小明"}, "invoice_drawer_trgm"),
        (Invoice, {"remarks__icontains": "HT-778"}, "invoice_remarks_trgm"),
        (InvoiceLine, {"item_name__icontains": "打印纸"}, "invoice_line_item_trgm"),
        (Invoice, {"drawer__istartswith": "王小"}, "invoice_drawer_trgm"),
        (Invoice, {"remarks__istartswith": "合同"}, "invoice_remarks_trgm"),
        (InvoiceLine, {"item_name__icontains": "*打印"}, "invoice_line_item_trgm"),
    ],
)
def test_postgresql_can_answer_each_lookup_of_the_search_from_a_trigram_index(ledger, model, lookup, index):
    """The lookups the search writes are those the indexes of migration 0005 serve (the planner
    takes them at size: bench/ledger_search.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = model.objects.filter(**lookup).order_by().explain()
    assert f"Bitmap Index Scan on {index}" in plan

from datetime import date, timedelta

import pytest
from django.urls import reverse

from invoices.models import Invoice, InvoiceEvent
from tests.fixtures.invoices import make_invoice


def many(company, count, start=0, **overrides):
    """Invoices of one supplier on different days (the same day and total would be near-duplicates)."""
    return [
        make_invoice(
            company,
            number=f"2635200000001{index:07d}",
            issue_date=date(2026, 1, 1) + timedelta(index),
            **overrides,
        )
        for index in range(start, start + count)
    ]


def line_form(prefix_count=1, **line):
    data = {"lines-TOTAL_FORMS": str(prefix_count), "lines-INITIAL_FORMS": "0"}
    for name, value in line.items():
        data[f"lines-0-{name}"] = value
    return data


def header_form(company, **overrides):
    data = {
        "direction": "purchase",
        "kind": "digital_special",
        "number": "26352000000012345678",
        "issue_date": "2026-05-14",
        "seller_name": "厦门示例供应链有限公司",
        "seller_tin": "91350200776049653A",
        "buyer_name": company.name,
        "buyer_tin": company.tin,
        "amount": "1000.00",
        "tax": "130.00",
        "total": "1130.00",
        "total_in_words": "壹仟壹佰叁拾圆整",
        "reason": "",
    }
    data.update(overrides)
    return data


def test_the_list_shows_the_invoices_and_the_totals_of_the_filtered_set(bob, company_a, browser_as):
    many(company_a, 3)
    make_invoice(
        company_a,
        number="26352000000099999999",
        direction="sales",
        seller_tin=company_a.tin,
        seller_name=company_a.name,
        buyer_tin="91350200776049653A",
        buyer_name="厦门示例供应链有限公司",
    )
    response = browser_as(bob).get(reverse("invoice_list"), {"direction": "purchase"})
    assert response.context["totals"]["count"] == 3
    assert str(response.context["totals"]["total"]) == "3390.00"
    assert "3,390.00" in response.text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "26352000000010000001"}, 1),
        ({"q": "91350200776049653A"}, 5),
        ({"q": "供应链"}, 5),
        ({"counterparty": "厦门示例"}, 5),
        ({"has": "errors"}, 1),
        ({"has": "clean"}, 4),
        ({"total_min": "2000"}, 1),
        ({"date_from": "2026-05-15"}, 1),
        ({"kind": ["digital_special", "e_ordinary"]}, 5),
        ({"status": "voided"}, 0),
        ({"deduction": "unticked"}, 5),
    ],
)
def test_each_filter_narrows_the_list(bob, company_a, browser_as, params, expected):
    many(company_a, 4)
    make_invoice(
        company_a,
        number="26352000000088888888",
        issue_date="2026-05-20",
        amount="2000.00",
        tax="260.00",
        total="2261.00",
        lines=[],
        total_in_words="",
    )
    response = browser_as(bob).get(reverse("invoice_list"), params)
    assert response.context["totals"]["count"] == expected


def test_the_list_takes_the_same_queries_for_3_and_60_invoices(
    bob, company_a, browser_as, django_assert_num_queries
):
    client = browser_as(bob)
    many(company_a, 3)
    client.get(reverse("invoice_list"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("invoice_list"))
    many(company_a, 57, start=3)
    with django_assert_num_queries(len(few)):
        response = client.get(reverse("invoice_list"))
    assert len(response.context["page"]) == 50


def test_the_detail_page_shows_fields_findings_lines_and_history(bob, company_a, browser_as):
    invoice = make_invoice(company_a, bob, buyer_tin="91310115MA1K4D8X0C")
    response = browser_as(bob).get(reverse("invoice_detail", args=[invoice.pk]))
    assert response.status_code == 200
    assert "*纸制品*打印纸" in response.text
    assert "91310115MA1K4D8X0B" in response.text  # the typo suggestion names the company's TIN
    assert response.context["history"][0]["event"].action == "create"


def test_the_detail_page_takes_the_same_queries_for_one_and_many_events(
    alice, company_a, browser_as, django_assert_max_num_queries
):
    from invoices import services
    from tests.invoices.test_services import draft

    invoice = make_invoice(company_a, alice)
    for index in range(10):
        services.invoice_update(invoice=invoice, by=alice, draft=draft(company_a, remarks=f"第{index}次"))
    client = browser_as(alice)
    with django_assert_max_num_queries(12):
        client.get(reverse("invoice_detail", args=[invoice.pk]))


def test_a_clerk_enters_an_invoice_with_lines(bob, company_a, browser_as):
    data = {
        **header_form(company_a),
        **line_form(item_name="打印纸", amount="1000.00", rate="13%", tax="130.00"),
    }
    response = browser_as(bob).post(reverse("invoice_create"), data)
    assert response.status_code == 302
    invoice = Invoice.objects.get(company=company_a)
    assert (invoice.source, invoice.created_by, invoice.lines.get().rate) == ("manual", bob, "0.13")
    assert invoice.findings == []


def test_entering_a_duplicate_shows_who_entered_the_first(bob, alice, company_a, browser_as):
    make_invoice(company_a, alice)
    response = browser_as(bob).post(reverse("invoice_create"), {**header_form(company_a), **line_form(0)})
    assert response.status_code == 200
    assert response.context["form"].has_error("number", "duplicate")
    assert "alice" in response.text


def test_a_bad_line_is_shown_on_its_row(bob, company_a, browser_as):
    data = {
        **header_form(company_a),
        **line_form(item_name="打印纸", amount="abc", rate="0.13", tax="130.00"),
    }
    response = browser_as(bob).post(reverse("invoice_create"), data)
    assert response.status_code == 200
    assert response.context["lines"].forms[0].has_error("amount")


def test_checking_as_you_type_returns_the_findings(bob, company_a, browser_as):
    data = {**header_form(company_a, buyer_tin="91310115MA1K4D8X0C", total="1131.00"), **line_form(0)}
    response = browser_as(bob).post(reverse("invoice_check"), data)
    assert response.status_code == 200
    assert "91310115MA1K4D8X0B" in response.text
    assert "1,131.00" in response.text or "1131.00" in response.text
    assert not Invoice.objects.exists()


def test_editing_writes_an_event_with_the_reason(bob, company_a, browser_as):
    invoice = make_invoice(company_a, bob)
    data = {
        **header_form(company_a, remarks="项目B", reason="补充备注"),
        **line_form(
            item_name="*纸制品*打印纸",
            tax_classification_code="1060201010000000000",
            spec="A4 70g",
            unit="箱",
            quantity="10",
            unit_price="100",
            amount="1000.00",
            rate="0.13",
            tax="130.00",
        ),
    }
    response = browser_as(bob).post(reverse("invoice_edit", args=[invoice.pk]), data)
    assert response.status_code == 302
    event = InvoiceEvent.objects.filter(invoice=invoice).order_by("seq").last()
    assert (event.changes, event.reason) == ({"remarks": ["", "项目B"]}, "补充备注")


def test_voiding_from_the_detail_page(bob, company_a, browser_as):
    invoice = make_invoice(company_a, bob)
    browser_as(bob).post(reverse("invoice_status", args=[invoice.pk]), {"status": "voided", "reason": "作废"})
    invoice.refresh_from_db()
    assert invoice.status == "voided"


def test_bulk_deduction_from_the_list(bob, company_a, browser_as):
    first, second = many(company_a, 2)
    response = browser_as(bob).post(
        reverse("invoice_bulk_deduction"),
        {
            "ids": [first.pk, second.pk],
            "deduction": "deducted",
            "period": "2026-05",
            "query": "direction=purchase",
        },
    )
    assert response["Location"] == "/invoices/?direction=purchase"
    assert set(Invoice.objects.values_list("deduction", flat=True)) == {"deducted"}

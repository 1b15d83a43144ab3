"""Ticking (抵扣勾选) applies to purchase invoices of a deductible kind that are not voided,
fully red-flushed or red; the service refuses the rest and says why."""

from datetime import date

import pytest

from invoices import services
from invoices.models import Invoice
from tests.fixtures.invoices import SUPPLIER_NAME, SUPPLIER_TIN, make_invoice


def tick(company, user, invoice, deduction="deducted"):
    return services.invoice_set_deduction(
        company=company,
        invoice_ids=[invoice.pk],
        by=user,
        deduction=deduction,
        period=date(2026, 5, 1),
        not_deductible_reason="welfare",
    )


def sale(company):
    return make_invoice(
        company,
        direction="sales",
        number="26312000000000000001",
        seller_tin=company.tin,
        seller_name=company.name,
        buyer_tin=SUPPLIER_TIN,
        buyer_name=SUPPLIER_NAME,
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (sale, "只有进项发票可以抵扣。"),
        (
            lambda company: make_invoice(company, status="voided"),
            "已作废或已全额红冲的发票不能勾选抵扣。",
        ),
        (
            lambda company: make_invoice(company, status="red_flushed_full"),
            "已作废或已全额红冲的发票不能勾选抵扣。",
        ),
        (
            lambda company: make_invoice(company, kind="digital_ordinary"),
            "只有专用发票（专票）、通行费发票和机动车发票可以勾选抵扣，数电票（普通发票）不行。",
        ),
    ],
)
@pytest.mark.parametrize("deduction", ["deducted", "not_deductible"])
def test_it_refuses_to_tick_an_invoice_ticking_does_not_apply_to(company_a, alice, make, message, deduction):
    invoice = make(company_a)
    result = tick(company_a, alice, invoice, deduction)
    assert result.changed == 0
    assert [(refused.pk, problem) for refused, problem in result.refused] == [(invoice.pk, message)]
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.deduction, stored.deduction_period, stored.not_deductible_reason) == ("unticked", None, "")
    assert list(stored.events.values_list("action", flat=True)) == ["create"]


def test_it_refuses_a_red_invoice_in_english_too(company_a, alice, settings):
    from django.utils import translation

    red = make_invoice(
        company_a,
        number="26352000000012340000",
        amount="-1000.00",
        tax="-130.00",
        total="-1130.00",
        total_in_words="（负数）壹仟壹佰叁拾圆整",
        is_red=True,
        lines=[{"item_name": "*纸制品*打印纸", "amount": "-1000.00", "rate": "0.13", "tax": "-130.00"}],
    )
    with translation.override("en"):
        result = tick(company_a, alice, red)
    assert [problem for _invoice, problem in result.refused] == [
        "A red invoice is not ticked: it takes back the tax of its blue original."
    ]
    assert Invoice.objects.get(pk=red.pk).deduction == "unticked"


def test_it_ticks_a_partly_red_flushed_special_invoice_and_unticks_a_voided_one(company_a, alice):
    partly = make_invoice(company_a, status="red_flushed_partial")
    assert tick(company_a, alice, partly).changed == 1
    assert Invoice.objects.get(pk=partly.pk).deduction == "deducted"
    services.invoice_void(invoice=partly, by=alice, reason="作废")
    assert tick(company_a, alice, partly, "unticked").changed == 1
    assert Invoice.objects.get(pk=partly.pk).deduction == "unticked"

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from invoices import services
from invoices.audit_trail import verify_company_trail
from invoices.drafts import clean_draft
from invoices.models import Invoice, InvoiceEvent, Source, Status
from tests.fixtures.invoices import make_invoice, purchase_values


def draft(company, **overrides):
    values = purchase_values(company, **overrides)
    return clean_draft(values, values.pop("lines"))


def test_creating_stores_the_invoice_its_lines_and_a_create_event(company_a, bob):
    invoice = make_invoice(company_a, bob)
    assert (invoice.identity, invoice.counterparty_tin, invoice.error_count) == (
        "26352000000012345678",
        "91350200776049653A",
        0,
    )
    assert invoice.lines.get().amount == Decimal("1000.00")
    event = invoice.events.get()
    assert (event.action, event.user, event.seq) == ("create", bob, 1)
    assert event.changes["total"] == [None, "1130.00"]


def test_a_duplicate_is_refused_naming_the_existing_record(company_a, bob, alice):
    first = make_invoice(company_a, bob)
    with pytest.raises(ValidationError) as caught:
        make_invoice(company_a, alice)
    error = caught.value.error_dict["number"][0]
    assert error.code == "duplicate"
    assert error.params["by"] == "bob"
    assert error.params["date"] == "2026-05-14"
    assert error.params["total"] == "1,130.00"
    assert error.params["id"] == str(first.pk)
    assert Invoice.objects.count() == 1


def test_the_same_invoice_may_be_in_two_companies(company_a, company_b):
    make_invoice(company_a)
    make_invoice(company_b)
    assert Invoice.objects.count() == 2


def test_a_number_one_character_away_with_the_same_seller_date_and_total_is_a_near_duplicate(company_a):
    make_invoice(company_a)
    second = make_invoice(company_a, number="26352000000012345679")
    assert "near_duplicate" in {finding["code"] for finding in second.findings}


def test_a_purchase_not_issued_to_the_company_is_an_error(company_a):
    invoice = make_invoice(company_a, buyer_tin="91310115MA1K4D8X0C")
    codes = {finding["code"] for finding in invoice.findings}
    assert "buyer_not_company" in codes
    assert invoice.error_count >= 1


def test_an_update_records_each_changed_field(company_a, alice):
    invoice = make_invoice(company_a, alice)
    services.invoice_update(
        invoice=invoice, by=alice, draft=draft(company_a, remarks="项目A", drawer="王芳"), reason="补录备注"
    )
    event = invoice.events.order_by("seq").last()
    assert (event.action, event.reason) == ("update", "补录备注")
    assert event.changes == {"remarks": ["", "项目A"], "drawer": ["", "王芳"]}


def test_an_update_that_changes_nothing_writes_no_event(company_a, alice):
    invoice = make_invoice(company_a, alice)
    services.invoice_update(invoice=invoice, by=alice, draft=draft(company_a))
    assert invoice.events.count() == 1


def test_an_update_that_fixes_a_shifted_amount_clears_the_finding(company_a, alice):
    invoice = make_invoice(company_a, alice, tax="1300.00", total="2300.00")
    assert invoice.error_count > 0
    updated = services.invoice_update(invoice=invoice, by=alice, draft=draft(company_a))
    assert (updated.error_count, updated.findings) == (0, [])
    assert updated.events.last().changes["tax"] == ["1300.00", "130.00"]


def test_an_update_cannot_take_another_invoices_identity(company_a, alice):
    make_invoice(company_a, alice)
    other = make_invoice(company_a, alice, number="26352000000099999999")
    with pytest.raises(ValidationError) as caught:
        services.invoice_update(invoice=other, by=alice, draft=draft(company_a))
    assert caught.value.error_dict["number"][0].code == "duplicate"


def test_voiding_needs_a_reason_and_is_audited(company_a, alice):
    invoice = make_invoice(company_a, alice)
    with pytest.raises(ValidationError):
        services.invoice_void(invoice=invoice, by=alice, reason=" ")
    services.invoice_void(invoice=invoice, by=alice, reason="销方已作废")
    invoice.refresh_from_db()
    assert invoice.status == Status.VOIDED
    event = invoice.events.order_by("seq").last()
    assert (event.action, event.changes, event.reason) == (
        "void",
        {"status": ["normal", "voided"]},
        "销方已作废",
    )


def test_a_red_invoice_flushes_its_blue_original_partly_then_fully(company_a, alice):
    blue = make_invoice(company_a, alice)
    red_values = {"is_red": True, "blue_identity": blue.identity, "lines": [], "total_in_words": ""}
    make_invoice(
        company_a,
        alice,
        number="26352000000022222222",
        amount="-500.00",
        tax="-65.00",
        total="-565.00",
        **red_values,
    )
    blue.refresh_from_db()
    assert blue.status == Status.RED_FLUSHED_PARTIAL
    make_invoice(
        company_a,
        alice,
        number="26352000000033333333",
        amount="-500.00",
        tax="-65.00",
        total="-565.00",
        **red_values,
    )
    blue.refresh_from_db()
    assert blue.status == Status.RED_FLUSHED_FULL
    assert blue.events.order_by("seq").last().changes["status"] == ["red_flushed_partial", "red_flushed_full"]


def test_a_red_invoice_entered_first_is_linked_when_its_blue_arrives(company_a, alice):
    red = make_invoice(
        company_a,
        alice,
        number="26352000000022222222",
        amount="-1000.00",
        tax="-130.00",
        total="-1130.00",
        is_red=True,
        blue_identity="26352000000012345678",
        lines=[],
        total_in_words="",
    )
    assert "red_without_blue" in {finding["code"] for finding in red.findings}
    blue = make_invoice(company_a, alice)
    red.refresh_from_db()
    blue.refresh_from_db()
    assert red.blue_original == blue
    assert "red_without_blue" not in {finding["code"] for finding in red.findings}
    assert blue.status == Status.RED_FLUSHED_FULL


def test_deduction_applies_to_purchases_and_reports_the_rest(company_a, alice):
    purchase = make_invoice(company_a, alice)
    sale = make_invoice(
        company_a,
        alice,
        direction="sales",
        number="26312000000000000001",
        seller_tin=company_a.tin,
        seller_name=company_a.name,
        buyer_tin="91350200776049653A",
        buyer_name="厦门示例供应链有限公司",
    )
    result = services.invoice_set_deduction(
        company=company_a,
        invoice_ids=[purchase.pk, sale.pk],
        by=alice,
        deduction="deducted",
        period=date(2026, 5, 20),
    )
    assert result.changed == 1
    assert [invoice.pk for invoice, _problem in result.refused] == [sale.pk]
    purchase.refresh_from_db()
    assert (purchase.deduction, purchase.deduction_period) == ("deducted", date(2026, 5, 1))


def test_a_voided_invoice_cannot_be_ticked(company_a, alice):
    invoice = make_invoice(company_a, alice, status="voided")
    result = services.invoice_set_deduction(
        company=company_a, invoice_ids=[invoice.pk], by=alice, deduction="deducted", period=date(2026, 5, 1)
    )
    assert (result.changed, len(result.refused)) == (0, 1)


def test_deduction_needs_a_period_or_a_reason(company_a, alice):
    invoice = make_invoice(company_a, alice)
    with pytest.raises(ValidationError):
        services.invoice_set_deduction(
            company=company_a, invoice_ids=[invoice.pk], by=alice, deduction="deducted"
        )
    with pytest.raises(ValidationError):
        services.invoice_set_deduction(
            company=company_a, invoice_ids=[invoice.pk], by=alice, deduction="not_deductible"
        )


def test_deduction_never_touches_another_companys_invoice(company_a, company_b, alice):
    foreign = make_invoice(company_b)
    result = services.invoice_set_deduction(
        company=company_a, invoice_ids=[foreign.pk], by=alice, deduction="deducted", period=date(2026, 5, 1)
    )
    assert result.changed == 0
    foreign.refresh_from_db()
    assert foreign.deduction == "unticked"


def test_the_audit_chain_survives_many_changes_and_names_an_edited_event(company_a, alice):
    invoice = make_invoice(company_a, alice)
    services.invoice_update(invoice=invoice, by=alice, draft=draft(company_a, remarks="一"))
    services.invoice_update(invoice=invoice, by=alice, draft=draft(company_a, remarks="二"))
    services.invoice_void(invoice=invoice, by=alice, reason="重复报销")
    assert verify_company_trail(company_a) == (4, [])
    out = StringIO()
    call_command("verify_audit", "--company", company_a.tin, stdout=out)
    assert "4 events, chain intact" in out.getvalue()

    tampered = InvoiceEvent.objects.get(company=company_a, seq=3)
    InvoiceEvent.objects.filter(pk=tampered.pk).update(changes={"remarks": ["一", "三"]})
    out = StringIO()
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit", "--company", company_a.tin, stdout=out)
    assert f"event #3 (id {tampered.pk})" in out.getvalue()


def test_events_of_two_companies_are_chained_separately(company_a, company_b):
    make_invoice(company_a)
    make_invoice(company_b)
    assert InvoiceEvent.objects.get(company=company_b).seq == 1
    assert verify_company_trail(company_b) == (1, [])


def test_a_structurally_bad_draft_names_every_field(company_a):
    with pytest.raises(ValidationError) as caught:
        clean_draft(
            purchase_values(company_a, number="", amount="12.345", issue_date="2026-13-01", kind="x"),
            [{"item_name": "", "amount": "abc", "rate": "7%", "tax": "1"}],
        )
    assert set(caught.value.error_dict) == {
        "number",
        "amount",
        "issue_date",
        "kind",
        "lines[0].item_name",
        "lines[0].amount",
    }


def test_source_is_kept(company_a):
    values = purchase_values(company_a)
    invoice = services.invoice_create(
        company=company_a, by=None, draft=clean_draft(values, values.pop("lines")), source=Source.API
    )
    assert invoice.source == "api"

"""The integrity check compares each invoice and its lines with the state its audit trail tells: an
edit through the ledger passes, a change made in the database behind the trail is named field by
field, even when amount, tax, total and lines were changed together so that every sum still adds up."""

import time
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from invoices import services
from invoices.drafts import clean_draft
from invoices.fapiao import Kind
from invoices.importing import import_ledger
from invoices.models import Invoice, InvoiceLine, Status
from monitor import chained_state_check, tasks
from monitor.integrity_check import run_integrity
from monitor.messages import sentence, title
from monitor.models import Anomaly, CheckRun
from tests.fixtures.clerk_ledger import clerk_ledger
from tests.fixtures.invoices import make_invoice, purchase_values

pytestmark = pytest.mark.django_db

# 1,000.00 + 130.00 made 900.00 + 117.00 = 1,017.00 everywhere, the words and the line included:
# every rule still holds, so only the trail can tell.
SHRUNK = {"amount": "900.00", "tax": "117.00", "total": "1017.00", "total_in_words": "壹仟零壹拾柒圆整"}


def live(kind: str) -> list[Anomaly]:
    return list(Anomaly.objects.filter(kind=kind).exclude(state="resolved").order_by("key"))


def sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def set_behind_the_trail(invoice: Invoice, amount, tax, total, words, unit_price) -> None:
    statement = (
        "UPDATE invoices_invoice SET amount = %s, tax = %s, total = %s, total_in_words = %s WHERE id = %s"
    )
    sql(statement, amount, tax, total, words, invoice.pk)
    statement = "UPDATE invoices_invoiceline SET unit_price = %s, amount = %s, tax = %s WHERE invoice_id = %s"
    sql(statement, unit_price, amount, tax, invoice.pk)


def shrink_behind_the_trail(invoice: Invoice) -> None:
    set_behind_the_trail(invoice, *SHRUNK.values(), unit_price="90")


def edit(invoice: Invoice, by, **overrides) -> Invoice:
    values = purchase_values(invoice.company, **overrides)
    lines = values.pop("lines")
    return services.invoice_update(invoice=invoice, by=by, draft=clean_draft(values, lines), reason="更正")


def test_an_invoice_edited_through_the_ledger_passes(company_a, alice):
    invoice = make_invoice(company_a, alice)
    line = {**purchase_values(company_a)["lines"][0], "unit_price": "90", "amount": "900.00", "tax": "117.00"}
    edit(invoice, alice, **SHRUNK, remarks="改过", lines=[line, {**line, "item_name": "*纸制品*复印纸"}])
    services.invoice_set_deduction(
        company=company_a, invoice_ids=[invoice.pk], by=alice, deduction="deducted", period=date(2026, 5, 1)
    )
    result = run_integrity()
    assert result.ok, result.rows
    assert result.run.counts["invoices_traced"] == 1
    assert live("trail_mismatch") == [] and live("trail_unvouched") == []


def test_a_consistent_change_behind_the_trail_is_named_field_by_field(company_a, alice):
    honest = make_invoice(company_a, alice, number="26352000000087654321")
    invoice = make_invoice(company_a, alice)
    edit(invoice, alice, remarks="合同 A-17")  # an honest edit first: the trail's latest state counts
    shrink_behind_the_trail(invoice)

    result = run_integrity()
    # Nothing but the trail notices: the sums add up and the findings are what the rules say.
    assert [(row["kind"], row["subject"]) for row in result.rows] == [
        (
            "trail_mismatch",
            "26352000000012345678 amount, tax, total, total_in_words, lines[1].unit_price, lines[1].amount, "
            "lines[1].tax",
        )
    ]
    (anomaly,) = live("trail_mismatch")
    assert (anomaly.company, anomaly.severity, anomaly.key) == (
        company_a,
        "critical",
        f"invoice:{invoice.pk}",
    )
    assert anomaly.subject_url == f"/invoices/{invoice.pk}/"
    assert anomaly.details == {
        "invoice": "26352000000012345678",
        "differences": [
            {"field": "amount", "chained": "1000.00", "stored": "900.00"},
            {"field": "tax", "chained": "130.00", "stored": "117.00"},
            {"field": "total", "chained": "1130.00", "stored": "1017.00"},
            {"field": "total_in_words", "chained": "壹仟壹佰叁拾圆整", "stored": "壹仟零壹拾柒圆整"},
            {"field": "lines[1].unit_price", "chained": "100.00", "stored": "90.00"},
            {"field": "lines[1].amount", "chained": "1000.00", "stored": "900.00"},
            {"field": "lines[1].tax", "chained": "130.00", "stored": "117.00"},
        ],
    }
    assert f"invoice:{honest.pk}" not in {anomaly.key for anomaly in live("trail_mismatch")}
    with translation.override("zh-hans"):
        assert title(anomaly) == "发票与其审计记录不一致"
        words = sentence(anomaly)
    assert words.startswith(
        "发票 26352000000012345678 在数据库中被绕过审计记录改动：金额（不含税）：审计记录为 1000.00，"
    )
    assert "台账中为 900.00" in words and "第 1 行金额：审计记录为 1000.00，台账中为 900.00" in words
    with translation.override("en"):
        words = sentence(anomaly)
    assert words.startswith(
        "Invoice 26352000000012345678 was changed in the database behind its audit trail: amount excl. tax: "
        "the trail says 1000.00, the ledger holds 900.00; tax: the trail says 130.00"
    )
    assert "line 1 amount: the trail says 1000.00, the ledger holds 900.00" in words


def test_the_admin_sees_it_on_the_worklist_and_charlie_does_not(company_a, alice, charlie, browser_as):
    invoice = make_invoice(company_a, alice)
    shrink_behind_the_trail(invoice)
    run_integrity()
    (anomaly,) = live("trail_mismatch")
    page = browser_as(alice).get(f"/dashboard/worklist/{anomaly.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert page.status_code == 200
    assert "发票与其审计记录不一致" in text
    assert "发票 26352000000012345678 在数据库中被绕过审计记录改动" in text and "台账中为 900.00" in text
    assert f'href="/invoices/{invoice.pk}/"' in text
    assert browser_as(charlie).get(f"/dashboard/worklist/{anomaly.pk}/").status_code == 404


def test_running_again_changes_nothing_and_putting_it_back_resolves(company_a, alice):
    invoice = make_invoice(company_a, alice)
    shrink_behind_the_trail(invoice)
    run_integrity()
    first = live("trail_mismatch")
    run_integrity()
    assert live("trail_mismatch") == first and Anomaly.objects.filter(kind="trail_mismatch").count() == 1
    set_behind_the_trail(invoice, "1000.00", "130.00", "1130.00", "壹仟壹佰叁拾圆整", unit_price="100")
    assert run_integrity().ok
    assert Anomaly.objects.get(kind="trail_mismatch").state == "resolved"


def test_a_line_deleted_or_added_behind_the_trail_is_found(company_a, alice):
    lost = make_invoice(company_a, alice)
    extra = make_invoice(company_a, alice, number="26352000000087654321")
    InvoiceLine.objects.filter(invoice=lost).delete()
    InvoiceLine.objects.create(
        invoice=extra, position=2, item_name="*运输服务*运费", amount=Decimal("0.00"), rate="0.09", tax=0
    )
    run_integrity()
    found = {anomaly.details["invoice"]: anomaly.details["differences"] for anomaly in live("trail_mismatch")}
    line = {
        "item_name": "*纸制品*打印纸",
        "tax_classification_code": "1060201010000000000",
        "spec": "A4 70g",
        "unit": "箱",
        "quantity": "10.00",
        "unit_price": "100.00",
        "amount": "1000.00",
        "rate": "0.13",
        "tax": "130.00",
    }
    added = {
        "item_name": "*运输服务*运费",
        "tax_classification_code": "",
        "spec": "",
        "unit": "",
        "quantity": None,
        "unit_price": None,
        "amount": "0.00",
        "rate": "0.09",
        "tax": "0.00",
    }
    assert found == {
        "26352000000012345678": [{"field": "lines[1]", "chained": line, "stored": None}],
        "26352000000087654321": [{"field": "lines[2]", "chained": None, "stored": added}],
    }
    with translation.override("en"):
        words = {anomaly.details["invoice"]: sentence(anomaly) for anomaly in live("trail_mismatch")}
    assert (
        "line 1: the trail says *纸制品*打印纸 1000.00 0.13 130.00, the ledger holds —"
        in words[lost.identity]
    )
    assert "line 2: the trail says —, the ledger holds *运输服务*运费 0.00 0.09 0.00" in words[extra.identity]


def test_an_edited_invoice_then_red_flushed_or_voided_passes(company_a, alice):
    blue = make_invoice(company_a, alice)
    edit(blue, alice, remarks="对应合同 A-17", drawer="王五")
    red_values = {"is_red": True, "blue_identity": blue.identity, "lines": [], "total_in_words": ""}
    make_invoice(
        company_a,
        alice,
        number="26352000000022222222",
        amount="-1000.00",
        tax="-130.00",
        total="-1130.00",
        **red_values,
    )
    voided = make_invoice(company_a, alice, number="26352000000087654321")
    edit(voided, alice, number="26352000000087654321", remarks="改过")
    services.invoice_void(invoice=voided, by=alice, reason="销方已作废")
    blue.refresh_from_db()
    voided.refresh_from_db()
    assert (blue.status, voided.status) == (Status.RED_FLUSHED_FULL, Status.VOIDED)

    result = run_integrity()
    assert [row for row in result.rows if row["kind"].startswith("trail_")] == []
    assert result.run.counts["invoices_traced"] == 3


def test_a_change_covered_by_a_later_edit_is_still_found(company_a, alice):
    """The edit's event found the altered value as the old one and wrote the honest one over it: the
    ledger now agrees with the trail, but the trail shows it did not leave that value."""
    invoice = make_invoice(company_a, alice)
    sql("UPDATE invoices_invoice SET drawer = %s WHERE id = %s", "张三", invoice.pk)
    edit(invoice, alice, remarks="改过")
    seq = invoice.events.order_by("seq").last().seq
    run_integrity()
    (anomaly,) = live("trail_mismatch")
    assert anomaly.details["differences"] == [
        {"field": "drawer", "chained": "", "stored": "张三", "seq": seq}
    ]
    with translation.override("en"):
        assert f"drawer (开票人): the trail says —, event {seq} found 张三" in sentence(anomaly)


def test_invoices_with_no_trail_are_counted_once(company_a, alice):
    make_invoice(company_a, alice)
    values = purchase_values(company_a, total=Decimal("1130.00"))
    values.pop("lines")
    for number in ("26352000000000000011", "26352000000000000012", "26352000000000000013"):
        Invoice.objects.create(
            company=company_a,
            **{**values, "number": number, "amount": Decimal("1000.00"), "tax": Decimal("130.00")},
            identity=number,
            counterparty_name=values["seller_name"],
            counterparty_tin=values["seller_tin"],
        )
    result = run_integrity()
    assert live("trail_mismatch") == []
    (anomaly,) = live("trail_unvouched")
    assert (anomaly.severity, anomaly.details) == (
        "error",
        {"count": 3, "invoices": ["26352000000000000011", "26352000000000000012", "26352000000000000013"]},
    )
    assert len([row for row in result.rows if row["kind"] == "trail_unvouched"]) == 3
    with translation.override("zh-hans"):
        assert sentence(anomaly).startswith("3 张发票在审计记录中没有录入事件")


def test_past_the_listed_number_the_rest_are_counted_in_one_anomaly(company_a, alice, monkeypatch):
    monkeypatch.setattr(chained_state_check, "LISTED", 1)
    invoices = [
        make_invoice(company_a, alice, number=number)
        for number in ("26352000000000000021", "26352000000000000022", "26352000000000000023")
    ]
    for invoice in invoices:
        shrink_behind_the_trail(invoice)
    run_integrity()
    anomalies = live("trail_mismatch")
    assert [anomaly.key for anomaly in anomalies] == [f"invoice:{invoices[0].pk}", "invoices:more"]
    assert anomalies[1].details == {"count": 2, "invoices": ["26352000000000000022", "26352000000000000023"]}
    with translation.override("en"):
        assert sentence(anomalies[1]).startswith("2 more invoices were changed in the database behind")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_periodic_check_in_a_real_worker_raises_the_anomaly(company_a, alice, celery_worker_process):
    invoice = make_invoice(company_a, alice)
    shrink_behind_the_trail(invoice)
    tasks.check_integrity_task.delay()
    deadline = time.monotonic() + 60
    while not CheckRun.objects.filter(name="integrity").exclude(outcome="running").exists():
        assert time.monotonic() < deadline, "the integrity check did not finish in the worker"
        time.sleep(0.2)
    run = CheckRun.objects.get(name="integrity")
    assert (run.outcome, run.counts["invoices_traced"], run.counts["problems"]) == ("problems", 1, 1)
    (anomaly,) = live("trail_mismatch")
    assert anomaly.details["differences"][0] == {"field": "amount", "chained": "1000.00", "stored": "900.00"}


def test_the_demo_ledger_written_through_every_service_agrees_with_its_trail(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("load_demo", stdout=StringIO())
    rows = []
    counts = chained_state_check.check_chained_state(rows)
    assert rows == []
    assert counts["invoices_traced"] == Invoice.objects.count() > 190


def test_an_imported_ledger_whose_kinds_are_filled_in_later_agrees_with_its_trail(company_a):
    report = import_ledger(company=company_a, by=None, data=clerk_ledger(60, seed=3).data)
    unknown = Invoice.objects.filter(company=company_a, kind=Kind.DIGITAL_UNKNOWN)
    kinds = dict.fromkeys(unknown.values_list("pk", flat=True)[:5], Kind.DIGITAL_SPECIAL)
    changed = services.invoices_confirm_kind(company=company_a, kinds=kinds, by=None, reason="局端数据")
    assert changed == len(kinds) > 0
    rows = []
    counts = chained_state_check.check_chained_state(rows)
    assert rows == []
    assert counts["invoices_traced"] == report.added == Invoice.objects.count() > 50

"""An invoice's history in words: each change by its field's name, coded values by their labels,
a line by its position and item, another invoice by its number, never a bare id."""

from datetime import date

from django.urls import reverse

from invoices import services
from invoices.drafts import clean_draft
from invoices.history import history_rows
from invoices.selectors import invoice_events
from tests.fixtures.invoices import make_invoice, purchase_values

PAPER = {"item_name": "*纸制品*打印纸", "amount": "1000.00", "rate": "0.13", "tax": "130.00"}
FOLDERS = {"item_name": "*办公用品*文件夹", "amount": "100.00", "rate": "0.13", "tax": "13.00"}


def edit(invoice, user, reason="更正", **overrides):
    values = purchase_values(invoice.company, **overrides)
    return services.invoice_update(
        invoice=invoice, by=user, draft=clean_draft(values, values.pop("lines")), reason=reason
    )


def changes_of(invoice) -> list[list[tuple[str, str, str]]]:
    return [
        [(change["field"], change["old"], change["new"]) for change in row["changes"]]
        for row in history_rows(invoice_events(invoice=invoice))
    ]


def test_it_tells_a_changed_date_and_a_changed_line_by_name(company_a, alice):
    invoice = make_invoice(company_a, alice, issue_date=date(2026, 3, 1), lines=[PAPER])
    edit(
        invoice,
        alice,
        issue_date=date(2026, 3, 2),
        tax="90.00",
        total="1090.00",
        total_in_words="壹仟零玖拾圆整",
        lines=[{**PAPER, "rate": "9%", "tax": "90.00"}],
    )
    assert changes_of(invoice)[1] == [
        ("开票日期", "2026-03-01", "2026-03-02"),
        ("税额", "130.00", "90.00"),
        ("价税合计", "1130.00", "1090.00"),
        ("价税合计大写", "壹仟壹佰叁拾圆整", "壹仟零玖拾圆整"),
        ("第 1 行（*纸制品*打印纸）税率", "13%", "9%"),
        ("第 1 行（*纸制品*打印纸）税额", "130.00", "90.00"),
    ]


def test_it_tells_an_added_and_a_removed_line_by_item(company_a, alice):
    invoice = make_invoice(company_a, alice, lines=[PAPER])
    edit(
        invoice,
        alice,
        amount="1100.00",
        tax="143.00",
        total="1243.00",
        total_in_words="壹仟贰佰肆拾叁圆整",
        lines=[PAPER, FOLDERS],
    )
    edit(invoice, alice, lines=[PAPER])
    added, removed = changes_of(invoice)[1][-1], changes_of(invoice)[2][-1]
    assert added == ("新增第 2 行", "", "*办公用品*文件夹 100.00 13% 13.00")
    assert removed == ("第 2 行（*办公用品*文件夹）", "*办公用品*文件夹 100.00 13% 13.00", "已移除")


def test_it_tells_status_and_deduction_by_their_labels(company_a, alice):
    invoice = make_invoice(company_a, alice)
    services.invoice_set_deduction(
        company=company_a, invoice_ids=[invoice.pk], by=alice, deduction="deducted", period=date(2026, 5, 20)
    )
    services.invoice_void(invoice=invoice, by=alice, reason="开错")
    assert changes_of(invoice)[1:] == [
        [("抵扣", "未勾选", "已勾选抵扣"), ("抵扣所属期", "—", "2026-05")],
        [("状态", "正常", "已作废")],
    ]


def test_a_blue_invoice_names_its_red_invoices_by_number_on_its_page(company_a, alice, browser_as):
    blue = make_invoice(company_a, alice)
    make_invoice(
        company_a,
        alice,
        number="26352000000012340000",
        amount="-1000.00",
        tax="-130.00",
        total="-1130.00",
        total_in_words="（负数）壹仟壹佰叁拾圆整",
        is_red=True,
        blue_identity=blue.number,
        lines=[{**PAPER, "amount": "-1000.00", "tax": "-130.00"}],
    )
    assert changes_of(blue)[1] == [("状态", "正常", "已红冲-全额"), ("红字发票", "", "26352000000012340000")]
    html = browser_as(alice).get(reverse("invoice_detail", args=[blue.pk])).text
    assert "<li>状态：<del>正常</del> → 已红冲-全额</li>" in html
    assert "<li>红字发票：26352000000012340000</li>" in html
    assert "审计记录第 3 条" in html  # the red invoice's entry is the second
    assert f"#{blue.pk}" not in html

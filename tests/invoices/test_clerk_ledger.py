"""A ledger a clerk keeps by hand in Excel goes in whole: every row that identifies an invoice is
imported, the others are explained by reason and handed back as an XLSX to fix and import again."""

import io
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from invoices.fapiao import Kind
from invoices.importing import import_ledger
from invoices.models import Invoice, InvoiceEvent, LedgerImport
from invoices.selectors import invoice_queryset
from tests.fixtures.clerk_ledger import COMPANY_NAME, COMPANY_TIN, amount_cell, clerk_ledger, date_cell

pytestmark = pytest.mark.django_db

FIELDS = (
    "identity", "code", "number", "kind", "issue_date", "seller_name", "seller_tin", "buyer_name",
    "buyer_tin", "amount", "tax", "total", "direction",
)  # fmt: skip


def expected_rows(ledger) -> set[tuple]:
    return {_row(invoice) for invoice in ledger.expected}


def imported_rows(company) -> set[tuple]:
    return set(invoice_queryset(company=company).values_list(*FIELDS))


@pytest.fixture(scope="module")
def ledger():
    return clerk_ledger()


def test_the_fixture_is_shaped_like_the_clerks_ledger(ledger):
    assert COMPANY_TIN == "91310115MA1K4D8X0B"
    assert (ledger.rows, sum(invoice.digital for invoice in ledger.expected)) == (376, 278)
    assert "发票票种" not in ledger.headers and len(ledger.headers) == 14
    sheet = load_workbook(io.BytesIO(ledger.data)).active
    assert sheet.cell(ledger.summary_row, 1).value == "合计"
    numbers = [cell.value for (cell,) in sheet.iter_rows(min_row=2, min_col=8, max_col=8) if cell.value]
    assert all(isinstance(number, str) and len(number) == 20 for number in numbers)


def test_every_row_of_a_clerks_ledger_is_imported(company_a, ledger):
    report = import_ledger(company=company_a, by=None, data=ledger.data, file_name="台账.xlsx")
    assert (len(report.rows), report.added, report.skipped) == (376, 376, 0)
    assert report.summary_rows == (ledger.summary_row,)
    assert report.blank_rows == 1  # the row with only its 序号 (wholly empty rows are not rows at all)
    assert report.level == "ok"
    assert imported_rows(company_a) == expected_rows(ledger)


def test_legacy_rows_take_their_kind_from_the_code_and_digital_rows_wait_for_theirs(company_a, ledger):
    report = import_ledger(company=company_a, by=None, data=ledger.data)
    kinds = dict(invoice_queryset(company=company_a).values_list("identity", "kind"))
    legacy = [invoice for invoice in ledger.expected if not invoice.digital]
    assert {kinds[invoice.identity] for invoice in legacy} == {Kind.SPECIAL, Kind.E_ORDINARY}
    assert all(kinds[invoice.identity] == invoice.kind for invoice in legacy)
    unknown = invoice_queryset(company=company_a).filter(kind=Kind.DIGITAL_UNKNOWN)
    assert unknown.count() == report.kind_to_confirm == 278
    for invoice in unknown[:20]:
        [finding] = [item for item in invoice.findings if item["code"] == "kind_unconfirmed"]
        assert finding["severity"] == "warning" and finding["params"]["number"] == invoice.number
    assert (
        not invoice_queryset(company=company_a)
        .exclude(kind=Kind.DIGITAL_UNKNOWN)
        .filter(findings__contains=[{"code": "kind_unconfirmed"}])
        .exists()
    )


def test_columns_under_other_names_are_found(company_a):
    ledger = clerk_ledger(40, seed=3, alias_headers=True)
    assert "不含税金额" in ledger.headers and "收/付" in ledger.headers
    report = import_ledger(company=company_a, by=None, data=ledger.data)
    assert (report.added, report.skipped, report.ignored_columns) == (40, 0, ())
    assert imported_rows(company_a) == expected_rows(ledger)


def test_the_default_kind_fills_in_rows_that_do_not_say(company_a):
    ledger = clerk_ledger(24, seed=4)
    report = import_ledger(company=company_a, by=None, data=ledger.data, default_kind=Kind.SPECIAL)
    assert report.added == 24 and report.kind_to_confirm == 0
    kinds = dict(invoice_queryset(company=company_a).values_list("identity", "kind"))
    for invoice in ledger.expected:  # 专票 on a 数电 number is a 数电专票; a legacy code still decides
        assert kinds[invoice.identity] == (Kind.DIGITAL_SPECIAL if invoice.digital else invoice.kind)


def test_the_page_and_the_command_take_the_default_kind(bob, company_a, company_b, browser_as, tmp_path):
    ledger = clerk_ledger(12, seed=5)
    upload = SimpleUploadedFile("台账.xlsx", ledger.data)
    response = browser_as(bob).post(
        reverse("invoice_import"), {"file": upload, "direction": "auto", "default_kind": "digital_ordinary"}
    )
    assert response.status_code == 200 and response.context["report"].added == 12
    digital = {invoice.identity for invoice in ledger.expected if invoice.digital}
    assert (
        set(
            invoice_queryset(company=company_a)
            .filter(kind=Kind.DIGITAL_ORDINARY)
            .values_list("identity", flat=True)
        )
        == digital
    )
    source = tmp_path / "台账.xlsx"
    source.write_bytes(ledger.data)
    out = StringIO()
    call_command(
        "import_ledger", str(source), "--company", company_b.tin, "--kind", "digital_special", stdout=out
    )
    assert "12 rows, 12 imported" in out.getvalue() and "1 summary rows skipped" in out.getvalue()
    assert set(invoice_queryset(company=company_b).filter(kind=Kind.DIGITAL_SPECIAL).values_list(
        "identity", flat=True)) == digital  # fmt: skip


def test_the_direction_comes_from_each_row(company_a):
    ledger = clerk_ledger(8, seed=6)
    sheet_bytes = _edited(ledger.data, {(ledger.expected[0].row, "方向"): "销售"})
    import_ledger(company=company_a, by=None, data=sheet_bytes, direction="purchase")
    directions = dict(invoice_queryset(company=company_a).values_list("identity", "direction"))
    assert directions.pop(ledger.expected[0].identity) == "sales"
    assert set(directions.values()) == {"purchase"}


def test_a_row_with_only_its_number_and_direction_filled_in_ahead_is_blank(company_a):
    ledger = clerk_ledger(9, seed=13)
    [blank] = [row for row in ledger.blank_rows if _index(ledger, row)]
    data = _edited(ledger.data, {(blank, "方向"): "进项", (blank, "发票状态"): "正常"})
    report = import_ledger(company=company_a, by=None, data=data)
    assert (len(report.rows), report.added, report.blank_rows) == (9, 9, 1)


def test_the_totals_row_is_not_an_invoice(company_a, ledger):
    report = import_ledger(company=company_a, by=None, data=ledger.data)
    assert ledger.summary_row not in {outcome.row for outcome in report.rows}
    assert invoice_queryset(company=company_a).count() == 376


def test_refused_rows_are_grouped_by_reason_with_their_rows_and_numbers(company_a):
    ledger = clerk_ledger(30, seed=7, broken=10)
    report = import_ledger(company=company_a, by=None, data=ledger.data)
    assert (len(report.rows), report.added, report.skipped) == (40, 30, 10)
    by_reason: dict[str, list[int]] = {}
    for refusal in ledger.refused:
        by_reason.setdefault(refusal.reason, []).append(refusal.row)
    groups = {group.label: (group.count, group.rows) for group in report.groups}
    assert sorted(count for count, _rows in groups.values()) == sorted(
        len(rows) for rows in by_reason.values()
    )
    assert sorted(rows for _count, rows in groups.values()) == sorted(
        tuple(rows) for rows in by_reason.values()
    )
    shown = {outcome.row: outcome.identity for outcome in report.refused_rows}
    assert shown == {refusal.row: refusal.shown_number for refusal in ledger.refused}
    assert all(shown[refusal.row] for refusal in ledger.refused if refusal.reason != "no_number")
    assert report.level == "warn"


def test_the_page_shows_the_groups_and_a_short_table_not_a_success_banner(bob, company_a, browser_as):
    ledger = clerk_ledger(6, seed=8, broken=130)
    upload = SimpleUploadedFile("台账.xlsx", ledger.data)
    response = browser_as(bob).post(reverse("invoice_import"), {"file": upload, "direction": "auto"})
    page = response.content.decode()
    assert "136 行中 6 行已导入，130 行未导入" in page
    assert 'class="notice bad"' in page and 'class="message success"' not in page
    assert page.count('class="bad-row"') == 100  # the rest are in the download
    for group in response.context["report"].groups:
        assert f'<td>{group.label}</td><td class="num">{group.count}</td>' in page
    assert reverse("invoice_import_refused", args=[response.context["report"].import_id]) in page


def test_the_download_holds_exactly_the_refused_rows_and_imports_again_once_fixed(
    alice, company_a, browser_as
):
    ledger = clerk_ledger(20, seed=9, broken=8)
    report = import_ledger(company=company_a, by=alice, data=ledger.data)
    response = browser_as(alice).get(reverse("invoice_import_refused", args=[report.import_id]))
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (*ledger.headers, "原因")
    assert [row[0] for row in rows[1:]] == [_index(ledger, refusal.row) for refusal in ledger.refused]
    assert all(row[-1] for row in rows[1:])
    for position, refusal in enumerate(ledger.refused, start=2):
        invoice = refusal.invoice
        fixes = {
            "no_date": {"开票日期": date_cell(invoice.issue_date, 2)},
            "no_amount": {"金额": amount_cell(invoice.amount, 1), "税额": amount_cell(invoice.tax, 1),
                          "价税合计": amount_cell(invoice.total, 1)},
            "no_number": {"数电发票号码": invoice.number},
            "no_code": {"发票代码": invoice.code},
        }[refusal.reason]  # fmt: skip
        for header, value in fixes.items():
            sheet.cell(position, ledger.headers.index(header) + 1).value = value
    fixed = io.BytesIO()
    sheet.parent.save(fixed)
    again = import_ledger(company=company_a, by=alice, data=fixed.getvalue())
    assert (again.added, again.skipped) == (8, 0)
    everything = expected_rows(ledger) | {_row(refusal.invoice) for refusal in ledger.refused}
    assert imported_rows(company_a) == everything


def test_a_formula_in_a_refused_row_stays_text_in_the_download(company_a):
    ledger = clerk_ledger(3, seed=10, broken=1)
    [refusal] = ledger.refused
    data = _edited(ledger.data, {(refusal.row, "销方名称"): '=HYPERLINK("http://evil")'})
    report = import_ledger(company=company_a, by=None, data=data)
    download = LedgerImport.objects.get(pk=report.import_id).refused_file
    sheet = load_workbook(io.BytesIO(bytes(download))).active
    assert sheet.cell(2, ledger.headers.index("销方名称") + 1).value == '\'=HYPERLINK("http://evil")'


def test_charlie_cannot_download_the_refused_rows_of_company_a(alice, charlie, company_a, browser_as):
    ledger = clerk_ledger(5, seed=11, broken=3)
    report = import_ledger(company=company_a, by=alice, data=ledger.data)
    before = imported_rows(company_a), InvoiceEvent.objects.filter(company=company_a).count()
    url = reverse("invoice_import_refused", args=[report.import_id])
    response = browser_as(charlie).get(url)
    assert response.status_code == 404
    assert ledger.refused[0].invoice.seller_name not in response.content.decode(errors="replace")
    assert (imported_rows(company_a), InvoiceEvent.objects.filter(company=company_a).count()) == before
    assert browser_as(alice).get(url).status_code == 200


def _row(invoice) -> tuple:
    return tuple(getattr(invoice, name) for name in FIELDS)


def _index(ledger, row: int) -> int:
    """The 序号 the fixture wrote on a sheet row."""
    sheet = load_workbook(io.BytesIO(ledger.data)).active
    return sheet.cell(row, 1).value


def _edited(data: bytes, cells: dict[tuple[int, str], object]) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    headers = [cell.value for cell in sheet[1]]
    for (row, header), value in cells.items():
        cell = sheet.cell(row, headers.index(header) + 1)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # text, even when it starts with "="
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_company_fills_in_its_own_side_when_the_row_leaves_it_out(company_a):
    ledger = clerk_ledger(14, seed=12)
    import_ledger(company=company_a, by=None, data=ledger.data)
    assert set(invoice_queryset(company=company_a).values_list("buyer_name", "buyer_tin")) == {
        (COMPANY_NAME, COMPANY_TIN)
    }
    assert Invoice.objects.filter(company=company_a, buyer_tin="").count() == 0

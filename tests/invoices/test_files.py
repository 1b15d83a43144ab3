"""The ledger's spreadsheets: export, import, the round trip between them, and a bureau export."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from invoices.exporting import export_ledger
from invoices.fapiao import Kind, kind_from_bureau_text
from invoices.importing import import_ledger
from invoices.ledger_file import kind_text
from invoices.models import Invoice
from invoices.selectors import invoice_queryset
from tests.fixtures.invoices import make_invoice
from tests.fixtures.spreadsheets import bureau_csv, bureau_xlsx, ids_as_numbers_xlsx, missing_columns_xlsx

FIELDS = [
    "direction",
    "kind",
    "code",
    "number",
    "digital_number",
    "issue_date",
    "seller_name",
    "seller_tin",
    "buyer_name",
    "buyer_tin",
    "amount",
    "tax",
    "total",
    "status",
    "is_red",
    "blue_identity",
    "remarks",
    "drawer",
    "check_code",
]


def ledger_of(company) -> list[tuple]:
    return list(invoice_queryset(company=company).order_by("identity").values_list(*FIELDS))


def varied_ledger(company):
    make_invoice(company)
    make_invoice(
        company,
        kind="e_ordinary",
        code="033002000211",
        number="00123456",
        check_code="01234567890123456789",
        lines=[],
        total_in_words="",
        remarks='=HYPERLINK("http://evil")',
    )
    make_invoice(
        company,
        kind="digital_paper_special",
        code="144032500111",
        number="00000042",
        digital_number="26442000000000000042",
        lines=[],
        total_in_words="",
        status="voided",
    )
    make_invoice(
        company,
        number="26352000000099999999",
        amount="-1000.00",
        tax="-130.00",
        total="-1130.00",
        is_red=True,
        blue_identity="26352000000012345678",
        lines=[],
        total_in_words="",
    )
    make_invoice(
        company,
        direction="sales",
        number="26312000000000000777",
        seller_tin=company.tin,
        seller_name=company.name,
        buyer_tin="91350200776049653A",
        buyer_name="厦门示例供应链有限公司",
        lines=[],
        total_in_words="",
        drawer="王芳",
    )


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_an_exported_ledger_imports_back_unchanged(company_a, company_b, file_format):
    varied_ledger(company_a)
    data = export_ledger(invoice_queryset(company=company_a), file_format)
    source = ledger_of(company_a)
    Invoice.objects.filter(company=company_a).update(blue_original=None)
    report = import_ledger(company=company_a.__class__.objects.get(pk=company_b.pk), by=None, data=data)
    assert (report.added, report.skipped) == (5, 0)
    # company B imports A's ledger: every identifier, amount, date and status comes back as it was
    imported = ledger_of(company_b)
    assert imported == source


def test_leading_zeros_and_twenty_digits_survive_the_export(company_a, company_b):
    varied_ledger(company_a)
    import_ledger(company=company_b, by=None, data=export_ledger(invoice_queryset(company=company_a), "xlsx"))
    numbers = set(invoice_queryset(company=company_b).values_list("code", "number", "digital_number"))
    assert ("033002000211", "00123456", "") in numbers
    assert ("144032500111", "00000042", "26442000000000000042") in numbers


def test_formulas_are_neutralised_in_exports(company_a):
    varied_ledger(company_a)
    text = export_ledger(invoice_queryset(company=company_a), "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


def test_importing_twice_refuses_every_row_as_a_duplicate(company_a):
    data = bureau_xlsx(10, seed=3)
    first = import_ledger(company=company_a, by=None, data=data)
    second = import_ledger(company=company_a, by=None, data=data)
    assert (first.added, second.added, second.skipped) == (10, 0, 10)
    assert all(
        "already in the ledger" in " ".join(o.messages) or "已在台账中" in " ".join(o.messages) or o.messages
        for o in second.rows
    )


def test_a_bureau_export_becomes_purchase_invoices_with_findings(company_a):
    report = import_ledger(company=company_a, by=None, data=bureau_xlsx(20, seed=1))
    assert report.added == 20
    assert set(invoice_queryset(company=company_a).values_list("direction", "source")) == {
        ("purchase", "import")
    }
    assert report.format == "xlsx"


def test_a_gbk_csv_bureau_export_imports_too(company_a):
    report = import_ledger(company=company_a, by=None, data=bureau_csv(8, seed=2, encoding="gbk"))
    assert (report.format, report.added) == ("csv", 8)


def test_missing_columns_are_named(company_a):
    with pytest.raises(ValidationError) as caught:
        import_ledger(company=company_a, by=None, data=missing_columns_xlsx("开票日期", "税额"))
    assert caught.value.code == "missing_columns"
    assert "开票日期" in caught.value.params["columns"] and "税额" in caught.value.params["columns"]


def test_ids_stored_as_numbers_are_refused_row_by_row(company_a):
    report = import_ledger(company=company_a, by=None, data=ids_as_numbers_xlsx(5))
    assert report.added == 0
    assert all(not outcome.added for outcome in report.rows)
    [message] = report.rows[0].messages  # the unreadable number, and no second complaint about it
    assert "发票号码" in message
    assert report.rows[0].row > 3  # the sheet's row number, below the title rows


def test_a_file_that_is_not_a_spreadsheet_is_refused(company_a):
    with pytest.raises(ValidationError) as caught:
        import_ledger(company=company_a, by=None, data=b"%PDF-1.7 not a sheet")
    assert caught.value.code == "unknown_format"


def test_bad_rows_are_reported_and_good_rows_go_in(company_a, company_b):
    make_invoice(company_a)
    make_invoice(company_a, number="26352000000012345679", issue_date="2026-05-15")
    data = export_ledger(invoice_queryset(company=company_a), "csv").decode("utf-8-sig")
    broken = data.replace("2026-05-15", "2026-02-30")
    report = import_ledger(company=company_b, by=None, data=broken.encode("utf-8-sig"))
    assert (report.added, report.skipped) == (1, 1)
    assert report.rows[1].row == 3 and not report.rows[1].added


def test_the_import_page_shows_a_report(bob, company_a, browser_as):
    upload = SimpleUploadedFile("发票基础信息.xlsx", bureau_xlsx(6, seed=5))
    response = browser_as(bob).post(reverse("invoice_import"), {"file": upload, "direction": "auto"})
    assert response.status_code == 200
    assert response.context["report"].added == 6
    assert Invoice.objects.filter(company=company_a, created_by=bob).count() == 6


def test_the_export_download_is_named_and_typed(bob, company_a, browser_as):
    make_invoice(company_a)
    response = browser_as(bob).get(reverse("invoice_export", args=["xlsx"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert response.content[:2] == b"PK"


def test_the_commands_import_and_export(company_a, tmp_path):
    source = tmp_path / "bureau.xlsx"
    source.write_bytes(bureau_xlsx(7, seed=9))
    out = StringIO()
    call_command("import_ledger", str(source), "--company", company_a.tin, stdout=out)
    assert "7 rows, 7 imported" in out.getvalue()
    target = tmp_path / "ledger.csv"
    out = StringIO()
    call_command("export_ledger", str(target), "--company", company_a.tin, stdout=out)
    assert out.getvalue().startswith(f"{target}: 7 invoices")
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_is_read_back_from_its_exported_text(kind):
    assert kind_from_bureau_text(kind_text(kind)) is kind

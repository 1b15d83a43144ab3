"""Reading the bureau's exports: every layout, format and encoding, and every way a file can be
wrong, each refused or reported with its reason and nothing else lost."""

import io
import random
import zipfile
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from PIL import Image

from reconcile.importers import BureauFileError, read_bureau_file
from tests.fixtures.recon_scenarios import (
    BASIC_HEADERS,
    COMPANY_TIN,
    basic_rows,
    line_rows,
    scenario,
    tick_rows,
    write_csv,
    write_xlsx,
)
from tests.fixtures.spreadsheets import bureau_xls

FIELDS = ("identity", "issue_date", "seller_tin", "buyer_tin", "amount", "tax", "total", "status", "is_red")


def essentials(records) -> list[tuple]:
    return sorted(tuple(getattr(record, name) for name in FIELDS) for record in records)


def read(data: bytes, **options):
    return read_bureau_file(data, company_tin=options.pop("company_tin", COMPANY_TIN), **options)


def refusal(data: bytes, **options) -> BureauFileError:
    with pytest.raises(BureauFileError) as caught:
        read(data, **options)
    return caught.value


@pytest.fixture(scope="module")
def world():
    return scenario(60, seed=12, share=0)


@pytest.mark.parametrize(
    ("rows", "layout"), [(basic_rows, "basic"), (line_rows, "lines"), (tick_rows, "tick")], ids=str
)
def test_each_layout_reads_back_the_invoices_it_holds(world, rows, layout):
    parsed = read(write_xlsx(rows(world)))
    assert (parsed.layout, parsed.direction, parsed.header_row, parsed.problems) == (
        layout,
        "purchase",
        3,
        (),
    )
    assert essentials(parsed.records) == essentials(world.bureau)
    assert parsed.period == (min(r.issue_date for r in world.bureau), max(r.issue_date for r in world.bureau))


def test_the_line_sheet_adds_up_the_lines_of_each_invoice(world):
    rows = list(line_rows(world))
    assert len(rows) - 3 > len(world.bureau)  # some invoices have several lines
    parsed = read(write_csv(rows))
    assert [record.total for record in parsed.records] == [record.total for record in world.bureau]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_csv_in_each_encoding(world, encoding):
    parsed = read(write_csv(basic_rows(world), encoding=encoding))
    assert parsed.format == "csv"
    assert essentials(parsed.records) == essentials(world.bureau)


def test_xls_from_the_older_export():
    parsed = read(bureau_xls(20, seed=3))
    assert (parsed.format, len(parsed.records)) == ("xls", 20)


def test_a_sales_export_is_told_from_the_seller_ids():
    sales = scenario(30, seed=2, share=0, direction="sales")
    assert read(write_xlsx(basic_rows(sales))).direction == "sales"
    error = refusal(write_xlsx(basic_rows(sales)), direction="purchase")
    assert error.code == "wrong_direction"


def test_another_taxpayers_export_is_refused_naming_both_ids(world):
    error = refusal(write_xlsx(basic_rows(world)), company_tin="91440300MA5BENCH0Q")
    assert error.code == "other_taxpayer"
    assert error.params == {"tin": COMPANY_TIN, "expected": "91440300MA5BENCH0Q"}


def test_columns_are_found_by_name_in_any_order_and_extra_ones_are_ignored(world):
    rows = list(basic_rows(world))
    order = list(range(len(BASIC_HEADERS)))
    random.Random(1).shuffle(order)  # noqa: S311 (a repeatable shuffle)
    shuffled = [rows[0], rows[1]] + [[row[i] for i in order] + ["备查"] for row in rows[2:]]
    shuffled[2][-1] = "内部备注"
    parsed = read(write_xlsx(shuffled))
    assert essentials(parsed.records) == essentials(world.bureau)
    assert "内部备注" in parsed.ignored_columns


def test_an_id_that_excel_stored_as_a_number_is_reported_by_row_and_the_rest_read(world):
    rows = list(basic_rows(world))
    position = BASIC_HEADERS.index("数电发票号码")
    spoiled = next(index for index, row in enumerate(rows[3:], start=3) if row[position])
    rows[spoiled][position] = float(rows[spoiled][position])
    parsed = read(write_xlsx(rows))
    (problem,) = parsed.problems
    assert (problem.row, problem.column, problem.code) == (spoiled + 1, "数电发票号码", "id_stored_as_number")
    assert len(parsed.records) == len(world.bureau) - 1


def test_dates_with_or_without_time_and_amounts_as_people_type_them(world):
    rows = [list(row) for row in basic_rows(scenario(4, seed=5, share=0))]
    at = {name: BASIC_HEADERS.index(name) for name in ("开票日期", "金额", "税额", "价税合计")}
    variants = [
        ("2026-01-05", "1,234.56", "160.49", "1,395.05"),
        ("2026/1/5 09:30:00", "１，２３４．５６", "１６０．４９", "１３９５．０５"),
        ("2026年1月5日", " 1234.56 ", "￥160.49", "¥1,395.05"),
        ("20260105", "1234.56", "160.49", "1395.05"),
    ]
    for row, (issued, amount, tax, total) in zip(rows[3:], variants, strict=True):
        row[at["开票日期"]], row[at["金额"]], row[at["税额"]], row[at["价税合计"]] = (
            issued,
            amount,
            tax,
            total,
        )
    parsed = read(write_csv(rows))
    assert parsed.problems == ()
    assert {(r.issue_date, r.amount, r.tax, r.total) for r in parsed.records} == {
        (date(2026, 1, 5), Decimal("1234.56"), Decimal("160.49"), Decimal("1395.05"))
    }


def _xlsx_with_text_cells(rows) -> bytes:
    """Cells whose text starts with "=" stored as text, as Excel stores '=… typed with an apostrophe;
    openpyxl would otherwise write them as formulas."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("发票基础信息")
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("write", [write_csv, _xlsx_with_text_cells], ids=["csv", "xlsx"])
def test_text_that_looks_like_a_formula_is_read_as_text(write):
    rows = [list(row) for row in basic_rows(scenario(3, seed=6, share=0))]
    rows[3][BASIC_HEADERS.index("销方名称")] = '=HYPERLINK("http://example.invalid","点我")'
    rows[4][BASIC_HEADERS.index("备注")] = "=1+1"
    rows[5][BASIC_HEADERS.index("销方名称")] = "@SUM(A1:A9)"
    parsed = read(write(rows))
    names = [record.seller_name for record in parsed.records]
    assert names[0] == '=HYPERLINK("http://example.invalid","点我")'
    assert names[2] == "@SUM(A1:A9)"


def test_a_formula_cell_gives_its_stored_value_and_is_never_evaluated():
    """A formula in a name cell (the export edited in Excel): its stored result is read, here none,
    and the invoice is still read; nothing computes it."""
    rows = [list(row) for row in basic_rows(scenario(2, seed=6, share=0))]
    rows[3][BASIC_HEADERS.index("销方名称")] = '=WEBSERVICE("http://example.invalid")'
    parsed = read(write_xlsx(rows))
    assert len(parsed.records) == 2
    assert parsed.records[0].seller_name == ""


def test_missing_required_columns_are_named(world):
    keep = [i for i, name in enumerate(BASIC_HEADERS) if name not in ("金额", "税额")]
    rows = [[row[i] for i in keep] if len(row) > 1 else row for row in basic_rows(world)]
    error = refusal(write_xlsx(rows))
    assert error.code == "missing_columns"
    assert error.params == {"columns": "金额、税额"}


def test_an_export_with_no_invoices_is_refused(world):
    header_only = list(basic_rows(world))[:3]
    assert refusal(write_xlsx(header_only)).code == "empty"
    assert refusal(write_csv(header_only)).code == "empty"
    assert refusal(b"").code == "empty"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "codes"),
    [
        (_png(), {"unknown_format"}),
        (b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF", {"unknown_format"}),
        (random.Random(3).randbytes(4096), {"unknown_format", "encoding"}),  # noqa: S311
        (_docx(), {"unknown_format", "corrupt"}),
        (b"PK\x03\x04" + b"\x00" * 200, {"unknown_format", "corrupt"}),
    ],
    ids=["png", "pdf", "random", "docx", "broken-zip"],
)
def test_a_file_that_is_not_an_export_is_refused_with_the_reason(data, codes):
    assert refusal(data).code in codes


def test_status_texts_and_codes_and_an_unknown_status():
    rows = [list(row) for row in basic_rows(scenario(6, seed=7, share=0))]
    status = BASIC_HEADERS.index("发票状态")
    for row, text in zip(rows[3:], ["正常", "作废", "已红冲-部分", "03", "02", "挂起"], strict=True):
        row[status] = text
    parsed = read(write_csv(rows))
    assert [record.status for record in parsed.records] == [
        "normal", "voided", "red_flushed_partial", "red_flushed_full", "voided",
    ]  # fmt: skip
    (problem,) = parsed.problems
    assert (problem.row, problem.code, problem.params) == (9, "unknown_status", {"text": "挂起"})


def test_red_invoices_name_their_blue_originals():
    world = scenario(30, seed=9, injections=["red_pair"], share=0.2)
    parsed = read(write_xlsx(basic_rows(world)))
    reds = [record for record in parsed.records if record.is_red]
    assert len(reds) == 6
    identities = {record.identity for record in parsed.records}
    assert all(record.total < 0 and record.blue_identity in identities for record in reds)


@pytest.mark.django_db
def test_a_60_mb_csv_is_kept_and_read_whole():
    """The whole way: the file is kept (under the exports' size limit, above the scans' one), read
    by the worker's service, and every row lands."""
    from accounts.services import company_create
    from reconcile import services

    big = scenario(20_000, seed=10, share=0)
    rows = list(basic_rows(big))
    body = [[*row[:-1], "货款，已对账"] for row in rows[3:]]  # the export repeated, as when pages are joined
    copies = 60 * 1024 * 1024 // len(write_csv(body)) + 1
    data = write_csv([*rows[:3], *(body * copies)])
    assert 60 * 1024 * 1024 < len(data) < 70 * 1024 * 1024
    company = company_create(name="甲商贸有限公司", tin=COMPANY_TIN)
    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name="大.csv", data=data
    )
    services.read_import(bureau_import.pk)
    bureau_import.refresh_from_db()
    assert (bureau_import.state, bureau_import.row_count) == ("done", 20_000 * copies)
    assert bureau_import.problems == []


identities = st.builds(
    lambda seed, size, share: scenario(size, seed=seed, share=share),
    st.integers(0, 10_000),
    st.integers(1, 40),
    st.sampled_from([0, 0.5, 1]),
)


@settings(max_examples=12, deadline=None)
@given(identities, st.sampled_from(["utf-8-sig", "gbk"]))
def test_any_generated_export_reads_back_as_written(world, encoding):
    world.bureau = [replace(record, status="normal") if record.is_red else record for record in world.bureau]
    if not world.bureau:
        return
    parsed = read(write_csv(basic_rows(world), encoding=encoding), direction="purchase")
    assert essentials(parsed.records) == essentials(world.bureau)

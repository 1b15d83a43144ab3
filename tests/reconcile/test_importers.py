"""Reading the bureau's exports (reconcile/importers.py, docs/fapiao-rules.md §BureauExports): every layout,
format and encoding, and every way a file can be wrong, each refused or reported with its reason and nothing
else lost.

The cell-level reading (ids, dates, amounts, sniffing) is tested on read_table in
tests/invoices/test_spreadsheets.py; here each case is the bureau's own file going through the reader."""

import io
import random
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from PIL import Image

from invoices.fapiao import invoice_identity
from reconcile.importers import BureauFileError, read_bureau_file
from tests.fixtures.recon_scenarios import (
    BASIC_HEADERS,
    COMPANY_TIN,
    LINE_HEADERS,
    TICK_HEADERS,
    basic_rows,
    line_rows,
    scenario,
    tick_rows,
    write_csv,
    write_xlsx,
)
from tests.fixtures.spreadsheets import (
    BUYER_TIN,
    TITLE,
    bureau_csv,
    bureau_records,
    bureau_xls,
    bureau_xlsx,
    ids_as_numbers_xlsx,
    with_notes_sheet_xlsx,
)

FIELDS = (
    "identity", "code", "number", "digital_number", "kind", "issue_date", "seller_tin", "buyer_tin",
    "amount", "tax", "total", "status", "is_red", "blue_identity",
)  # fmt: skip
JAN_5 = date(2026, 1, 5)
BLUE = "26312000000012345678"


def essentials(records) -> list[tuple]:
    """What a record says about its invoice, in a stable order; `key` is the row and differs."""
    return sorted(tuple(getattr(record, name) for name in FIELDS) for record in records)


def read(data: bytes, **options):
    return read_bureau_file(data, company_tin=options.pop("company_tin", COMPANY_TIN), **options)


def refusal(data: bytes, **options) -> BureauFileError:
    with pytest.raises(BureauFileError) as caught:
        read(data, **options)
    return caught.value


def export(n: int, seed: int = 5) -> list[list]:
    """The basic export of n ordinary purchase invoices, as a grid of cells a test edits."""
    return [list(row) for row in basic_rows(scenario(n, seed=seed, share=0))]


def fill(rows: list[list], column: str, values, headers=BASIC_HEADERS) -> list[list]:
    """The grid with `values` in `column`, one for each invoice row."""
    position = headers.index(column)
    for row, value in zip(rows[3:], values, strict=True):
        row[position] = value
    return rows


@pytest.fixture(scope="module")
def world():
    return scenario(60, seed=12, share=0)


# Layouts and directions


@pytest.mark.parametrize(
    ("rows", "layout"),
    [(basic_rows, "basic"), (line_rows, "lines"), (tick_rows, "tick")],
    ids=["basic", "lines", "tick"],
)
def test_each_layout_reads_back_the_invoices_it_holds(world, rows, layout):
    parsed = read(write_xlsx(rows(world)))
    assert (parsed.layout, parsed.format, parsed.sheet, parsed.header_row) == (layout, "xlsx", TITLE, 3)
    assert (parsed.direction, parsed.problems) == ("purchase", ())
    assert essentials(parsed.records) == essentials(world.bureau)
    dates = [record.issue_date for record in world.bureau]
    assert parsed.period == (min(dates), max(dates))


def test_the_line_sheet_gives_one_record_per_invoice_with_its_lines_added_up(world):
    rows = list(line_rows(world))
    assert len(rows) - 3 > len(world.bureau)  # some invoices have two or three lines
    parsed = read(write_csv(rows))
    assert [(r.identity, r.amount, r.tax, r.total) for r in parsed.records] == [
        (r.identity, r.amount, r.tax, r.total) for r in world.bureau
    ]


def test_an_invoice_with_a_line_not_read_is_left_out_whole_rather_than_read_short(world):
    rows = [list(row) for row in line_rows(world)]
    ids = [LINE_HEADERS.index(name) for name in ("发票代码", "发票号码", "数电发票号码")]
    second_line = next(
        index
        for index in range(4, len(rows))
        if [rows[index - 1][i] for i in ids] == [rows[index][i] for i in ids]
    )
    rows[second_line][LINE_HEADERS.index("金额")] = "一千元"
    code, number, digital = (rows[second_line][i] for i in ids)
    spoiled = invoice_identity(code or "", digital or number)
    parsed = read(write_csv(rows))
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(second_line + 1, "金额", "bad_amount")]
    assert essentials(parsed.records) == essentials(r for r in world.bureau if r.identity != spoiled)


def test_the_tick_list_is_read_through_its_own_column_names_and_star_marks(world):
    """票面税额 is the invoice's tax; 有效抵扣税额 (what may be deducted) must not stand in for it."""
    flagged = {"是否勾选", "开票日期", "金额", "票面税额", "有效抵扣税额", "购买方识别号", "票种"}
    rows = [list(row) for row in tick_rows(world)]
    rows[2] = [f"{name}*" if name in flagged else name for name in TICK_HEADERS]
    fill(rows, "有效抵扣税额", [0.0] * len(world.bureau), TICK_HEADERS)
    parsed = read(write_xlsx(rows))
    assert parsed.layout == "tick"
    aliases = {"票面税额*", "购买方识别号*", "销售方纳税人识别号", "销售方纳税人名称", "票种*"}
    assert not aliases & set(parsed.ignored_columns)
    assert [(r.tax, r.buyer_tin, r.seller_tin, r.seller_name, r.kind) for r in parsed.records] == [
        (r.tax, r.buyer_tin, r.seller_tin, r.seller_name, r.kind) for r in world.bureau
    ]


@pytest.mark.parametrize("direction", ["purchase", "sales"])
def test_the_direction_is_told_from_the_side_the_companys_tin_is_on(direction):
    data = write_xlsx(basic_rows(scenario(30, seed=2, share=0, direction=direction)))
    assert read(data).direction == direction
    assert read(data, direction=direction).direction == direction


@pytest.mark.parametrize(("written", "requested"), [("sales", "purchase"), ("purchase", "sales")])
def test_a_requested_direction_the_file_contradicts_is_refused(written, requested):
    data = write_xlsx(basic_rows(scenario(10, seed=2, share=0, direction=written)))
    error = refusal(data, direction=requested)
    assert (error.code, error.params) == ("wrong_direction", {"direction": requested})


def test_another_taxpayers_export_is_refused_naming_both_tins(world):
    error = refusal(write_xlsx(basic_rows(world)), company_tin="91440300MA5BENCH0Q")
    assert (error.code, error.params) == (
        "other_taxpayer",
        {"tin": COMPANY_TIN, "expected": "91440300MA5BENCH0Q"},
    )


# Formats, encodings and where the header is


@pytest.mark.parametrize(
    ("data", "file_format"),
    [
        (bureau_xlsx(20, seed=3), "xlsx"),
        (with_notes_sheet_xlsx(20, seed=3), "xlsx"),
        (bureau_xls(20, seed=3), "xls"),
        (bureau_csv(20, seed=3), "csv"),
        (bureau_csv(20, seed=3, encoding="gbk"), "csv"),
    ],
    ids=["xlsx with a merged title", "xlsx after a notes sheet", "xls", "csv utf-8 with bom", "csv gbk"],
)
def test_the_same_export_reads_the_same_in_every_format(data, file_format):
    parsed = read(data)
    expected = [
        (
            record["数电发票号码"] or f"{record['发票代码']}:{record['发票号码']}",
            record["开票日期"],
            record["金额"],
            record["税额"],
            record["价税合计"],
            record["是否正数发票"] == "否",
        )
        for record in bureau_records(20, seed=3)
    ]
    assert (parsed.format, parsed.header_row, parsed.problems) == (file_format, 3, ())
    assert parsed.sheet == ("" if file_format == "csv" else TITLE)
    assert [
        (r.identity, r.issue_date, r.amount, r.tax, r.total, r.is_red) for r in parsed.records
    ] == expected
    assert {r.buyer_tin for r in parsed.records} == {BUYER_TIN}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_a_csv_in_each_encoding_the_bureau_and_excel_write(world, encoding):
    parsed = read(write_csv(basic_rows(world), encoding=encoding))
    assert parsed.format == "csv"
    assert essentials(parsed.records) == essentials(world.bureau)


@pytest.mark.parametrize("write", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_the_header_is_found_below_any_title_rows_and_blank_lines(world, write):
    rows = list(basic_rows(world))
    rows = [rows[0], [], ["导出时间：2026-04-01 10:00:00"], rows[1], [], *rows[2:]]
    parsed = read(write(rows))
    assert parsed.header_row == 6
    assert essentials(parsed.records) == essentials(world.bureau)


def test_columns_are_found_by_name_in_any_order_and_unknown_ones_are_listed_as_ignored(world):
    rows = list(basic_rows(world))
    order = list(range(len(BASIC_HEADERS)))
    random.Random(1).shuffle(order)  # noqa: S311 (a repeatable shuffle)
    shuffled = [*rows[:2], *([row[i] for i in order] + ["备查"] for row in rows[2:])]
    shuffled[2][-1] = "内部备注"
    parsed = read(write_xlsx(shuffled))
    assert essentials(parsed.records) == essentials(world.bureau)
    assert {"内部备注", "序号", "发票来源", "开票人"} <= set(parsed.ignored_columns)


# Identifiers stored as numbers


@pytest.mark.parametrize(
    ("write", "spoil"),
    [(write_xlsx, float), (write_csv, lambda number: f"{float(number):.5E}")],
    ids=["xlsx number cell", "csv saved again by excel"],
)
def test_an_id_stored_as_a_number_is_reported_by_row_and_column_and_the_others_read(world, write, spoil):
    rows = list(basic_rows(world))
    position = BASIC_HEADERS.index("数电发票号码")
    spoiled = next(index for index, row in enumerate(rows[3:], start=3) if row[position])
    rows[spoiled][position] = spoil(rows[spoiled][position])
    parsed = read(write(rows))
    (problem,) = parsed.problems
    assert (problem.row, problem.column, problem.code) == (spoiled + 1, "数电发票号码", "id_stored_as_number")
    assert essentials(parsed.records) == essentials(world.bureau[: spoiled - 3] + world.bureau[spoiled - 2 :])


def test_an_export_none_of_whose_rows_can_be_read_says_so_naming_the_first_problem():
    first = bureau_records(5, seed=2)[0]
    error = refusal(ids_as_numbers_xlsx(5, seed=2))
    assert (error.code, error.params) == (
        "nothing_read",
        {
            "count": "5",
            "row": "4",
            "column": "数电发票号码" if first["数电发票号码"] else "发票号码",
            "problem_code": "id_stored_as_number",
        },
    )


def test_nothing_read_counts_rows_not_the_cells_wrong_in_them():
    rows = fill(fill(export(1), "开票日期", ["昨天"]), "金额", ["abc"])
    error = refusal(write_csv(rows))
    assert (error.code, error.params["count"], error.params["column"]) == ("nothing_read", "1", "开票日期")


# Dates and amounts as they are typed


@pytest.mark.parametrize(
    "issued",
    [
        "2026-01-05",
        "2026-01-05 09:30:00",
        "2026/1/5",
        "2026/1/5 9:30",
        "2026年1月5日",
        "20260105",
        "２０２６－０１－０５",
    ],
)
def test_an_issue_date_with_or_without_a_time_is_that_day(issued):
    parsed = read(write_csv(fill(export(1), "开票日期", [issued])))
    assert (parsed.problems, [record.issue_date for record in parsed.records]) == ((), [JAN_5])
    assert parsed.period == (JAN_5, JAN_5)


@pytest.mark.parametrize(
    "issued",
    [datetime(2026, 1, 5, 9, 30), JAN_5, (JAN_5 - date(1899, 12, 30)).days, 20260105],
    ids=["datetime cell", "date cell", "excel serial", "compact number"],
)
def test_an_issue_date_excel_stored_as_a_date_or_a_number_is_that_day(issued):
    parsed = read(write_xlsx(fill(export(1), "开票日期", [issued])))
    assert (parsed.problems, [record.issue_date for record in parsed.records]) == ((), [JAN_5])


@pytest.mark.parametrize(
    ("amount", "tax", "total"),
    [
        ("1,234.56", "160.49", "1,395.05"),
        ("１，２３４．５６", "１６０．４９", "１，３９５．０５"),
        (" 1234.56 ", "￥160.49", "¥1,395.05"),
    ],
    ids=["thousands separators", "full-width", "spaces and yuan signs"],
)
def test_amounts_as_people_type_them(amount, tax, total):
    rows = fill(fill(fill(export(1), "金额", [amount]), "税额", [tax]), "价税合计", [total])
    parsed = read(write_csv(rows))
    assert parsed.problems == ()
    assert [(r.amount, r.tax, r.total) for r in parsed.records] == [
        (Decimal("1234.56"), Decimal("160.49"), Decimal("1395.05"))
    ]


# Formulas


def _xlsx_with_text_cells(rows) -> bytes:
    """Cells whose text starts with "=" stored as text, as Excel stores '=… typed with an apostrophe;
    openpyxl would otherwise write them as formulas."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(TITLE)
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


@pytest.mark.parametrize("write", [write_csv, _xlsx_with_text_cells], ids=["csv", "xlsx text cells"])
def test_text_that_looks_like_a_formula_is_read_as_that_text(write):
    rows = export(3)
    fill(rows, "销方名称", ['=HYPERLINK("http://example.invalid","点我")', "@SUM(A1:A9)", "+86 21 5555"])
    fill(rows, "备注", ["=1+1", "=1+1", None])
    parsed = read(write(rows))
    assert parsed.problems == ()
    assert [record.seller_name for record in parsed.records] == [
        '=HYPERLINK("http://example.invalid","点我")',
        "@SUM(A1:A9)",
        "+86 21 5555",
    ]


@pytest.mark.parametrize("write", [write_csv, _xlsx_with_text_cells], ids=["csv", "xlsx text cells"])
def test_a_formula_in_an_amount_cell_is_not_computed(write):
    parsed = read(write(fill(export(2), "金额", ["=1+1", "100.00"])))
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(4, "金额", "bad_amount")]
    assert [record.amount for record in parsed.records] == [Decimal("100.00")]


def test_formula_cells_give_their_stored_result_and_are_never_evaluated():
    """Formulas typed into the export in Excel, saved by a program that stores no results (openpyxl):
    a text cell is then empty, and an amount missing; nothing computes 2 or fetches the link."""
    rows = export(3)
    fill(
        rows,
        "销方名称",
        ['=HYPERLINK("http://example.invalid","点我")', '=WEBSERVICE("http://example.invalid")', "乙"],
    )
    fill(rows, "备注", ["=1+1", None, None])
    fill(rows, "金额", [100.0, 100.0, "=1+1"])
    parsed = read(write_xlsx(rows))
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(6, "金额", "missing_value")]
    assert [(r.seller_name, r.blue_identity) for r in parsed.records] == [("", ""), ("", "")]


# Files that are not the export


def test_missing_required_columns_are_named(world):
    keep = [i for i, name in enumerate(BASIC_HEADERS) if name not in ("金额", "税额")]
    rows = [[row[i] for i in keep] if len(row) > 1 else row for row in basic_rows(world)]
    error = refusal(write_xlsx(rows))
    assert (error.code, error.params) == ("missing_columns", {"columns": "金额、税额"})


def test_an_export_without_the_buyers_tin_is_missing_a_column_not_another_taxpayers(world):
    """The direction is told from the buyer's and the seller's TINs: without one it cannot be."""
    position = BASIC_HEADERS.index("购方识别号")
    rows = [[*row[:position], *row[position + 1 :]] if len(row) > 1 else row for row in basic_rows(world)]
    error = refusal(write_csv(rows))
    assert (error.code, error.params) == ("missing_columns", {"columns": "购方识别号"})


@pytest.mark.parametrize("write", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_an_export_with_no_invoices_is_refused_as_empty(world, write):
    assert refusal(write(list(basic_rows(world))[:3])).code == "empty"


def test_an_empty_file_is_refused_as_empty():
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
    ("data", "code", "params"),
    [
        (_png(), "unknown_format", {}),
        (b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF", "unknown_format", {}),
        (random.Random(3).randbytes(4096), "unknown_format", {}),  # noqa: S311 (repeatable noise)
        (_docx(), "unknown_format", {}),
        ("<html><table><tr><td>金额</td></tr></table></html>".encode(), "unknown_format", {}),
        (b"\xa1,\xff\xfe\n", "encoding", {}),
        (bureau_xlsx(5)[:2000], "corrupt", {"format": "XLSX"}),
    ],
    ids=["png", "pdf", "random bytes", "docx", "html", "neither utf-8 nor gbk", "truncated xlsx"],
)
def test_a_file_that_is_not_an_export_is_refused_with_the_spreadsheet_layers_reason(data, code, params):
    error = refusal(data)
    assert (error.code, error.params) == (code, params)


# Statuses and red invoices


def test_status_texts_and_codes_are_read_and_an_unknown_status_is_reported():
    texts = ["正常", "作废", "已作废", "已红冲-部分", "已红冲-全额", "01", "02", "03", "04", "挂起"]
    parsed = read(write_csv(fill(export(len(texts)), "发票状态", texts)))
    assert [record.status for record in parsed.records] == [
        "normal", "voided", "voided", "red_flushed_partial", "red_flushed_full",
        "normal", "voided", "red_flushed_full", "red_flushed_partial",
    ]  # fmt: skip
    (problem,) = parsed.problems
    assert (problem.row, problem.column, problem.code, problem.params) == (
        13,
        "发票状态",
        "unknown_status",
        {"text": "挂起"},
    )


def test_a_red_invoice_is_told_by_its_flag_or_its_sign_and_names_its_blue_original():
    rows = export(4)
    fill(rows, "是否正数发票", ["否", None, "否", "是"])
    fill(rows, "金额", ["-100.00", "-100.00", "-100.00", "100.00"])
    fill(rows, "税额", ["-13.00", "-13.00", "-13.00", "13.00"])
    fill(rows, "价税合计", ["-113.00", "-113.00", "-113.00", "113.00"])
    fill(
        rows,
        "备注",
        [
            f"被红冲蓝字数电发票号码：{BLUE}",
            "对应正数发票代码:031001600111 号码:12345678",
            f"退货。被红冲蓝字数电发票号码:{BLUE}",
            "货款",
        ],
    )
    parsed = read(write_csv(rows))
    assert [(r.is_red, r.total, r.blue_identity) for r in parsed.records] == [
        (True, Decimal("-113.00"), BLUE),
        (True, Decimal("-113.00"), "031001600111:12345678"),
        (True, Decimal("-113.00"), BLUE),
        (False, Decimal("113.00"), ""),
    ]


def test_red_invoices_in_a_generated_export_name_their_blue_originals():
    world = scenario(30, seed=9, injections=["red_pair"], share=0.2)
    parsed = read(write_xlsx(basic_rows(world)))
    reds = {r.identity: r.blue_identity for r in parsed.records if r.is_red}
    assert reds == {r.identity: r.blue_identity for r in world.bureau if r.is_red}
    assert len(reds) == 6
    assert set(reds.values()) <= {r.identity for r in parsed.records if r.status == "red_flushed_partial"}


# At size


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
    dates = [record.issue_date for record in big.bureau]
    assert (bureau_import.state, bureau_import.row_count, bureau_import.problems) == (
        "done",
        20_000 * copies,
        [],
    )
    assert (bureau_import.layout, bureau_import.direction) == ("basic", "purchase")
    assert (bureau_import.period_start, bureau_import.period_end) == (min(dates), max(dates))


# Any export


worlds = st.builds(
    lambda seed, size, share, direction: scenario(size, seed=seed, share=share, direction=direction),
    st.integers(0, 10_000),
    st.integers(1, 40),
    st.sampled_from([0, 0.5, 1]),
    st.sampled_from(["purchase", "sales"]),
)


@settings(max_examples=12, deadline=None)
@given(worlds, st.sampled_from(["utf-8-sig", "gbk"]))
def test_any_generated_export_written_as_basic_csv_reads_back_as_written(world, encoding):
    parsed = read(write_csv(basic_rows(world), encoding=encoding))
    assert parsed.direction == world.direction
    assert essentials(parsed.records) == essentials(world.bureau)

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from invoices.spreadsheets import (
    CellError,
    CellKind,
    Column,
    SpreadsheetError,
    Table,
    neutralise,
    read_table,
    write_csv,
    write_xlsx,
)
from tests.fixtures.spreadsheets import (
    BUREAU_COLUMNS,
    BUREAU_HEADERS,
    HEADER_ROW,
    TITLE,
    bureau_csv,
    bureau_grid,
    bureau_records,
    bureau_xls,
    bureau_xlsx,
    csv_bytes,
    ids_as_numbers_xlsx,
    missing_columns_xlsx,
    with_notes_sheet_xlsx,
    xlsx_bytes,
)

MAY_14 = date(2024, 5, 14)
LEDGER_COLUMNS = (
    Column("数电发票号码", CellKind.ID),
    Column("开票日期", CellKind.DATE),
    Column("金额", CellKind.AMOUNT),
    Column("数量", CellKind.NUMBER),
    Column("备注", CellKind.TEXT),
)
WRITERS = {"xlsx": write_xlsx, "csv": write_csv}


def read_cells(kind: CellKind, cells: list, *, file_format: str = "xlsx") -> tuple:
    """Reads the cells as one column of `kind` (beside a 序号 column, as a header needs two names)."""
    grid = [["序号", "值"], *([index, cell] for index, cell in enumerate(cells, start=1))]
    data = xlsx_bytes(("Sheet1", grid)) if file_format == "xlsx" else csv_bytes(grid)
    return read_table(data, [Column("序号", CellKind.NUMBER), Column("值", kind)]).rows


def values_of(table: Table) -> list[dict]:
    return [row.values for row in table.rows]


def error_of(rows: tuple) -> tuple[str, str]:
    (row,) = rows
    (error,) = row.errors
    return error.code, error.params["value"]


# The bureau's export in each format


def test_it_reads_the_bureau_xlsx_below_its_title_rows():
    data = bureau_xlsx(30, seed=1)
    assert str(load_workbook(io.BytesIO(data)).active.merged_cells) == "A1:S1"
    table = read_table(data, BUREAU_COLUMNS)
    assert (table.format, table.sheet, table.header_row) == ("xlsx", TITLE, HEADER_ROW)
    assert table.columns == BUREAU_HEADERS
    assert table.ignored_columns == ()
    assert [row.number for row in table.rows] == list(range(HEADER_ROW + 1, HEADER_ROW + 31))
    assert values_of(table) == bureau_records(30, seed=1)
    assert not any(row.errors for row in table.rows)


def test_the_bureau_records_have_the_ids_that_excel_would_break():
    records = bureau_records(30, seed=1)
    digital = [record["数电发票号码"] for record in records if record["数电发票号码"]]
    legacy = [record["发票号码"] for record in records if record["发票号码"]]
    assert digital and all(len(number) == 20 for number in digital)
    assert any(number.startswith("0") for number in legacy)
    assert all(record["发票代码"].startswith("0") for record in records if record["发票代码"])


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_it_reads_the_bureau_csv_in_utf8_and_gbk(encoding):
    table = read_table(bureau_csv(30, seed=2, encoding=encoding), BUREAU_COLUMNS)
    assert (table.format, table.sheet, table.header_row) == ("csv", "", HEADER_ROW)
    assert values_of(table) == bureau_records(30, seed=2)


def test_it_reads_the_bureau_xls():
    table = read_table(bureau_xls(30, seed=3), BUREAU_COLUMNS)
    assert (table.format, table.sheet, table.header_row) == ("xls", TITLE, HEADER_ROW)
    assert values_of(table) == bureau_records(30, seed=3)


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_it_sniffs_the_csv_delimiter(delimiter):
    grid = bureau_grid(bureau_records(5))
    table = read_table(csv_bytes(grid, delimiter=delimiter), BUREAU_COLUMNS)
    assert values_of(table) == bureau_records(5)


# What is not a table


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b" \r\n\r\n", "empty"),
        ("\ufeff".encode(), "empty"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "unknown_format"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unknown_format"),
        (b"<html><table><tr><td>\xe9\x87\x91\xe9\xa2\x9d</td></tr></table></html>", "unknown_format"),
        (b"\xa1,\xff\xfe\n", "encoding"),
    ],
    ids=["nothing", "blank lines", "bom only", "pdf", "png", "html", "undecodable"],
)
def test_it_rejects_what_is_not_a_table(data, code):
    with pytest.raises(SpreadsheetError) as caught:
        read_table(data, BUREAU_COLUMNS)
    assert caught.value.code == code


def test_it_tells_an_ofd_invoice_from_a_broken_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD/>")
    with pytest.raises(SpreadsheetError) as caught:
        read_table(buffer.getvalue(), BUREAU_COLUMNS)
    assert caught.value.code == "unknown_format"


def test_it_calls_a_workbook_without_cells_empty():
    with pytest.raises(SpreadsheetError) as caught:
        read_table(xlsx_bytes(("Sheet1", [])), BUREAU_COLUMNS)
    assert caught.value.code == "empty"


def test_it_reports_a_csv_the_csv_module_cannot_parse_as_corrupt():
    data = '开票日期,金额\n"'.encode() + b"x" * 200_000  # an unclosed quote runs past the field size limit
    with pytest.raises(SpreadsheetError) as caught:
        read_table(data, [Column("开票日期", CellKind.DATE), Column("金额", CellKind.AMOUNT)])
    assert (caught.value.code, caught.value.params) == ("corrupt", {"format": "CSV"})


@pytest.mark.parametrize(
    ("data", "file_format"),
    [
        (bureau_xlsx(5)[:2000], "XLSX"),
        (bureau_xlsx(5)[:30] + bytes(2000), "XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "XLS"),
        (bureau_xls(5)[:1500], "XLS"),
    ],
    ids=["truncated xlsx", "zeroed xlsx", "empty ole2", "truncated xls"],
)
def test_it_reports_a_damaged_workbook_as_corrupt(data, file_format):
    with pytest.raises(SpreadsheetError) as caught:
        read_table(data, BUREAU_COLUMNS)
    assert (caught.value.code, caught.value.params) == ("corrupt", {"format": file_format})
    assert str(caught.value) == f"The {file_format} file is damaged and cannot be read."


# The header


def test_it_finds_the_header_below_blank_rows_and_numbers_rows_as_excel_does():
    grid = [[], [], ["序号", "开票日期", "金额"], [1, "2024-05-14", 10], [], [2, "2024-05-15", 20]]
    columns = [
        Column("序号", CellKind.NUMBER),
        Column("开票日期", CellKind.DATE),
        Column("金额", CellKind.AMOUNT),
    ]
    table = read_table(xlsx_bytes(("Sheet1", grid)), columns)
    assert table.header_row == 3
    assert [row.number for row in table.rows] == [4, 6]


def test_it_accepts_aliases_star_marks_spaces_and_full_width_forms():
    columns = [
        Column("数电发票号码", CellKind.ID),
        Column("开票日期", CellKind.DATE),
        Column("金额(元)", CellKind.AMOUNT),
        Column("购买方名称", CellKind.TEXT, aliases=("购方名称",)),
    ]
    grid = [
        ["*数电发票号码", "开票日期*", " 金额 （元） ", "购方名称"],
        ["24312000000136634917", "2024-05-14", 5, "甲"],
    ]
    table = read_table(xlsx_bytes(("Sheet1", grid)), columns)
    assert table.columns == ("数电发票号码", "开票日期", "金额(元)", "购买方名称")
    assert table.rows[0].values == {
        "数电发票号码": "24312000000136634917",
        "开票日期": MAY_14,
        "金额(元)": Decimal("5.00"),
        "购买方名称": "甲",
    }


def test_it_lists_extra_columns_and_lets_the_first_of_a_repeated_header_win():
    columns = [Column("开票日期", CellKind.DATE), Column("金额", CellKind.AMOUNT)]
    grid = [["内部编号", "开票日期", "金额", "金额"], ["A-1", "2024-05-14", 10, 99]]
    table = read_table(xlsx_bytes(("Sheet1", grid)), columns)
    assert table.columns == ("开票日期", "金额")
    assert table.ignored_columns == ("内部编号", "金额")
    assert table.rows[0].values == {"开票日期": MAY_14, "金额": Decimal("10.00")}


def test_it_names_every_missing_required_column():
    with pytest.raises(SpreadsheetError) as caught:
        read_table(missing_columns_xlsx("数电发票号码", "金额"), BUREAU_COLUMNS)
    assert (caught.value.code, caught.value.params) == ("missing_columns", {"columns": "数电发票号码、金额"})
    assert str(caught.value) == "The table lacks the required columns 数电发票号码、金额."


def test_it_reports_a_table_without_a_known_header():
    grid = [["姓名", "部门"], ["王芳", "财务部"]]
    with pytest.raises(SpreadsheetError) as caught:
        read_table(xlsx_bytes(("Sheet1", grid)), BUREAU_COLUMNS)
    assert caught.value.code == "no_header"
    assert caught.value.params == {"columns": "数电发票号码、开票日期、金额、税额"}


def test_it_looks_for_the_header_in_the_first_30_rows_only():
    grid = [[f"第{index}行"] for index in range(30)] + [["开票日期", "金额"], ["2024-05-14", 1]]
    columns = [Column("开票日期", CellKind.DATE), Column("金额", CellKind.AMOUNT)]
    with pytest.raises(SpreadsheetError) as caught:
        read_table(xlsx_bytes(("Sheet1", grid)), columns)
    assert caught.value.code == "no_header"


def test_it_reads_the_sheet_whose_header_matches_best():
    table = read_table(with_notes_sheet_xlsx(10), BUREAU_COLUMNS)
    assert table.sheet == TITLE
    assert values_of(table) == bureau_records(10)


def test_it_prefers_the_row_with_every_required_column():
    columns = [Column("数电发票号码", CellKind.ID, required=True), Column("备注", CellKind.TEXT)]
    columns += [Column(name, CellKind.TEXT) for name in ("开票人", "发票状态")]
    grid = [["备注", "开票人", "发票状态"], ["数电发票号码", "备注"], ["24312000000136634917", "蓝字"]]
    table = read_table(xlsx_bytes(("Sheet1", grid)), columns)
    assert table.header_row == 2


# Cells


def test_it_reports_ids_stored_as_numbers_with_their_row_and_keeps_the_rest():
    records = bureau_records(20)
    table = read_table(ids_as_numbers_xlsx(20), BUREAU_COLUMNS)
    for index, (record, row) in enumerate(zip(records, table.rows, strict=True)):
        damaged = "数电发票号码" if record["数电发票号码"] else "发票号码"
        assert row.number == HEADER_ROW + 1 + index
        assert [(error.column, error.code, error.params["row"]) for error in row.errors] == [
            (damaged, "id_stored_as_number", str(row.number))
        ]
        assert row.values == {**record, damaged: None}


def test_it_reports_an_id_that_excel_saved_in_scientific_notation():
    assert error_of(read_cells(CellKind.ID, ["2.43120000001366E+19"], file_format="csv")) == (
        "id_stored_as_number",
        "2.43120000001366E+19",
    )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("24312000000136634917", "24312000000136634917"),
        (" 0331 2345 ", "03312345"),
        ("'00123456", "00123456"),
        ("０３３００２０００２１１", "033002000211"),
        ("91310115ma1k4d8x0b", "91310115MA1K4D8X0B"),
    ],
)
@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_it_reads_ids_as_normalised_text(cell, expected, file_format):
    (row,) = read_cells(CellKind.ID, [cell], file_format=file_format)
    assert row.values["值"] == expected


@pytest.mark.parametrize(
    "cell",
    [
        MAY_14,
        datetime(2024, 5, 14, 10, 11, 12),
        45426,
        "2024-05-14",
        "2024-05-14 10:11:12",
        "2024/5/14",
        "2024年05月14日",
        "2024年5月14日 10:11",
        "20240514",
        20240514,
        "２０２４－０５－１４",
        "'2024-05-14",
    ],
)
def test_it_reads_dates_in_every_form(cell):
    (row,) = read_cells(CellKind.DATE, [cell])
    assert (row.values["值"], row.errors) == (MAY_14, ())


@pytest.mark.parametrize("cell", ["2024-13-01", "14/05/2024", "2024-05-14 下午", "昨天", 0, 99999999])
def test_it_reports_a_bad_date_as_a_cell_error(cell):
    rows = read_cells(CellKind.DATE, [cell])
    assert error_of(rows) == ("bad_date", str(cell))
    assert rows[0].values == {"序号": Decimal(1), "值": None}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("１，２３４．５６", "1234.56"),
        ("¥1,234.56", "1234.56"),
        ("￥ 1 234.5", "1234.50"),
        ("-12.3", "-12.30"),
        ("'-12.30", "-12.30"),
        ("1,234,567", "1234567.00"),
        (0.1, "0.10"),
        (1234.5, "1234.50"),
        (-14000, "-14000.00"),
        (1.3000000000000003, "1.30"),
    ],
)
def test_it_reads_amounts_as_decimals_with_two_places(cell, expected):
    (row,) = read_cells(CellKind.AMOUNT, [cell])
    assert row.values["值"] == Decimal(expected)
    assert str(row.values["值"]) == expected


@pytest.mark.parametrize("cell", ["12.345", "12,34", "1,2345", "abc", "1.2.3", "--1", "1e5", 0.125])
def test_it_reports_a_bad_amount_as_a_cell_error(cell):
    assert error_of(read_cells(CellKind.AMOUNT, [cell])) == ("bad_amount", str(cell))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("13%", Decimal("0.13")),
        ("1.5%", Decimal("0.015")),
        (0.13, Decimal("0.13")),
        ("2.5", Decimal("2.5")),
        ("1,000", Decimal("1000")),
        (3.3333333333333335, Decimal("3.33333333333333")),
        ("免税", "免税"),
        ("不征税", "不征税"),
        ("***", "***"),
    ],
)
def test_it_reads_numbers_rates_and_rate_words(cell, expected):
    (row,) = read_cells(CellKind.NUMBER, [cell])
    assert row.values["值"] == expected


def test_it_reports_a_bad_number_as_a_cell_error():
    assert error_of(read_cells(CellKind.NUMBER, ["约十个"])) == ("bad_number", "约十个")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(12345678, "12345678"), (2.5, "2.5"), ("  办公用品 ", "办公用品"), ("'=1+1", "'=1+1"), ("", None)],
)
def test_it_reads_text_as_written(cell, expected):
    (row,) = read_cells(CellKind.TEXT, [cell])
    assert row.values["值"] == expected


def test_it_reads_every_non_empty_row_until_max_rows():
    data = bureau_xlsx(10)
    assert len(read_table(data, BUREAU_COLUMNS, max_rows=10).rows) == 10
    with pytest.raises(SpreadsheetError) as caught:
        read_table(data, BUREAU_COLUMNS, max_rows=9)
    assert (caught.value.code, caught.value.params) == ("too_many_rows", {"max_rows": "9"})


# Writing


LEDGER_ROWS = [
    ["24312000000136634917", MAY_14, Decimal("1234567.89"), Decimal("0.13"), "办公用品（A4 纸）"],
    [
        "00123456",
        date(2023, 12, 31),
        Decimal("-12.30"),
        "免税",
        "被红冲蓝字数电发票号码：24312000000136634917",
    ],
    ["033002000211", None, Decimal("0.10"), Decimal("2.5"), None],
]


@pytest.mark.parametrize("file_format", WRITERS)
def test_it_round_trips_the_ledger_rows(file_format):
    table = read_table(WRITERS[file_format](LEDGER_COLUMNS, LEDGER_ROWS), LEDGER_COLUMNS)
    assert table.format == file_format
    assert [list(row.values.values()) for row in table.rows] == LEDGER_ROWS
    assert not any(row.errors for row in table.rows)


@pytest.mark.parametrize("file_format", WRITERS)
def test_it_round_trips_the_bureau_records(file_format):
    records = bureau_records(40, seed=4)
    rows = [[record[name] for name in BUREAU_HEADERS] for record in records]
    table = read_table(WRITERS[file_format](BUREAU_COLUMNS, rows), BUREAU_COLUMNS)
    assert values_of(table) == records


@settings(deadline=None, max_examples=40)
@given(
    rows=st.lists(
        st.tuples(
            st.text(alphabet="0123456789", min_size=1, max_size=20),
            st.dates(min_value=date(1900, 3, 1)),
            # An XLSX amount is an Excel number, exact to 15 significant digits.
            st.decimals(
                min_value=Decimal("-9999999999999.99"), max_value=Decimal("9999999999999.99"), places=2
            ),
            st.decimals(min_value=0, max_value=10**6, places=4),
            st.text(alphabet="甲乙丙发票有限公司（）ABCxyz019-=+@'", min_size=1, max_size=20),
        ),
        min_size=1,
        max_size=5,
    ),
    file_format=st.sampled_from(sorted(WRITERS)),
)
def test_it_round_trips_any_ids_dates_amounts_and_text(rows, file_format):
    table = read_table(WRITERS[file_format](LEDGER_COLUMNS, rows), LEDGER_COLUMNS)
    expected = [[*row[:4], neutralise(row[4])] for row in rows]
    assert [list(row.values.values()) for row in table.rows] == expected


def test_it_writes_xlsx_that_keeps_ids_as_text_and_amounts_as_numbers():
    worksheet = load_workbook(io.BytesIO(write_xlsx(LEDGER_COLUMNS, LEDGER_ROWS, sheet="台账"))).active
    assert worksheet.title == "台账"
    assert worksheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in worksheet[1])
    assert [cell.number_format for (cell,) in worksheet.iter_rows(min_row=2, max_col=1)] == ["@"] * 3
    ids, issued, amount, _, remarks = worksheet[3]
    assert (ids.value, ids.data_type, ids.number_format) == ("00123456", "s", "@")
    assert (issued.value, issued.number_format) == (datetime(2023, 12, 31), "yyyy-mm-dd")
    assert (amount.value, amount.data_type, amount.number_format) == (-12.3, "n", "#,##0.00")
    assert (remarks.data_type, remarks.number_format) == ("s", "@")
    assert worksheet.column_dimensions["A"].width >= 22


def test_it_writes_csv_with_a_bom_iso_dates_and_plain_amounts():
    data = write_csv(LEDGER_COLUMNS, LEDGER_ROWS)
    assert data.startswith("\ufeff".encode())
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "数电发票号码,开票日期,金额,数量,备注"
    assert lines[1] == "24312000000136634917,2024-05-14,1234567.89,0.13,办公用品（A4 纸）"
    assert lines[3] == "033002000211,,0.10,2.5,"


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise_puts_an_apostrophe_before_each_formula_trigger(trigger):
    assert neutralise(f"{trigger}1+1") == f"'{trigger}1+1"


@pytest.mark.parametrize("text", ["1+1", "'=1", "备注", "", " =1"])
def test_neutralise_leaves_other_text_alone(text):
    assert neutralise(text) == text


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_both_writers_neutralise_formula_text(trigger):
    payload = f'{trigger}HYPERLINK("http://example.com")'
    rows = [[None, None, None, None, payload]]
    worksheet = load_workbook(io.BytesIO(write_xlsx(LEDGER_COLUMNS, rows))).active
    # Depending on the XML library a CR comes back as itself or as a line feed (a line break in an
    # Excel cell either way); what matters is the apostrophe in front.
    value = worksheet["E2"].value.replace("\r", "\n")
    assert (value, worksheet["E2"].data_type) == (f"'{payload}".replace("\r", "\n"), "s")
    (record,) = list(
        csv.reader(io.StringIO(write_csv(LEDGER_COLUMNS, rows).decode("utf-8-sig"), newline=""))
    )[1:]
    assert record[4] == f"'{payload}"


@pytest.mark.parametrize("file_format", WRITERS)
def test_a_neutralised_text_keeps_its_apostrophe_and_an_id_drops_it(file_format):
    rows = [["'00123456", None, None, None, "=SUM(A1:A9)"]]
    (row,) = read_table(WRITERS[file_format](LEDGER_COLUMNS, rows), LEDGER_COLUMNS).rows
    assert (row.values["数电发票号码"], row.values["备注"]) == ("00123456", "'=SUM(A1:A9)")


@pytest.mark.parametrize("file_format", WRITERS)
def test_a_negative_amount_stays_a_number_but_negative_text_is_neutralised(file_format):
    rows = [[None, None, Decimal("-12.30"), Decimal("-1"), "-12.30"]]
    data = WRITERS[file_format](LEDGER_COLUMNS, rows)
    (row,) = read_table(data, LEDGER_COLUMNS).rows
    assert row.values == {
        "数电发票号码": None,
        "开票日期": None,
        "金额": Decimal("-12.30"),
        "数量": Decimal("-1"),
        "备注": "'-12.30",
    }


def test_csv_amounts_are_numeric_text_produced_from_decimals():
    data = write_csv(LEDGER_COLUMNS, [[None, None, Decimal("-12.3"), None, None]])
    assert data.decode("utf-8-sig").splitlines()[1] == ",,-12.30,,"


@pytest.mark.parametrize("file_format", WRITERS)
def test_the_writers_drop_control_characters_before_neutralising(file_format):
    rows = [[None, None, None, None, "\x00=1+1\x0b页"]]
    (row,) = read_table(WRITERS[file_format](LEDGER_COLUMNS, rows), LEDGER_COLUMNS).rows
    assert row.values["备注"] == "'=1+1页"


# Anything else raises SpreadsheetError and nothing else


def test_it_reports_a_calamine_panic_as_corrupt():
    with pytest.raises(SpreadsheetError) as caught:
        read_table(bureau_xls(5)[:-100], BUREAU_COLUMNS)  # the directory sector cut short
    assert caught.value.code == "corrupt"
    assert type(caught.value.__cause__).__name__ == "PanicException"


XLSX_SAMPLE = bureau_xlsx(3)


# Past a whole 512-byte OLE2 header, random bytes can make calamine abort or eat all memory instead
# of raising (tafia/calamine#714, #550), which would take the test run down with it.
@settings(deadline=None)
@given(
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "序号,金额\n".encode()]),
    tail=st.binary(max_size=500),
)
def test_arbitrary_bytes_give_a_table_or_a_spreadsheet_error(prefix, tail):
    try:
        assert isinstance(read_table(prefix + tail, BUREAU_COLUMNS), Table)
    except SpreadsheetError as error:
        assert error.code in {
            "empty",
            "unknown_format",
            "encoding",
            "corrupt",
            "no_header",
            "missing_columns",
        }


@settings(deadline=None)
@given(
    changes=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8
    ),
    keep=st.floats(0.05, 1),
)
def test_a_damaged_xlsx_gives_a_table_or_a_spreadsheet_error(changes, keep):
    data = bytearray(XLSX_SAMPLE[: max(16, int(len(XLSX_SAMPLE) * keep))])
    for where, byte in changes:
        data[8 + int(where * (len(data) - 8))] = byte
    try:
        table = read_table(bytes(data), BUREAU_COLUMNS)
    except SpreadsheetError:
        return
    assert all(isinstance(error, CellError) for row in table.rows for error in row.errors)


def test_it_reads_back_thousands_of_rows():
    """50,000 rows x 20 columns on the project's 2-core machine: with the bureau's gaps (872,000
    cells) write_xlsx 10-12 s, read_table of it 1.4 s; every cell filled (1,000,000) 12.7 s and 1.6 s;
    write_csv 0.6 s, read_table of that CSV 1.0-1.2 s. openpyxl's own cell serialisation is nearly
    all of the XLSX writing time (plain unstyled values alone take 10 s)."""
    columns = (*BUREAU_COLUMNS, Column("附注", CellKind.TEXT))
    records = bureau_records(5000, seed=5)
    rows = [[*(record[name] for name in BUREAU_HEADERS), "附注"] for record in records]
    for writer in WRITERS.values():
        table = read_table(writer(columns, rows), columns)
        assert values_of(table) == [{**record, "附注": "附注"} for record in records]

"""The title rows of a bureau export: the 开票日期 range it was asked for and its 导出时间, in every
form they are written, from XLSX (merged or not), XLS and CSV."""

from datetime import date, datetime

import pytest
from openpyxl import Workbook

from invoices.spreadsheets import read_table
from reconcile.export_title import ExportTitle, read_export_title
from reconcile.importers import COLUMNS, read_bureau_file
from tests.fixtures.recon_scenarios import BASIC_HEADERS, basic_rows, scenario, write_csv, write_xlsx
from tests.fixtures.spreadsheets import TITLE, bureau_grid, bureau_records, xls_bytes

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
EXPORTED = datetime(2026, 12, 1, 9, 12, 33)


@pytest.mark.parametrize(
    "lines",
    [
        ["发票基础信息", "查询条件：开票日期 2026-11-01 至 2026-11-30；导出时间：2026-12-01 09:12:33"],
        ["查询条件：开票日期起止：2026/11/01 到 2026/11/30", "导出时间: 2026/12/01 09:12:33"],
        ["开票日期：2026年11月01日~2026年11月30日 导出时间：2026年12月01日 09:12:33"],
        ["开票日期 20261101-20261130 导出时间 2026-12-01 09:12:33"],
        ["开票日期：2026-11-01 - 2026-11-30", "导出时间：2026-12-01 9时12分33秒"],
        ["开票日期：2026.11.01 — 2026.11.30", "导出时间：2026.12.01 09:12:33"],
        ["开票日期(起)：2026-11-01 开票日期(止)：2026-11-30", "导出时间：2026-12-01 09:12:33"],
        ["导出时间：2026-12-01 09:12:33 查询条件：开票日期 2026-11-01 至 2026-11-30"],
        [
            "开票日期：２０２６－１１－０１～２０２６－１１－３０",
            "导出时间：２０２６－１２－０１　０９：１２：３３",
        ],
        ["开票日期 2026-11-01 00:00:00 至 2026-11-30 23:59:59 导出时间 2026-12-01 09:12:33.480000"],
        ["查询条件： 开票日期 2026-11-01 至 2026-11-30", "导出时间 2026-12-01 09:12:33"],  # cells joined
    ],
)
def test_it_reads_the_period_and_the_export_time_in_every_form(lines):
    assert read_export_title(lines) == ExportTitle(NOVEMBER, EXPORTED)


@pytest.mark.parametrize(
    ("lines", "title"),
    [
        (["导出日期: 2026-12-01"], ExportTitle(None, datetime(2026, 12, 1))),
        (["导出时间：2026-12-01 09:12"], ExportTitle(None, datetime(2026, 12, 1, 9, 12))),
        (["查询条件：开票日期 2026-11-01 至 2026-11-30；发票状态 全部"], ExportTitle(NOVEMBER, None)),
        (["进项发票 2026-11-01 至 2026-11-30"], ExportTitle(NOVEMBER, None)),  # a range alone in a title
        (["发票基础信息"], ExportTitle(None, None)),
        ([], ExportTitle(None, None)),
        (["开票日期 2026-11-30 至 2026-11-01"], ExportTitle(None, None)),  # backwards
        (["开票日期 2026-02-30 至 2026-03-31", "导出时间：2026-13-01 09:12"], ExportTitle(None, None)),
        (["导出时间：2026-12-01 25:12"], ExportTitle(None, None)),
    ],
)
def test_it_reads_only_what_the_title_says(lines, title):
    assert read_export_title(lines) == title


def test_a_labelled_range_wins_over_one_standing_alone():
    lines = ["全量发票查询 2026-10-01 至 2026-12-31", "查询条件：开票日期 2026-11-01 至 2026-11-30"]
    assert read_export_title(lines).period == NOVEMBER


def merged_title_xlsx(rows: list[list], *, merged: int) -> bytes:
    """A workbook whose first `merged` rows are each one cell merged across the header's width."""
    import io

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for number in range(1, merged + 1):
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=len(BASIC_HEADERS))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CONDITIONS = "查询条件：开票日期 2026-11-01 至 2026-11-30；导出时间：2026-12-01 09:12:33"


def test_read_table_gives_the_rows_above_the_header_in_every_format():
    world = scenario(4, seed=5, share=0)
    rows = list(basic_rows(world, title=[["发票基础信息"], [CONDITIONS]]))
    expected = ("发票基础信息", CONDITIONS)
    for data in (write_xlsx(iter(rows)), write_csv(iter(rows)), merged_title_xlsx(rows, merged=2)):
        table = read_table(data, COLUMNS)
        assert (table.header_row, table.title, len(table.rows)) == (3, expected, 4)
    grid = bureau_grid(bureau_records(3, seed=1))
    assert read_table(xls_bytes((TITLE, grid)), COLUMNS).title == (TITLE, grid[1][0])


def test_a_title_split_over_cells_with_a_typed_moment_is_read():
    world = scenario(3, seed=6, share=0)
    title = [
        ["发票基础信息"],
        ["查询条件：", "开票日期", "2026-11-01", "至", "2026-11-30"],
        ["导出时间", EXPORTED],
    ]
    data = write_xlsx(basic_rows(world, title=title))
    parsed = read_bureau_file(data, company_tin=world.company_tin)
    assert parsed.title == ExportTitle(NOVEMBER, EXPORTED)


def test_an_export_without_title_rows_says_nothing_of_its_period():
    world = scenario(3, seed=7, share=0)
    parsed = read_bureau_file(write_xlsx(basic_rows(world, title=[])), company_tin=world.company_tin)
    assert (parsed.title, len(parsed.records)) == (ExportTitle(None, None), 3)

"""Spreadsheets built to make the reader abort the process rather than raise: cells far apart (the
reader allocates the grid between them) and an XLS whose sector chain loops."""

import io
import struct
import zipfile

from openpyxl import Workbook

from tests.fixtures.spreadsheets import bureau_xls

SECTOR = 512


def far_cell_xlsx() -> bytes:
    """A well-formed XLSX of a few KB with one cell at A1 and one at XFD1048576."""
    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["XFD1048576"] = "发票号码", "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def far_cell_xls() -> bytes:
    """A real XLS whose first number cell is moved to row 60,000, column 40,000."""
    data = bytearray(bureau_xls(3, seed=9))
    at = data.index(b"\x03\x02\x0e\x00")  # NUMBER, 14 bytes: row, column, format, value
    struct.pack_into("<HH", data, at + 4, 59_999, 39_999)
    return bytes(data)


def looping_xls() -> bytes:
    """A real XLS whose directory chain leads back to itself."""
    data = bytearray(bureau_xls(3, seed=9))
    directory = struct.unpack_from("<I", data, 0x30)[0]
    fat_sector = struct.unpack_from("<I", data, 0x4C)[0]  # the first FAT sector, from the header's DIFAT
    struct.pack_into("<I", data, (fat_sector + 1) * SECTOR + 4 * directory, directory)
    return bytes(data)


def many_cells_xlsx(cells: int) -> bytes:
    """A small XLSX whose one row holds `cells` cells without references (they compress to little)."""
    workbook = Workbook()
    workbook.active["A1"] = "发票号码"
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.namelist():
            content = source.read(item)
            if item == "xl/worksheets/sheet1.xml":
                content = content.replace(
                    b"</sheetData>", b'<row r="2">' + b"<c/>" * cells + b"</row></sheetData>"
                )
            target.writestr(item, content)
    return out.getvalue()

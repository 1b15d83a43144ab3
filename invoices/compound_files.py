"""A guard for legacy Excel (.xls) files, which are OLE2 compound files: every sector chain the
reader will follow must end, stay inside the file and visit no sector twice. A hostile file whose
chain loops makes the spreadsheet reader (calamine, Rust) grow a buffer until the process aborts on
a failed allocation, which no exception handler can catch; so the chains are walked here first,
with olefile parsing the structure. The same goes for cells far apart: the reader allocates the
grid between them, so their extent is read from the workbook's cell records first."""

import io
import struct

import olefile

CHAIN_ENDS = {olefile.ENDOFCHAIN, olefile.FREESECT}


def sound_compound_file(data: bytes) -> bool:
    """Whether every chain of the compound file (directory, mini-FAT, each stream) is sound."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:  # olefile's own refusals come in several types: the file is damaged either way
        return False
    try:
        fat, minifat = list(ole.fat), list(ole.minifat or [])
        chains = [(fat, ole.first_dir_sector), (fat, ole.first_mini_fat_sector)]
        for entry in ole.direntries:
            if entry is None or entry.isectStart in CHAIN_ENDS:
                continue
            small = entry is not ole.root and entry.size < ole.minisectorcutoff
            chains.append((minifat if small else fat, entry.isectStart))
        return all(_chain_ends(table, start) for table, start in chains)
    finally:
        ole.close()


def _chain_ends(table: list[int], start: int) -> bool:
    seen, sector = set(), start
    while sector not in CHAIN_ENDS:
        if sector >= len(table) or sector in seen:
            return False
        seen.add(sector)
        sector = table[sector]
    return True


# BIFF8 records that place a cell: (row, column) are their first two 16-bit fields; MULRK and
# MULBLANK end with their last column.
CELL_RECORDS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0201, 0x0204, 0x0205, 0x00D6}
MULTI_CELL_RECORDS = {0x00BD, 0x00BE}


def xls_cell_extent(data: bytes) -> tuple[int, int]:
    """The last row and column (1-based) any cell record of the workbook names: the reader
    allocates the whole grid up to them. (0, 0) when the workbook stream cannot be found."""
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        name = next((each for each in ("Workbook", "Book") if ole.exists(each)), None)
        if name is None:
            return 0, 0
        stream = ole.openstream(name).read()
    rows = columns = 0
    at = 0
    while at + 4 <= len(stream):
        record, length = struct.unpack_from("<HH", stream, at)
        body = stream[at + 4 : at + 4 + length]
        if len(body) >= 4 and record in CELL_RECORDS | MULTI_CELL_RECORDS:
            row, column = struct.unpack_from("<HH", body)
            if record in MULTI_CELL_RECORDS and len(body) >= 6:
                column = max(column, struct.unpack_from("<H", body, len(body) - 2)[0])
            rows, columns = max(rows, row + 1), max(columns, column + 1)
        at += 4 + length
    return rows, columns

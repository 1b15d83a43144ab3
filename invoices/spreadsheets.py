"""The tables the ledger and the reconciliation import and export: XLSX, XLS and CSV, pure Python.

Implements docs/fapiao-rules.md §Normalisation (identifiers are text; an id that Excel stored as a number has
already lost digits, so it is reported, never guessed) and §BureauExports (the bureau's exports: headers are
matched by their Chinese name after trimming, never by position, below any title rows; 购买方名称 or 购方名称;
the `*` the 勾选 export puts on flagged columns).

Reading uses python-calamine (about ten times faster than openpyxl's reader), writing openpyxl in
write-only mode, CSV the standard library. The format is sniffed from the bytes, never the file name.

What a caller should know:
- A leading apostrophe is Excel's "this is text" marker. It is dropped from ID, DATE, AMOUNT and
  NUMBER cells, where it can mean nothing else. TEXT cells come back exactly as written, including
  the apostrophe `neutralise` put before "=", "+", "-", "@", tab or CR; a caller that knows the
  file came from these writers takes it off with `unneutralise`.
- The writers neutralise strings only. Numbers and dates are written from Decimal, int, float or
  date values, so they hold nothing but digits, "-" and "."; a spreadsheet reads them as numbers,
  never as formulas. A negative amount is a numeric cell in XLSX and the text "-12.30" in CSV.
- A float cell is read as Excel shows it, to 15 significant digits: 0.1 is 0.10, and a cached
  formula result such as 1.3000000000000003 is 1.30.
- More than `max_rows` non-empty rows raise "too_many_rows" rather than dropping the rest: a
  reconciliation that silently lost rows would report those invoices as missing.
- calamine's errors and panics become SpreadsheetError("corrupt"), but some damaged or crafted files
  make it abort the process on a failed allocation, which nothing can catch (tafia/calamine#693: two
  far-apart cells in a well-formed XLSX make it allocate the whole grid between them; #714 and #550:
  XLS sector chains that loop). So an XLSX's cell grid is measured before it is read ("sheet_too_large"
  above MAX_GRID_CELLS, or above MAX_UNREFERENCED_CELLS cells without a reference, whose place the
  reader works out itself) and an XLS's sector chains are walked (invoices/compound_files.py). These
  guards are a first filter only: callers run the reader in a child process (sandbox/), which is
  what holds when a file gets past them.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache, partial
from itertools import islice

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from python_calamine import CalamineSheet, CalamineWorkbook, SheetTypeEnum

from invoices.compound_files import sound_compound_file, xls_cell_extent
from invoices.fapiao import normalize_id

HEADER_SEARCH_ROWS = 30
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_WORDS = frozenset({"免税", "不征税", "***"})  # what the rate column holds instead of a rate
ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system, which counts a 1900-02-29
LAST_EXCEL_SERIAL = 2958465  # 9999-12-31
CENT = Decimal("0.01")

# Control characters other than tab, LF and CR: XML cannot hold them, and they never occur in a
# UTF-8 or GB18030 CSV (GB18030 trail bytes are all above 0x2F), so as bytes they mark a binary file.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NUMBER_RE = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", re.ASCII)
_SCIENTIFIC_RE = re.compile(r"\d+(?:\.\d+)?E\+\d+", re.ASCII)
_DATE_RE = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", re.ASCII
)

_MESSAGES = {
    "empty": "The file is empty.",
    "unknown_format": "The file is not a spreadsheet: upload an XLSX, XLS or CSV file.",
    "encoding": "The CSV file is neither UTF-8 nor GBK/GB18030 text.",
    "corrupt": "The {format} file is damaged and cannot be read.",
    "no_header": "No header row found in the first 30 rows: expected columns such as {columns}.",
    "missing_columns": "The table lacks the required columns {columns}.",
    "too_many_rows": "The table has more than {max_rows} rows.",
    "sheet_too_large": "A sheet spans {rows} rows and {columns} columns; delete the cells far from it.",
    "unsafe_file": "The file could not be read safely.",
}
# The reader allocates every cell between the first and the last; beyond this the worker would abort.
MAX_GRID_CELLS = 60_000_000
MAX_SHEET_XML_BYTES = 4_000_000_000  # a zip bomb of cells is refused before it is read
# A cell may leave out its reference (it is then the next cell of its row); Excel always writes it.
MAX_UNREFERENCED_CELLS = 5_000_000
# A cell or row reference in a column from AA on, or in a row from 100,000 on, however the XML
# spells the attribute: either quote, any whitespace around "=", after any whitespace. (Any
# attribute ending in r is looked at: a value that is no reference never looks like a far one.)
_FAR_REFERENCE_RE = re.compile(rb"r\s*=\s*[\"'](?:([A-Za-z]{2,3})(\d+)|[A-Za-z]?(\d{6,}))[\"']")
_REFERENCED_CELL_RE = re.compile(rb"<c\s(?:[^>]*?\s)?r\s*=")
_QUICK_REFERENCES = (b'<c r="', b"<c r='")  # how every writer we know starts a cell
_TAIL = 512  # bytes kept from one chunk to the next, so that no tag is cut in two


class SpreadsheetError(ValueError):
    """A file that cannot be read as a table. `code` is stable and the Django layer translates by it;
    `params` are the str values its message needs."""

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(_MESSAGES[code].format(**params))
        self.code = code
        self.params = params


class CellKind(StrEnum):
    TEXT = "text"
    ID = "id"
    DATE = "date"
    AMOUNT = "amount"
    NUMBER = "number"


@dataclass(frozen=True)
class Column:
    name: str  # the canonical Chinese header, e.g. "数电发票号码"
    kind: CellKind
    required: bool = False
    aliases: tuple[str, ...] = ()  # other header texts meaning the same column


@dataclass(frozen=True)
class CellError:
    """A cell that could not be read: "id_stored_as_number", "bad_date", "bad_amount" or "bad_number".
    `params` hold "row", "column" and "value" (the cell as text) for the message."""

    column: str
    code: str
    params: dict[str, str]


@dataclass(frozen=True)
class Row:
    number: int  # 1-based, as the user sees it in Excel
    values: dict[str, object]  # every column found; None for an empty or unreadable cell
    errors: tuple[CellError, ...]


@dataclass(frozen=True)
class Table:
    format: str  # "xlsx", "xls" or "csv"
    sheet: str  # "" for csv
    header_row: int  # 1-based
    columns: tuple[str, ...]  # canonical names found, in file order
    ignored_columns: tuple[str, ...]  # header texts that matched no Column, or repeated one
    rows: tuple[Row, ...]
    title: tuple[str, ...] = ()  # the non-blank rows above the header, each its cells' text joined by a space


def read_table(data: bytes, columns: Sequence[Column], *, max_rows: int = 1_000_000) -> Table:
    """The rows below the best header found in the first 30 rows of any sheet. Raises only
    SpreadsheetError; a cell that cannot be read is a CellError in its Row."""
    file_format = _sniff(data)
    sheets = _csv_sheets(data) if file_format == "csv" else _workbook_sheets(data, file_format)
    sheet, header = _find_header(sheets, columns)
    return Table(
        format=file_format,
        sheet=sheet.name,
        header_row=header.index + 1,
        columns=tuple(field.name for field in header.fields),
        ignored_columns=header.ignored,
        rows=_read_rows(sheet, header, max_rows),
        title=_title_rows(sheet, header),
    )


def raw_rows(
    data: bytes, columns: Sequence[Column], numbers: Iterable[int]
) -> tuple[list[object], dict[int, list[object]]]:
    """The header row's cells and those of the rows numbered `numbers` (1-based, as Row.number), as
    the file holds them: what read_table found with the same columns, unconverted, to hand rows back
    as they came. Reads the file again, so call it only for the few rows that need it."""
    wanted = set(numbers)
    file_format = _sniff(data)
    sheets = _csv_sheets(data) if file_format == "csv" else _workbook_sheets(data, file_format)
    sheet, header = _find_header(sheets, columns)
    found: dict[int, list[object]] = {}
    header_cells: list[object] = []
    for index, cells in enumerate(sheet.rows()):
        if index == header.index:
            header_cells = list(cells)
        elif index + 1 in wanted:
            found[index + 1] = list(cells)
            if len(found) == len(wanted):
                break
    return header_cells, found


def write_xlsx(
    headers: Sequence[Column], rows: Iterable[Sequence[object]], *, sheet: str = "Sheet1"
) -> bytes:
    """An XLSX with a bold, frozen header row. IDs and text are text cells formatted "@", so leading
    zeros and all 20 digits survive editing in Excel; amounts are numbers formatted "#,##0.00"."""
    return write_xlsx_sheets([(sheet, headers, rows)])


def write_xlsx_sheets(sheets: Sequence[tuple[str, Sequence[Column], Iterable[Sequence[object]]]]) -> bytes:
    """An XLSX of several sheets, each (name, headers, rows) written as write_xlsx writes one."""
    workbook = Workbook(write_only=True)
    for name, headers, rows in sheets:
        _write_sheet(workbook.create_sheet(name[:31]), headers, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(worksheet, headers: Sequence[Column], rows: Iterable[Sequence[object]]) -> None:
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(headers, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = _column_width(column)
    worksheet.append([_header_cell(worksheet, column) for column in headers])
    writers = [_XlsxColumn(worksheet, column.kind) for column in headers]
    for values in rows:
        worksheet.append([writer.cell(value) for writer, value in zip(writers, values, strict=True)])


def write_csv(headers: Sequence[Column], rows: Iterable[Sequence[object]]) -> bytes:
    """A comma-separated UTF-8 CSV with a BOM, so that Excel opens it as UTF-8; ISO dates; amounts
    as plain "1234.56"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(column.name for column in headers)
    kinds = [column.kind for column in headers]
    for values in rows:
        writer.writerow([_csv_text(kind, value) for kind, value in zip(kinds, values, strict=True)])
    return buffer.getvalue().encode("utf-8-sig")


def neutralise(value: str) -> str:
    """The text with a leading apostrophe if a spreadsheet would otherwise take it for a formula."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def unneutralise(value: str) -> str:
    """The text `neutralise` was given, for a reader that knows the file came from our writers."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS) else value


# Reading: format and sheets


@dataclass(frozen=True)
class _Sheet:
    name: str
    rows: Callable[[], Iterator[Sequence[object]]]  # every row from the sheet's first, afresh on each call


def _sniff(data: bytes) -> str:
    if data.startswith(ZIP_SIGNATURE):
        return "xlsx"
    if data.startswith(OLE2_SIGNATURE):
        return "xls"
    if data.startswith(b"%PDF") or _CONTROL_BYTES.search(data):
        raise SpreadsheetError("unknown_format")
    return "csv"


def _csv_sheets(data: bytes) -> list[_Sheet]:
    """One candidate per delimiter: the header search keeps the one under which the header matches
    best, which is a surer sniff than counting delimiters (ties go to the comma)."""
    text = _decode(data)
    if text.lstrip().startswith("<"):
        # HTML or XML saved under a .xls or .csv name, as some systems export.
        raise SpreadsheetError("unknown_format")
    return [_Sheet("", partial(_csv_rows, text, delimiter)) for delimiter in (",", "\t", ";")]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SpreadsheetError("encoding") from None


def _csv_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    with _failures_as_corrupt("csv"):
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _workbook_sheets(data: bytes, file_format: str) -> list[_Sheet]:
    if file_format == "xlsx":
        _require_workbook_part(data)
    if file_format == "xls":
        _require_sound_xls(data)
    with _failures_as_corrupt(file_format):
        workbook = CalamineWorkbook.from_object(io.BytesIO(data))
        sheets = [
            workbook.get_sheet_by_name(metadata.name)
            for metadata in workbook.sheets_metadata
            if metadata.typ == SheetTypeEnum.WorkSheet
        ]
    return [_Sheet(sheet.name, partial(_workbook_rows, sheet, file_format)) for sheet in sheets]


def _require_workbook_part(data: bytes) -> None:
    """A ZIP without a workbook is another kind of document (an OFD invoice, a DOCX), not a broken
    spreadsheet. A workbook whose cells span a grid too large to allocate is refused."""
    with _failures_as_corrupt("xlsx"), zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        is_workbook = any(name.endswith("workbook.xml") for name in names)
        extents = [
            _sheet_extent(archive, name)
            for name in names
            if is_workbook and name.startswith("xl/worksheets/") and name.endswith(".xml")
        ]
    if not is_workbook:
        raise SpreadsheetError("unknown_format")
    for rows, columns, cells in extents:
        _require_bounded_grid(rows, columns, cells)


def _require_sound_xls(data: bytes) -> None:
    if not sound_compound_file(data):
        raise SpreadsheetError("corrupt", format="XLS")
    with _failures_as_corrupt("xls"):
        rows, columns = xls_cell_extent(data)
    _require_bounded_grid(rows, columns)


def _require_bounded_grid(rows: int, columns: int, cells: int = 0) -> None:
    if max(rows * columns, cells) > MAX_GRID_CELLS:
        raise SpreadsheetError("sheet_too_large", rows=str(rows), columns=str(columns))


def _sheet_extent(archive: zipfile.ZipFile, name: str) -> tuple[int, int, int]:
    """At least the sheet's last row and column, read from its cell and row references in a stream
    (only rows past 99,999 and columns past Z are looked at: ordinary sheets have few or none), and
    at most how many cells it holds (cells need no reference, so a compressed run of them is counted
    too, and more than MAX_UNREFERENCED_CELLS of those, or past MAX_SHEET_XML_BYTES of XML, count as
    too many)."""
    rows, columns, cells, unreferenced, read, tail = 99_999, 26, 0, 0, 0, b""
    with archive.open(name) as sheet:
        while chunk := sheet.read(8 << 20):
            read += len(chunk)
            if read > MAX_SHEET_XML_BYTES:
                return rows, columns, MAX_GRID_CELLS + 1
            text = tail + chunk
            counted = _occurrences(text, tail, b"<c")  # with the few other tags that start so
            cells += counted
            unreferenced += counted - _references(text, tail, counted)
            if unreferenced > MAX_UNREFERENCED_CELLS:
                return rows, columns, MAX_GRID_CELLS + 1
            for wide, wide_row, long_row in _FAR_REFERENCE_RE.findall(text):
                if wide:
                    columns, rows = max(columns, _column_number(wide.upper())), max(rows, int(wide_row))
                else:
                    rows = max(rows, int(long_row))
            tail = text[-_TAIL:]
    return rows, columns, cells


def _occurrences(text: bytes, tail: bytes, token: bytes) -> int:
    """How often the token occurs in text, without those in its first part, the tail of the chunk
    before, which were counted then."""
    return text.count(token) - tail.count(token)


def _references(text: bytes, tail: bytes, cells: int) -> int:
    """How many of the chunk's cells carry a reference: counted as a plain string when every cell
    starts with one, read with a regular expression only when many seem not to."""
    quick = sum(_occurrences(text, tail, start) for start in _QUICK_REFERENCES)
    if cells - quick < 1000:
        return quick
    return len(_REFERENCED_CELL_RE.findall(text)) - len(_REFERENCED_CELL_RE.findall(tail))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _workbook_rows(sheet: CalamineSheet, file_format: str) -> Iterator[list[object]]:
    # calamine yields rows from the sheet's first row (row numbers hold) but columns from the first
    # used one; header and data rows share that offset, so positions still line up.
    with _failures_as_corrupt(file_format):
        yield from sheet.iter_rows()


@contextmanager
def _failures_as_corrupt(file_format: str) -> Iterator[None]:
    """Whatever the parsing library raises becomes SpreadsheetError("corrupt"). A malformed XLS can
    make calamine's Rust code panic; pyo3 raises that as PanicException, a BaseException."""
    try:
        yield
    except BaseException as error:
        if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
            raise
        raise SpreadsheetError("corrupt", format=file_format.upper()) from error


# Reading: the header


@dataclass(frozen=True)
class _Field:
    position: int
    name: str
    convert: Callable[[object], object]


@dataclass(frozen=True)
class _Header:
    index: int  # 0-based row index in its sheet
    fields: tuple[_Field, ...]  # in file order, the first cell of each column
    ignored: tuple[str, ...]

    def rank(self, required: set[str]) -> tuple[bool, int]:
        names = {field.name for field in self.fields}
        return required <= names, len(names)


def _header_key(text: str) -> str:
    """A header as it is compared: half-width, without spaces or the 勾选 export's `*` marks."""
    return "".join(unicodedata.normalize("NFKC", text).split()).strip("*")


def _find_header(sheets: Sequence[_Sheet], columns: Sequence[Column]) -> tuple[_Sheet, _Header]:
    """The sheet and row with the best header: one with every required column if there is one, then
    the one matching the most columns (at least two); the first of equals."""
    lookup: dict[str, Column] = {}
    for column in columns:
        for text in (column.name, *column.aliases):
            lookup.setdefault(_header_key(text), column)
    candidates = list(_header_candidates(sheets, lookup))
    if not candidates:
        raise SpreadsheetError("empty")
    least = min(2, len(columns))
    headers = [(sheet, header) for sheet, header in candidates if len(header.fields) >= least]
    required = [column.name for column in columns if column.required]
    if not headers:
        expected = required or [column.name for column in columns]
        raise SpreadsheetError("no_header", columns="、".join(expected))
    sheet, header = max(headers, key=lambda candidate: candidate[1].rank(set(required)))
    found = {field.name for field in header.fields}
    missing = [name for name in required if name not in found]
    if missing:
        raise SpreadsheetError("missing_columns", columns="、".join(missing))
    return sheet, header


def _header_candidates(
    sheets: Sequence[_Sheet], lookup: dict[str, Column]
) -> Iterator[tuple[_Sheet, _Header]]:
    """Every non-blank row of the search window of every sheet, matched against the known headers."""
    for sheet in sheets:
        for index, cells in enumerate(islice(sheet.rows(), HEADER_SEARCH_ROWS)):
            if not _is_blank(cells):
                yield sheet, _match_header(index, cells, lookup)


def _match_header(index: int, cells: Sequence[object], lookup: dict[str, Column]) -> _Header:
    fields: dict[str, _Field] = {}
    ignored = []
    for position, cell in enumerate(cells):
        text = cell.strip() if isinstance(cell, str) else _plain_text(cell)
        if not text:
            continue
        column = lookup.get(_header_key(text))
        if column is None or column.name in fields:
            ignored.append(text)
        else:
            fields[column.name] = _Field(position, column.name, _CONVERTERS[column.kind])
    return _Header(index, tuple(fields.values()), tuple(ignored))


# Reading: rows and cells


class _Unreadable(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _read_rows(sheet: _Sheet, header: _Header, max_rows: int) -> tuple[Row, ...]:
    rows: list[Row] = []
    first = header.index + 1
    plan = tuple((field.position, field.name, field.convert) for field in header.fields)
    width = max(field.position for field in header.fields) + 1
    for index, cells in enumerate(islice(sheet.rows(), first, None), start=first):
        if _is_blank(cells):
            continue
        if len(rows) == max_rows:
            raise SpreadsheetError("too_many_rows", max_rows=str(max_rows))
        if len(cells) < width:
            cells = [*cells, *([""] * (width - len(cells)))]
        rows.append(_read_row(index + 1, cells, plan))
    return tuple(rows)


def _title_rows(sheet: _Sheet, header: _Header) -> tuple[str, ...]:
    """The rows above the header as text (a merged title is in its first cell, the others empty)."""
    lines = []
    for cells in islice(sheet.rows(), header.index):
        texts = [text for cell in cells if (text := _text(cell).strip())]
        if texts:
            lines.append(" ".join(texts))
    return tuple(lines)


def _is_blank(cells: Sequence[object]) -> bool:
    return all(isinstance(cell, str) and not cell.strip() for cell in cells)


def _read_row(number: int, cells: Sequence[object], plan: Sequence[tuple[int, str, Callable]]) -> Row:
    """One row's cells converted; `plan` holds each field's (position, name, converter) and the
    cells reach the last position."""
    values: dict[str, object] = {}
    errors = []
    for position, name, convert in plan:
        raw = cells[position]
        if raw.__class__ is str:
            raw = raw.strip()
            if not raw:
                values[name] = None
                continue
        try:
            values[name] = convert(raw)
        except _Unreadable as problem:
            values[name] = None
            params = {"row": str(number), "column": name, "value": _plain_text(raw)}
            errors.append(CellError(name, problem.code, params))
    return Row(number, values, tuple(errors))


def _text(raw: object) -> str:
    return raw if isinstance(raw, str) else _plain_text(raw)


def _identifier(raw: object) -> str | None:
    if not isinstance(raw, str):
        # Excel keeps about 15 significant digits and no leading zeros: the id is already lost.
        raise _Unreadable("id_stored_as_number")
    text = normalize_id(raw).removeprefix("'")
    if "E+" in text and _SCIENTIFIC_RE.fullmatch(text):
        # A CSV that Excel saved again holds the number as Excel showed it, e.g. "2.4312E+19".
        raise _Unreadable("id_stored_as_number")
    return text or None


def _date(raw: object) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        return _date_from_text(raw)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _date_from_number(float(raw))
    raise _Unreadable("bad_date")


def _date_from_number(number: float) -> date:
    if number.is_integer() and 19000101 <= number <= 99991231:
        # 20240514 typed as a number is the compact form: serials stop at 2958465.
        return _date_from_text(str(int(number)))
    if 1 <= number <= LAST_EXCEL_SERIAL:
        return EXCEL_EPOCH + timedelta(days=int(number))
    raise _Unreadable("bad_date")


@lru_cache(maxsize=4096)  # an export repeats its dates (and often its times) row after row
def _date_from_text(raw: str) -> date:
    text = unicodedata.normalize("NFKC", raw).removeprefix("'")
    if len(text) == 8 and text.isascii() and text.isdigit():
        parts = (text[:4], text[4:6], text[6:])
    elif len(text) == 5 and text.isascii() and text.isdigit():
        # An Excel serial pasted into a text cell (1927-05-18 to 2173-10-14): a date, as a number would be.
        return EXCEL_EPOCH + timedelta(days=int(text))
    elif match := _DATE_RE.fullmatch(text):
        parts = match.groups()
    else:
        raise _Unreadable("bad_date")
    try:
        return date(*map(int, parts))
    except ValueError:
        raise _Unreadable("bad_date") from None


def _amount(raw: object) -> Decimal:
    number = _decimal(raw, "bad_amount")
    try:
        cents = number.quantize(CENT)
    except InvalidOperation:
        raise _Unreadable("bad_amount") from None
    if cents != number:
        raise _Unreadable("bad_amount")  # a fraction of a fen: not an amount of money
    return cents


def _number(raw: object) -> Decimal | str:
    if not isinstance(raw, str):
        return _decimal(raw, "bad_number")
    text = _numeric_text(raw)
    if text in NUMBER_WORDS:
        return text
    if text.endswith("%"):
        return _decimal_from_text(text[:-1], "bad_number").scaleb(-2)
    return _decimal_from_text(text, "bad_number")


def _decimal(raw: object, code: str) -> Decimal:
    if isinstance(raw, float):
        return _excel_decimal(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return Decimal(raw)
    if isinstance(raw, str):
        return _decimal_from_text(_numeric_text(raw), code)
    raise _Unreadable(code)


def _numeric_text(raw: str) -> str:
    """Half-width (full-width digits, "，", "－" and "￥" become ASCII), without spaces, the text
    marker, the yuan sign or a trailing 元 (a hand-kept ledger writes "1,234.50元")."""
    text = "".join(unicodedata.normalize("NFKC", raw).split()).removeprefix("'").replace("¥", "")
    return text.removesuffix("元")


def _decimal_from_text(text: str, code: str) -> Decimal:
    if not _NUMBER_RE.fullmatch(text):
        raise _Unreadable(code)
    return Decimal(text.replace(",", ""))


def _excel_decimal(value: float) -> Decimal:
    """The float as Excel shows it, to 15 significant digits; never Decimal(float), whose binary
    expansion turns 0.1 into 0.1000000000000000055..."""
    return Decimal(format(value, ".15g"))


def _plain_text(value: object) -> str:
    """A cell value as text: numbers without exponent or trailing ".0", dates in ISO form."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        value = _excel_decimal(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


_CONVERTERS: dict[CellKind, Callable[[object], object]] = {
    CellKind.TEXT: _text,
    CellKind.ID: _identifier,
    CellKind.DATE: _date,
    CellKind.AMOUNT: _amount,
    CellKind.NUMBER: _number,
}


# Writing

_NUMBER = (Decimal, int, float)
_TYPED_VALUES: dict[CellKind, tuple[type, ...]] = {
    CellKind.TEXT: (),
    CellKind.ID: (),
    CellKind.DATE: (date,),
    CellKind.AMOUNT: _NUMBER,
    CellKind.NUMBER: _NUMBER,
}
_NUMBER_FORMATS = {CellKind.DATE: "yyyy-mm-dd", CellKind.AMOUNT: "#,##0.00"}
_COLUMN_WIDTHS = {
    CellKind.TEXT: 20,
    CellKind.ID: 24,  # 20 digits and a margin
    CellKind.DATE: 12,
    CellKind.AMOUNT: 16,
    CellKind.NUMBER: 12,
}


class _XlsxColumn:
    """Makes the cells of one column. A value of the column's type becomes a typed cell, anything else
    a text cell. openpyxl writes a row out as soon as it is appended, so
    one styled cell per column is refilled for every row: a new styled cell for each value costs a
    sixth more time on 50,000 rows."""

    def __init__(self, worksheet, kind: CellKind) -> None:
        self.typed_values = _TYPED_VALUES[kind]
        self.text_cell = _styled_cell(worksheet, "@")
        number_format = _NUMBER_FORMATS.get(kind)
        self.typed_cell = _styled_cell(worksheet, number_format) if number_format else None

    def cell(self, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, self.typed_values):
            self.text_cell.value = _cell_text(value)
            return self.text_cell
        if self.typed_cell is None:
            return value  # the General format needs no styled cell
        self.typed_cell.value = value
        return self.typed_cell


def _styled_cell(worksheet, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(worksheet)
    cell.number_format = number_format
    return cell


def _header_cell(worksheet, column: Column) -> WriteOnlyCell:
    cell = WriteOnlyCell(worksheet, value=column.name)
    cell.font = Font(bold=True)
    return cell


def _column_width(column: Column) -> int:
    header = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in column.name)
    return max(_COLUMN_WIDTHS[column.kind], header + 4)


def _csv_text(kind: CellKind, value: object) -> str:
    if value is None:
        return ""
    if kind is CellKind.AMOUNT and isinstance(value, _NUMBER):
        return _amount_text(value)
    return _cell_text(value)


def _cell_text(value: object) -> str:
    """A str without control characters (text copied from a PDF can carry them), then neutralised;
    anything else as plain text."""
    return neutralise(_CONTROL_CHARS.sub("", value)) if isinstance(value, str) else _plain_text(value)


def _amount_text(value: Decimal | int | float) -> str:
    """Two decimal places, unless that would round the value away."""
    number = _excel_decimal(value) if isinstance(value, float) else Decimal(value)
    cents = number.quantize(CENT)
    return format(cents if cents == number else number, "f")

"""The rows a ledger import refused, as the file held them, in an XLSX to fix and import again:
the uploaded file's header and cells, and a 原因 column saying why each row did not go in."""

from collections.abc import Sequence

from invoices.import_report import RowOutcome
from invoices.ledger_file import COLUMNS
from invoices.spreadsheets import CellKind, Column, neutralise, raw_rows, write_xlsx

REASON_HEADER = "原因"


def _header_text(cell: object, position: int) -> str:
    text = "" if cell is None else str(cell).strip()
    return neutralise(text) if text else f"列{position + 1}"


def _padded(cells: Sequence[object], width: int) -> list[object]:
    values = [None if isinstance(cell, str) and not cell.strip() else cell for cell in cells[:width]]
    return values + [None] * (width - len(values))


def refused_rows_xlsx(data: bytes, refused: Sequence[RowOutcome]) -> bytes:
    """Each refused row's cells under the file's own header, then its reasons. Numbers stay numbers;
    text (an id, an amount typed as text) stays text, neutralised so that no cell is a formula."""
    header, rows = raw_rows(data, COLUMNS, [outcome.row for outcome in refused])
    width = max([len(header), *(len(cells) for cells in rows.values())])
    while width and all(_blank(cells, width - 1) for cells in (header, *rows.values())):
        width -= 1
    # NUMBER: a number written as a number, anything else as text, just as the file had it.
    columns = [
        Column(_header_text(cell, position), CellKind.NUMBER)
        for position, cell in enumerate(_padded(header, width))
    ]
    columns.append(Column(REASON_HEADER, CellKind.TEXT))
    lines = ([*_padded(rows.get(outcome.row, []), width), "；".join(outcome.messages)] for outcome in refused)
    return write_xlsx(columns, lines, sheet="未导入的行")


def _blank(cells: Sequence[object], position: int) -> bool:
    cell = cells[position] if position < len(cells) else None
    return cell is None or (isinstance(cell, str) and not cell.strip())

"""What the spreadsheet readers found, in words a clerk understands (translated by code)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from invoices.spreadsheets import SpreadsheetError

FILE_MESSAGES = {
    "unknown_format": _("This is not a spreadsheet Fapiao Desk can read: use XLSX, XLS or CSV."),
    "empty": _("The file is empty."),
    "encoding": _("The CSV file is neither UTF-8 nor GBK text."),
    "corrupt": _("The spreadsheet is damaged and cannot be opened."),
    "no_header": _("No header row with the expected column names was found in the first rows."),
    "missing_columns": _("The file lacks the required columns: %(columns)s."),
    "too_many_rows": _("The file has more than %(max_rows)s rows; split it into smaller files."),
    "sheet_too_large": _(
        "A sheet reaches row %(rows)s and column %(columns)s, too large to read: delete the cells far from "
        "the table and save again."
    ),
}
CELL_MESSAGES = {
    "id_stored_as_number": _(
        "Column %(column)s holds a number, not text: its digits (leading zeros, or the end of a 20-digit "
        "number) are already lost. Format the column as text in the source and export again."
    ),
    "bad_date": _("Column %(column)s: not a date."),
    "bad_amount": _("Column %(column)s: not an amount with at most two decimal places."),
    "bad_number": _("Column %(column)s: not a number."),
    "unknown_kind": _("Column %(column)s: unknown invoice kind %(text)s."),
    "unknown_direction": _("Column %(column)s: %(text)s is neither 进项 nor 销项."),
    "unknown_status": _("Column %(column)s: unknown status %(text)s."),
    "no_number": _("The row has neither an invoice number nor a 数电 number."),
    "missing_value": _("Column %(column)s is empty."),
}


def spreadsheet_error(error: SpreadsheetError) -> ValidationError:
    message = FILE_MESSAGES.get(error.code, _("The spreadsheet cannot be read."))
    return ValidationError(message, code=error.code, params=dict(error.params))


def problem_message(problem) -> str:
    """One cell's or row's problem (`code`, `column`, `params`) as a sentence."""
    message = CELL_MESSAGES.get(problem.code, _("Column %(column)s cannot be read."))
    return str(message % {"column": problem.column, "text": "", **problem.params})

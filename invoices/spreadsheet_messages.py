"""What the spreadsheet readers found, in words a clerk understands (translated by code)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from invoices.spreadsheets import SpreadsheetError

FILE_MESSAGES = {
    "unknown_format": _("This is not a spreadsheet Fapiao Desk can read: use XLSX, XLS or CSV."),
    "empty": _("The file is empty."),
    "encoding": _("The CSV file is neither UTF-8 nor GBK text."),
    "corrupt": _("The spreadsheet is damaged and cannot be opened."),
    "unsafe_file": _("The file could not be read safely."),
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
    "no_date": _("The row has no issue date."),
    "no_amount": _("The row has no amount."),
    "amounts_incomplete": _("Two of 金额, 税额 and 价税合计 are needed to know the third; the row has one."),
    "no_code": _(
        "The number has no 发票代码 and is not a 20-digit 数电 number: a legacy invoice is known by its "
        "code and number together."
    ),
    "kind_not_read": _(
        "Column %(column)s: %(text)s is not an invoice kind; the kind was taken from the 发票代码 or the "
        "number."
    ),
    "direction_not_read": _(
        "Column %(column)s: %(text)s is neither 进项 nor 销项; the direction chosen for the file was used."
    ),
    "status_not_read": _("Column %(column)s: %(text)s is not a status; the invoice was taken as normal."),
}
# The ledger's column of each field of an invoice, to name it in a row's reasons.
FIELD_COLUMNS = {
    "direction": "方向",
    "kind": "发票票种",
    "code": "发票代码",
    "number": "发票号码",
    "digital_number": "数电发票号码",
    "issue_date": "开票日期",
    "seller_name": "销方名称",
    "seller_tin": "销方识别号",
    "buyer_name": "购买方名称",
    "buyer_tin": "购方识别号",
    "amount": "金额",
    "tax": "税额",
    "total": "价税合计",
    "check_code": "校验码",
    "drawer": "开票人",
    "blue_identity": "蓝字发票号码",
}


def spreadsheet_error(error: SpreadsheetError) -> ValidationError:
    message = FILE_MESSAGES.get(error.code, _("The spreadsheet cannot be read."))
    return ValidationError(message, code=error.code, params=dict(error.params))


def problem_message(problem) -> str:
    """One cell's or row's problem (`code`, `column`, `params`) as a sentence."""
    message = CELL_MESSAGES.get(problem.code, _("Column %(column)s cannot be read."))
    return str(message % {"column": problem.column, "text": "", **problem.params})


def field_column(name: str) -> str:
    """The column a field of an invoice is read from, as the spreadsheet names it."""
    return FIELD_COLUMNS.get(name, name)

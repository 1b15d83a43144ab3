"""The reconciliation in words: categories, flags and why an export was refused (translated)."""

from datetime import date
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoices.spreadsheet_messages import problem_message
from invoices.validation import EARLIEST_ISSUE_DATE

CATEGORY_LABELS = {
    "matched": _("Matched"),
    "status_changed": _("Voided or red-flushed at the bureau"),
    "mismatch": _("Fields differ"),
    "number_typo": _("Invoice number typo"),
    "tin_error": _("Taxpayer ID wrong"),
    "suspected": _("Probably the same invoice"),
    "missing_in_bureau": _("Missing from the bureau's data"),
    "pending_sync": _("Not yet in the bureau's data"),
    "missing_in_ledger": _("Missing from the ledger"),
    "duplicate_in_ledger": _("Twice in the ledger"),
    "duplicate_in_bureau": _("Twice in the bureau's data"),
    "ambiguous": _("Several possible matches"),
}
CATEGORY_HELP = {
    "missing_in_bureau": _(
        "The bureau does not have these invoices although they are older than the sync lag. Ask the "
        "seller to check the upload and the buyer's taxpayer ID before the filing deadline."
    ),
    "tin_error": _(
        "The invoice carries a taxpayer ID one typo away; the bureau files it under the other ID."
    ),
    "status_changed": _(
        "The seller voided or red-flushed the invoice: its input VAT can no longer be deducted."
    ),
    "number_typo": _("The ledger's number is one keystroke away from the bureau's."),
    "mismatch": _("Same invoice, different values: each case says which differ and by how much."),
    "suspected": _("Same supplier, month and amount, but different numbers: check and link by hand."),
}
FLAG_LABELS = {
    "voided": _("voided"),
    "red_flushed": _("red-flushed"),
    "amount": _("amount"),
    "tax": _("tax"),
    "total": _("total"),
    "date": _("date"),
    "decimal_shift": _("decimal point shifted"),
    "rounding": _("rounding"),
    "rate": _("tax rate"),
    "cross_period": _("other tax period"),
    "seller_tin": _("seller TIN"),
    "buyer_tin": _("buyer TIN"),
    "net_differs": _("net after red invoices differs"),
    "number": _("invoice number"),
    "code": _("invoice code"),
    "suspected_pair": _("to be checked"),
    "not_issued_to_company": _("not issued to this company"),
}
ACTION_LABELS = {
    "accept_bureau": _("Take the bureau's values into the ledger"),
    "add_to_ledger": _("Add the bureau's invoice to the ledger"),
    "link": _("Link with the record chosen"),
    "resolve": _("Resolve (explained)"),
    "ignore": _("Ignore"),
    "reopen": _("Reopen"),
}
IMPORT_ERRORS = {
    "nothing_read": _("None of the %(count)s rows could be read. The first, row %(row)s: %(problem)s"),
    "crashed": _(
        "The file could not be read safely: reading it stopped twice before it finished (the process "
        "reading it died). The original is kept; check the export, or tell your admin."
    ),
    "interrupted": _(
        "Reading the export was interrupted twice (the server stopped or ran out of memory). Upload it "
        "again; if it happens again, tell your admin."
    ),
    "missing_columns": _("The export lacks the required columns: %(columns)s."),
    "empty": _("The export holds no invoices."),
    "unknown_format": _(
        "This is not an export Fapiao Desk reads: use the XLSX, XLS or CSV file of 全量发票查询 "
        "or the 勾选 list."
    ),
    "corrupt": _("The file is damaged and cannot be opened."),
    "unsafe_file": _("The file could not be read safely."),
    "encoding": _("The CSV file is neither UTF-8 nor GBK text."),
    "no_header": _("No header row with the bureau's column names was found."),
    "too_many_rows": _("The export has more than %(max_rows)s rows; export a shorter period."),
    "sheet_too_large": _(
        "A sheet reaches row %(rows)s and column %(columns)s, too large to read: delete the cells far from "
        "the table and save again."
    ),
    "other_taxpayer": _(
        "This is the export of another taxpayer (%(tin)s), not of this company (%(expected)s). Export it "
        "again while logged in as this company."
    ),
    "wrong_direction": _(
        "The export is of the other direction: this company is on the other side of its invoices."
    ),
}


def import_error(code: str, params: dict) -> str:
    message = IMPORT_ERRORS.get(code, _("The export cannot be read."))
    if code == "nothing_read":
        problem = SimpleNamespace(
            column=params.get("column", ""), code=params.get("problem_code", ""), params={}
        )
        params = {**params, "problem": problem_message(problem)}
    return str(message % params) if params and "%(" in str(message) else str(message)


def problem_lines(problems: list[dict]) -> list[dict]:
    """An import's rows not read, each with its row number and the reason in words."""
    return [
        {"row": problem["row"], "message": problem_message(SimpleNamespace(**problem))}
        for problem in problems
    ]


def as_of_problem(day: date) -> str | None:
    """Why an export cannot be "as of" this day, or None: the bureau's data is from the fapiao era
    and cannot be newer than today; a day outside would make every "days missing" wrong."""
    if EARLIEST_ISSUE_DATE <= day <= timezone.localdate():
        return None
    return _("Enter a moment from %(earliest)s to today.") % {"earliest": EARLIEST_ISSUE_DATE}


# The shape of an export the importer recognised (reconcile/importers.py `_layout`).
LAYOUT_LABELS = {
    "basic": _("Invoices, one row each (发票基础信息)"),
    "lines": _("Line items, one row each (含明细)"),
    "tick": _("Deduction ticking (勾选)"),
}

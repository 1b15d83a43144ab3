"""The ledger (a filtered list or a selection) written as the spreadsheet the importer reads."""

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import translation

from invoices.findings import readable
from invoices.ledger_file import DIRECTION_TEXT, EXPORT_COLUMNS, STATUS_TEXT, kind_text
from invoices.models import Deduction, Invoice
from invoices.spreadsheets import write_csv, write_xlsx

FORMATS = {"xlsx": write_xlsx, "csv": write_csv}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _rows(queryset: QuerySet[Invoice]) -> Iterator[list]:
    with translation.override("zh-hans"):
        deduction_text = {value: str(label) for value, label in Deduction.choices}
        for position, invoice in enumerate(queryset.order_by("issue_date", "id").iterator(2000), start=1):
            digital = invoice.digital_number or (invoice.number if not invoice.code else "")
            yield [
                str(position),
                DIRECTION_TEXT[invoice.direction],
                invoice.code,
                "" if digital == invoice.number else invoice.number,
                digital,
                invoice.seller_tin,
                invoice.seller_name,
                invoice.buyer_tin,
                invoice.buyer_name,
                invoice.issue_date,
                invoice.amount,
                invoice.tax,
                invoice.total,
                kind_text(invoice.kind),
                STATUS_TEXT[invoice.status],
                "否" if invoice.is_red else "是",
                invoice.drawer,
                invoice.check_code,
                invoice.remarks,
                invoice.blue_identity,
                deduction_text[invoice.deduction],
                "；".join(item["message"] for item in readable(invoice.findings, "zh-hans")),
            ]


def export_ledger(queryset: QuerySet[Invoice], file_format: str) -> bytes:
    return FORMATS[file_format](EXPORT_COLUMNS, _rows(queryset))

"""`manage.py extract`: what the extractors read of a file, as JSON, writing nothing anywhere."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from ingest import archives, sniff
from ingest.extract.base import KEY_FIELDS, ExtractError
from ingest.extract.engines import get_engine
from ingest.extract.merge import merge
from ingest.extract.registry import read_invoices
from ingest.pipeline import draft_values
from invoices import validation
from invoices.drafts import clean_draft
from invoices.findings import findings_for

# Without a company there is no "our" taxpayer ID to check the invoice against.
COMPANY_CODES = {"buyer_not_company", "seller_not_company"}


def _report(name: str, data: bytes) -> list[dict]:
    media = sniff.sniff(data)
    if media == sniff.ZIP:
        return [
            report
            for member in archives.unpack(data)
            for report in _report(f"{name}/{member.name}", member.data)
        ]
    ocr = None if settings.OCR_ENGINE == "off" else (lambda: get_engine(settings.OCR_ENGINE))
    reports = []
    for invoice in read_invoices(data, media, ocr=ocr):
        merged = merge(invoice)
        reports.append(
            {
                "file": name,
                "status": "ok",
                "error": None,
                "fields": {
                    field: merged.fields[field].value if field in merged.fields else None
                    for field in KEY_FIELDS
                },
                "sources": {
                    field: reading.source for field, reading in merged.fields.items() if field in KEY_FIELDS
                },
                "findings": _finding_codes(merged),
                # What no check confirmed, and why (ingest/doubts.py words each code for the review card).
                "doubts": {
                    field: reading.doubt.code for field, reading in merged.fields.items() if reading.doubt
                },
            }
        )
    return reports


def _finding_codes(merged) -> list[str]:
    values, lines = draft_values(merged, company_tin="")
    try:
        draft = clean_draft(values, lines)
    except ValidationError as error:
        return sorted(f"unreadable_{name}" for name in error.message_dict)
    context = validation.Context(company_tin="", company_name="", today=timezone.localdate())
    return [
        f.code
        for f in findings_for(draft, context=context, has_blue_original=False)
        if f.code not in COMPANY_CODES
    ]


def _failed(path: Path, error: str) -> list[dict]:
    return [
        {
            "file": str(path),
            "status": "failed",
            "error": error,
            "fields": None,
            "sources": {},
            "findings": [],
            "doubts": {},
        }
    ]


def extraction_report(path: Path) -> list[dict]:
    """One report per invoice found in the file (a failed file gets one report saying why)."""
    try:
        return _report(str(path), path.read_bytes())
    except ExtractError as error:
        return _failed(path, error.code)
    except OSError as error:
        return _failed(path, error.strerror or "unreadable")

"""The review card: the extracted fields in the ledger's invoice form, each marked with the source
that read it and how sure it was, beside a picture of the original."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ingest import sniff
from ingest.doubts import doubt_text
from ingest.models import IngestJob
from invoices.drafts import LINE_FIELDS
from invoices.forms import InvoiceForm, LineFormSet

UNSURE_BELOW = 0.9
SOURCE_LABELS = {
    "xml": _("数电 XML"),
    "ofd": _("OFD"),
    "pdf_text": _("PDF text"),
    "qr": _("QR code"),
    "ocr": _("OCR"),
}


def _initial(job: IngestJob) -> tuple[dict, list[dict]]:
    fields = {name: reading["value"] for name, reading in job.extraction.get("fields", {}).items()}
    company = job.company
    fields.setdefault("buyer_name", company.name if fields.get("seller_tin") != company.tin else "")
    fields["direction"] = "sales" if fields.get("seller_tin") == company.tin else "purchase"
    lines = [{name: line.get(name, "") for name in LINE_FIELDS} for line in job.extraction.get("lines", [])]
    return fields, lines


def review_forms(request, job: IngestJob) -> tuple[InvoiceForm, LineFormSet]:
    if request.method == "POST":
        return InvoiceForm(request.POST), LineFormSet(request.POST, prefix="lines")
    fields, lines = _initial(job)
    return InvoiceForm(initial=fields), LineFormSet(prefix="lines", initial=lines)


def _annotations(job: IngestJob) -> dict[str, dict]:
    readings = job.extraction.get("fields", {})
    problems = job.extraction.get("problems", {})
    conflicts = {}
    for conflict in job.extraction.get("conflicts", []):
        other = conflict["other"]
        conflicts.setdefault(conflict["name"], []).append(
            {"source": SOURCE_LABELS.get(other["source"], other["source"]), "value": other["value"]}
        )
    notes = {}
    for name, reading in readings.items():
        notes[name] = {
            "source": SOURCE_LABELS.get(reading["source"], reading["source"]),
            "confidence": round(reading["confidence"] * 100),
            "unsure": reading["confidence"] < UNSURE_BELOW
            or name in conflicts
            or name in problems
            or "doubt" in reading,
            "others": conflicts.get(name, []),
            "doubt": doubt_text(reading.get("doubt")),
        }
    return notes


def review_context(job: IngestJob, form: InvoiceForm, lines) -> dict:
    notes = _annotations(job)
    stored = job.stored_file
    pictured = stored.media == sniff.PDF or stored.media in sniff.IMAGES
    pages = job.extraction.get("pages") or [0]
    return {
        "job": job,
        "form": form,
        "lines": lines,
        "annotated": [
            (field, notes.get(field.name)) for field in form if field.name not in ("remarks", "reason")
        ],
        "missing": [
            field.label for field in form if field.name in job.reason_params.get("fields", "").split("、")
        ],
        "pictures": [reverse("stored_file_page", args=[stored.pk, page]) for page in pages]
        if pictured
        else [],
        "original_url": reverse("stored_file", args=[stored.pk]),
    }

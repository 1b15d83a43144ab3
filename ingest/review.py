"""The review card: the extracted fields in the ledger's invoice form, each marked with the source
that read it and how sure it was, beside a picture of the original. A card of an invoice the
company neither sold nor bought says so, and offers the user's company it belongs to."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ingest import sniff
from ingest.doubts import doubt_text
from ingest.models import IngestJob
from ingest.parties import other_party
from ingest.services import move_targets
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


class ReviewForm(InvoiceForm):
    other_buyer = forms.BooleanField(
        label=_("File it in this company's ledger anyway (say why in the reason)"), required=False
    )


OWN_PLACE = ("remarks", "reason", "other_buyer")  # shown apart from the grid of extracted fields


def extracted_values(job: IngestJob) -> tuple[dict, list[dict]]:
    """The job's reading as the invoice form takes it: the card's starting values."""
    fields = job.values_read
    company = job.company
    fields.setdefault("buyer_name", company.name if fields.get("seller_tin") != company.tin else "")
    fields["direction"] = "sales" if fields.get("seller_tin") == company.tin else "purchase"
    lines = [{name: line.get(name, "") for name in LINE_FIELDS} for line in job.extraction.get("lines", [])]
    return fields, lines


def review_forms(request, job: IngestJob) -> tuple[ReviewForm, LineFormSet]:
    if request.method == "POST":
        return ReviewForm(request.POST), LineFormSet(request.POST, prefix="lines")
    fields, lines = extracted_values(job)
    return ReviewForm(initial=fields), LineFormSet(prefix="lines", initial=lines)


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


def review_context(job: IngestJob, form: ReviewForm, lines, *, user) -> dict:
    notes = _annotations(job)
    stored = job.stored_file
    pictured = stored.media == sniff.PDF or stored.media in sniff.IMAGES
    pages = job.extraction.get("pages") or [0]
    return {
        "job": job,
        "form": form,
        "lines": lines,
        "annotated": [(field, notes.get(field.name)) for field in form if field.name not in OWN_PLACE],
        "other_party": other_party(job.company.tin, job.values_read),
        "move_targets": move_targets(user=user, job=job),
        "missing": [
            field.label for field in form if field.name in job.reason_params.get("fields", "").split("、")
        ],
        "pictures": [reverse("stored_file_page", args=[stored.pk, page]) for page in pages]
        if pictured
        else [],
        "original_url": reverse("stored_file", args=[stored.pk]),
    }

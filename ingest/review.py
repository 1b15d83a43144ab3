"""The review card: the extracted fields in the ledger's invoice form, each marked with the source
that read it and how sure it was, beside a picture of the original. A card of an invoice the
company neither sold nor bought says so, and offers the user's company it belongs to."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ingest.cards import UNSURE_BELOW, extracted_values, missing_fields
from ingest.doubts import doubt_text
from ingest.models import IngestJob
from ingest.parties import other_party
from ingest.selectors import review_queue
from ingest.services import move_targets
from ingest.viewing import viewer_context
from invoices.forms import InvoiceForm, LineFormSet

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
    pages = job.extraction.get("pages") or [0]
    queue = list(review_queue(company=job.company).values_list("pk", flat=True))
    position = queue.index(job.pk) if job.pk in queue else None
    return {
        "job": job,
        "form": form,
        "lines": lines,
        "annotated": [(field, notes.get(field.name)) for field in form if field.name not in OWN_PLACE],
        "other_party": other_party(job.company.tin, job.values_read),
        "move_targets": move_targets(user=user, job=job),
        "missing": [field.label for field in form if field.name in missing_fields(job)],
        "viewer": viewer_context(
            stored, first_page=pages[0], values=job.values_read, lines=job.extraction.get("lines", [])
        ),
        "original_url": reverse("stored_file", args=[stored.pk]),
        "queue_position": None if position is None else position + 1,
        "queue_length": len(queue),
        "next_job": queue[position + 1] if position is not None and position + 1 < len(queue) else None,
        "previous_job": queue[position - 1] if position else None,
    }

"""A review card: the values it starts from, and what it asks a person to check, in the words of
the invoice form: the key fields that could not be read, and those read with too little certainty,
in conflict between two sources, failing a rule or carrying a doubt. A card whose only doubt is
certainty can be confirmed in bulk."""

from ingest.models import IngestJob
from ingest.parties import other_party
from invoices.drafts import LINE_FIELDS

UNSURE_BELOW = 0.9


def field_label(name: str) -> str:
    from invoices.forms import InvoiceForm

    field = InvoiceForm.base_fields.get(name)
    return str(field.label) if field is not None else name


def missing_fields(job: IngestJob) -> list[str]:
    return [name for name in job.reason_params.get("fields", "").split("、") if name]


def unsure_fields(job: IngestJob) -> list[str]:
    """Fields read, but not for certain: each with the cause a reviewer looks for."""
    extraction = job.extraction
    conflicted = {conflict["name"] for conflict in extraction.get("conflicts", [])}
    problems = set(extraction.get("problems", {}))
    return [
        name
        for name, reading in extraction.get("fields", {}).items()
        if reading["confidence"] < UNSURE_BELOW or name in conflicted | problems or "doubt" in reading
    ]


def fields_to_check(job: IngestJob) -> list[str]:
    """The labels of the fields to check on this card, missing ones first."""
    names = missing_fields(job) + [name for name in unsure_fields(job) if name not in missing_fields(job)]
    return [field_label(name) for name in names]


def only_certainty_in_doubt(job: IngestJob) -> bool:
    """True when nothing but the certainty of a reading holds the card back: every key field read,
    no conflict, no rule broken, no doubt noted, the company's own invoice. Such a card can be
    confirmed as read, in bulk; the ledger's checks still run on it."""
    extraction = job.extraction
    if job.reason_code != "uncertain" or missing_fields(job):
        return False
    if extraction.get("conflicts") or extraction.get("problems"):
        return False
    if any("doubt" in reading for reading in extraction.get("fields", {}).values()):
        return False
    return other_party(job.company.tin, job.values_read) is None


def extracted_values(job: IngestJob) -> tuple[dict, list[dict]]:
    """The job's reading as the invoice form takes it: the card's starting values."""
    fields = job.values_read
    company = job.company
    fields.setdefault("buyer_name", company.name if fields.get("seller_tin") != company.tin else "")
    fields["direction"] = "sales" if fields.get("seller_tin") == company.tin else "purchase"
    lines = [{name: line.get(name, "") for name in LINE_FIELDS} for line in job.extraction.get("lines", [])]
    return fields, lines


def summary(job: IngestJob) -> dict:
    """What the review queue shows of a card before it is opened."""
    values = job.values_read
    return {
        "job": job,
        "number": values.get("number", ""),
        "seller_name": values.get("seller_name", ""),
        "total": values.get("total", ""),
        "issue_date": values.get("issue_date", ""),
        "to_check": fields_to_check(job),
        "bulk": only_certainty_in_doubt(job),
    }

"""The fapiao rules (invoices/validation.py) applied to invoices of the ledger: findings are
computed when an invoice is written and stored with it, so lists can filter on them."""

from collections.abc import Iterable
from dataclasses import fields

from django.utils import timezone, translation

from accounts.models import Company
from invoices import validation
from invoices.drafts import InvoiceDraft


def context_for(company: Company, near_duplicates: Iterable[str] = ()) -> validation.Context:
    return validation.Context(
        company_tin=company.tin,
        company_name=company.name,
        today=timezone.localdate(),
        near_duplicates=tuple(near_duplicates),
    )


def invoice_data(draft: InvoiceDraft, *, has_blue_original: bool) -> validation.InvoiceData:
    """What the rules look at of a draft: the same fields by the same names (its lines already are
    validation.LineData)."""
    shared = {field.name for field in fields(validation.InvoiceData)} - {"has_blue_original"}
    return validation.InvoiceData(
        **{name: getattr(draft, name) for name in shared}, has_blue_original=has_blue_original
    )


def findings_for(
    draft: InvoiceDraft, *, context: validation.Context, has_blue_original: bool
) -> list[validation.Finding]:
    return validation.validate(invoice_data(draft, has_blue_original=has_blue_original), context)


def stored(findings: list[validation.Finding]) -> dict:
    """The model fields that keep the findings."""
    return {
        "findings": [
            {"code": f.code, "severity": f.severity.value, "field": f.field, "params": f.params}
            for f in findings
        ],
        "error_count": sum(f.severity is validation.Severity.ERROR for f in findings),
        "warning_count": sum(f.severity is validation.Severity.WARNING for f in findings),
    }


def readable(stored_findings: list[dict], language: str | None = None) -> list[dict]:
    """Stored findings with their message in the reader's language (the active one by default)."""
    language = language or translation.get_language() or "zh-hans"
    return [
        {
            **item,
            "message": validation.Finding(
                code=item["code"],
                severity=validation.Severity(item["severity"]),
                field=item["field"],
                params=item["params"],
            ).message(language),
        }
        for item in stored_findings
    ]

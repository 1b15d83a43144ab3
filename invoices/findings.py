"""The fapiao rules (invoices/validation.py) applied to invoices of the ledger: findings are
computed when an invoice is written and stored with it, so lists can filter on them."""

from collections.abc import Iterable

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
    return validation.InvoiceData(
        direction=draft.direction,
        kind=draft.kind,
        code=draft.code,
        number=draft.number,
        digital_number=draft.digital_number,
        issue_date=draft.issue_date,
        seller_name=draft.seller_name,
        seller_tin=draft.seller_tin,
        buyer_name=draft.buyer_name,
        buyer_tin=draft.buyer_tin,
        amount=draft.amount,
        tax=draft.tax,
        total=draft.total,
        total_in_words=draft.total_in_words,
        check_code=draft.check_code,
        is_red=draft.is_red,
        has_blue_original=has_blue_original,
        qr_payload=draft.qr_payload,
        lines=tuple(
            validation.LineData(
                item_name=line.item_name,
                tax_classification_code=line.tax_classification_code,
                spec=line.spec,
                unit=line.unit,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                rate=line.rate,
                tax=line.tax,
            )
            for line in draft.lines
        ),
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

"""Onboarding a ledger from a spreadsheet: our own export, or the bureau's 发票基础信息 export.

Every row either goes in whole or is reported with the reasons it did not; rows go in together,
in one transaction, with their findings and audit events. Built for tens of thousands of rows:
lookups are done once per file, not once per row."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, User
from invoices import selectors
from invoices.audit_trail import Change, append_events
from invoices.drafts import InvoiceDraft, clean_draft
from invoices.fapiao import one_edit_apart
from invoices.ledger_file import COLUMNS, LedgerRow, ledger_row
from invoices.models import Invoice, InvoiceEvent, Source
from invoices.services import (
    adopt_red_invoices,
    creation_changes,
    derived_fields,
    duplicate_error,
    flush_blue_status,
    remember_counterparties,
)
from invoices.spreadsheet_messages import problem_message, spreadsheet_error
from invoices.spreadsheets import SpreadsheetError, read_table

CHUNK = 2000


@dataclass
class RowOutcome:
    row: int
    identity: str
    added: bool
    messages: list[str] = field(default_factory=list)
    invoice_id: int | None = None
    errors: int = 0
    warnings: int = 0


@dataclass
class ImportReport:
    format: str
    sheet: str
    ignored_columns: tuple[str, ...]
    rows: list[RowOutcome]

    @property
    def added(self) -> int:
        return sum(outcome.added for outcome in self.rows)

    @property
    def skipped(self) -> int:
        return len(self.rows) - self.added


@dataclass
class _Candidate:
    outcome: RowOutcome
    draft: InvoiceDraft
    status: str


def import_ledger(
    *, company: Company, by: User | None, data: bytes, direction: str = "auto", file_name: str = ""
) -> ImportReport:
    """Read a ledger spreadsheet and add its invoices. Raises ValidationError when the file as a
    whole cannot be read (wrong format, missing columns); problems of single rows are reported."""
    try:
        table = read_table(data, COLUMNS)
    except SpreadsheetError as error:
        raise spreadsheet_error(error) from None
    candidates, outcomes = _clean_rows(company, table.rows, direction)
    _refuse_duplicates(company, candidates)
    accepted = [candidate for candidate in candidates if not candidate.outcome.messages]
    with transaction.atomic():
        _insert(company, by, accepted, reason=str(_("Imported from %(file)s") % {"file": file_name or "—"}))
    return ImportReport(table.format, table.sheet, table.ignored_columns, outcomes)


def _clean_rows(company, rows, direction) -> tuple[list[_Candidate], list[RowOutcome]]:
    candidates, outcomes = [], []
    for row in rows:
        parsed: LedgerRow = ledger_row(row, direction=direction, company_tin=company.tin)
        outcome = RowOutcome(row=row.number, identity="", added=False)
        outcomes.append(outcome)
        if parsed.problems:
            outcome.messages = [problem_message(problem) for problem in parsed.problems]
            continue
        try:
            draft = clean_draft(parsed.values)
        except ValidationError as error:
            outcome.messages = [
                f"{name}: {message}" for name, messages in error.message_dict.items() for message in messages
            ]
            continue
        outcome.identity = draft.identity
        candidates.append(_Candidate(outcome, draft, parsed.status))
    return candidates, outcomes


def _refuse_duplicates(company: Company, candidates: list[_Candidate]) -> None:
    first_row: dict[str, int] = {}
    for candidate in candidates:
        identity = candidate.draft.identity
        if identity in first_row:
            candidate.outcome.messages.append(
                str(_("The same invoice is on row %(row)d of this file.") % {"row": first_row[identity]})
            )
        else:
            first_row[identity] = candidate.outcome.row
    identities = list(first_row)
    for start in range(0, len(identities), CHUNK):
        existing = selectors.invoice_queryset(company=company).filter(
            identity__in=identities[start : start + CHUNK]
        )
        for invoice in existing.select_related("created_by"):
            for candidate in candidates:
                if candidate.draft.identity == invoice.identity and not candidate.outcome.messages:
                    candidate.outcome.messages.extend(duplicate_error(invoice).messages)


def _near_duplicate_index(company: Company, drafts: list[InvoiceDraft]) -> dict[tuple, list[tuple[str, str]]]:
    """(seller TIN, date, total) -> [(identity, number)] over the ledger and the file together."""
    index: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
    if not drafts:
        return index
    sellers = sorted({draft.seller_tin for draft in drafts})
    dates = [draft.issue_date for draft in drafts]
    for start in range(0, len(sellers), CHUNK):
        existing = (
            selectors.invoice_queryset(company=company)
            .filter(seller_tin__in=sellers[start : start + CHUNK], issue_date__range=(min(dates), max(dates)))
            .values_list("seller_tin", "issue_date", "total", "identity", "number")
        )
        for seller_tin, issue_date, total, identity, number in existing.iterator(CHUNK):
            index[(seller_tin, issue_date, total)].append((identity, number))
    for draft in drafts:
        index[(draft.seller_tin, draft.issue_date, draft.total)].append((draft.identity, draft.number))
    return index


def _near_duplicates(index, draft: InvoiceDraft) -> list[str]:
    return [
        identity
        for identity, number in index[(draft.seller_tin, draft.issue_date, draft.total)]
        if identity != draft.identity and one_edit_apart(draft.number, number)
    ]


def _insert(company: Company, by: User | None, accepted: list[_Candidate], *, reason: str) -> None:
    if not accepted:
        return
    drafts = [candidate.draft for candidate in accepted]
    index = _near_duplicate_index(company, drafts)
    blue_identities = {draft.blue_identity for draft in drafts if draft.is_red and draft.blue_identity}
    blues = {
        invoice.identity: invoice
        for invoice in selectors.invoice_queryset(company=company).filter(identity__in=list(blue_identities))
    }
    in_file = {draft.identity for draft in drafts}
    invoices = []
    for candidate in accepted:
        draft = candidate.draft
        has_blue = draft.is_red and (draft.blue_identity in blues or draft.blue_identity in in_file)
        derived = derived_fields(
            company, draft, has_blue_original=bool(has_blue), near_duplicates=_near_duplicates(index, draft)
        )
        invoices.append(
            Invoice(
                company=company,
                **draft.header(),
                **derived,
                blue_original=blues.get(draft.blue_identity) if draft.is_red else None,
                status=candidate.status,
                source=Source.IMPORT,
                created_by=by,
                updated_by=by,
            )
        )
    Invoice.objects.bulk_create(invoices, batch_size=CHUNK)
    remember_counterparties(company, invoices)
    by_identity = {invoice.identity: invoice for invoice in invoices}
    linked = []
    for invoice in invoices:
        if invoice.is_red and invoice.blue_original_id is None and invoice.blue_identity in by_identity:
            invoice.blue_original = by_identity[invoice.blue_identity]
            linked.append(invoice)
    Invoice.objects.bulk_update(linked, ["blue_original"], batch_size=CHUNK)
    entries = [
        Change(
            invoice, InvoiceEvent.Action.CREATE, creation_changes(candidate.draft, candidate.status), reason
        )
        for invoice, candidate in zip(invoices, accepted, strict=True)
    ]
    entries += adopt_red_invoices(company, invoices)
    for blue in {invoice.blue_original for invoice in invoices if invoice.blue_original is not None}:
        entries += flush_blue_status(blue)
    append_events(company=company, user=by, entries=entries)
    for invoice, candidate in zip(invoices, accepted, strict=True):
        candidate.outcome.added = True
        candidate.outcome.invoice_id = invoice.pk
        candidate.outcome.errors = invoice.error_count
        candidate.outcome.warnings = invoice.warning_count

"""Onboarding a ledger from a spreadsheet: our own export, the bureau's 发票基础信息 export, or a
ledger a clerk keeps by hand (invoices/ledger_file.py reads its rows).

Every row either goes in whole or is reported with the reasons it did not; rows go in together,
in one transaction, with their findings and audit events, and the refused rows are kept as an XLSX
to fix and import again. Built for tens of thousands of rows: lookups are done once per file, not
once per row."""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, User
from config import database
from invoices import selectors
from invoices.audit_trail import Change, append_events
from invoices.drafts import InvoiceDraft, clean_draft
from invoices.fapiao import one_edit_apart
from invoices.import_report import ImportReport, Reason, RowOutcome
from invoices.ledger_file import COLUMNS, LedgerRow, ledger_row
from invoices.models import Invoice, InvoiceEvent, LedgerImport, Source
from invoices.refused_rows import refused_rows_xlsx
from invoices.services import (
    adopt_red_invoices,
    creation_changes,
    derived_fields,
    duplicate_error,
    flush_blue_status,
    remember_counterparties,
)
from invoices.spreadsheet_messages import field_column, problem_message, spreadsheet_error
from invoices.spreadsheets import SpreadsheetError, read_table
from sandbox import UnsafeFile, run_isolated

CHUNK = 2000


@dataclass
class _Candidate:
    outcome: RowOutcome
    draft: InvoiceDraft
    status: str


def import_ledger(
    *,
    company: Company,
    by: User | None,
    data: bytes,
    direction: str = "auto",
    file_name: str = "",
    default_kind: str = "",
) -> ImportReport:
    """Read a ledger spreadsheet and add its invoices. Raises ValidationError when the file as a
    whole cannot be read (wrong format, missing columns); problems of single rows are reported.
    `default_kind` (a Kind value) is the kind of rows whose 票种 and 发票代码 do not tell."""
    try:
        table = run_isolated(read_table, data, COLUMNS, limits=settings.PARSER_LIMITS["spreadsheet"])
    except SpreadsheetError as error:
        raise spreadsheet_error(error) from None
    except UnsafeFile:
        raise spreadsheet_error(SpreadsheetError("unsafe_file")) from None
    parsed = [
        ledger_row(
            row,
            direction=direction,
            company_tin=company.tin,
            company_name=company.name,
            default_kind=default_kind,
        )
        for row in table.rows
    ]
    invoice_rows = [row for row in parsed if not (row.summary or row.blank)]
    candidates, outcomes = _clean_rows(invoice_rows)
    _refuse_duplicates(company, candidates)
    accepted = [candidate for candidate in candidates if not candidate.outcome.reasons]
    report = ImportReport(
        table.format,
        table.sheet,
        table.ignored_columns,
        outcomes,
        summary_rows=tuple(row.number for row in parsed if row.summary),
        blank_rows=sum(row.blank for row in parsed),
    )
    with transaction.atomic():
        _insert(company, by, accepted, reason=str(_("Imported from %(file)s") % {"file": file_name or "—"}))
        report.import_id = _record(company, by, data, file_name, report).pk
    database.fresh_statistics(Invoice, report.added)
    return report


def _record(
    company: Company, by: User | None, data: bytes, file_name: str, report: ImportReport
) -> LedgerImport:
    refused = report.refused_rows
    return LedgerImport.objects.create(
        company=company,
        created_by=by,
        file_name=file_name[:255],
        rows=len(report.rows),
        added=report.added,
        refused=len(refused),
        refused_file=_refused_file(data, refused),
    )


def _refused_file(data: bytes, refused: list[RowOutcome]) -> bytes:
    """The refused rows' XLSX, read from the file in a child process as the import was. Without it
    (the second reading failed where the first did not) the import stands; only the download lacks."""
    if not refused:
        return b""
    try:
        return run_isolated(refused_rows_xlsx, data, refused, limits=settings.PARSER_LIMITS["spreadsheet"])
    except (SpreadsheetError, UnsafeFile):
        return b""


def _problem_reason(problem) -> Reason:
    message = problem_message(problem)
    return Reason(f"{problem.code}:{problem.column}", message, message)


def _draft_reasons(error: ValidationError) -> list[Reason]:
    reasons = []
    for name, errors in error.error_dict.items():
        for item in errors:
            message = f"{field_column(name)}: {' '.join(item.messages)}"
            reasons.append(Reason(f"{name}:{item.code}", message, message))
    return reasons


def _clean_rows(rows: list[LedgerRow]) -> tuple[list[_Candidate], list[RowOutcome]]:
    candidates, outcomes = [], []
    for parsed in rows:
        outcome = RowOutcome(row=parsed.number, identity=parsed.shown_number, added=False)
        outcome.notes = [problem_message(note) for note in parsed.notes]
        outcomes.append(outcome)
        if parsed.problems:
            outcome.reasons = [_problem_reason(problem) for problem in parsed.problems]
            continue
        try:
            draft = clean_draft(parsed.values)
        except ValidationError as error:
            outcome.reasons = _draft_reasons(error)
            continue
        outcome.identity, outcome.kind = draft.identity, draft.kind
        candidates.append(_Candidate(outcome, draft, parsed.status))
    return candidates, outcomes


def _refuse_duplicates(company: Company, candidates: list[_Candidate]) -> None:
    first_row: dict[str, int] = {}
    label = str(_("The same invoice is on an earlier row of this file"))
    for candidate in candidates:
        identity = candidate.draft.identity
        if identity in first_row:
            message = str(
                _("The same invoice is on row %(row)d of this file.") % {"row": first_row[identity]}
            )
            candidate.outcome.reasons.append(Reason("duplicate_in_file", label, message))
        else:
            first_row[identity] = candidate.outcome.row
    identities = list(first_row)
    by_identity = {
        candidate.draft.identity: candidate for candidate in candidates if not candidate.outcome.reasons
    }
    label = str(_("Already in the ledger"))
    for start in range(0, len(identities), CHUNK):
        existing = selectors.invoice_queryset(company=company).filter(
            identity__in=identities[start : start + CHUNK]
        )
        for invoice in existing.select_related("created_by"):
            candidate = by_identity[invoice.identity]
            for message in duplicate_error(invoice).messages:
                candidate.outcome.reasons.append(Reason("duplicate", label, message))


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

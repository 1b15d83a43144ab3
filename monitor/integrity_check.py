"""The nightly integrity check: the file store re-hashed against what the database refers to
(monitor/integrity.py), every company's audit chains (invoices and reconciliation decisions)
verified, every invoice and its lines compared with the state its audit trail tells
(invoices/chained_state.py), and duplicate invoice identities looked for. Each problem becomes an
Anomaly; problems that went away resolve theirs; the run is kept as a CheckRun."""

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company
from ingest.models import StoredFile
from invoices.audit_trail import verify_company_trail
from invoices.drafts import draft_from_invoice
from invoices.findings import context_for, findings_for, stored
from invoices.models import Invoice, InvoiceEvent
from monitor import anomalies
from monitor.anomalies import Observation
from monitor.chained_state_check import check_chained_state
from monitor.checkruns import recorded
from monitor.integrity import check_store, replaced_copies
from monitor.models import AnomalyEvent, CheckRun, Severity
from reconcile.models import DecisionEvent

TRAILS = {
    "invoices": (InvoiceEvent, "invoice"),
    "decisions": (DecisionEvent, "discrepancy"),
    "anomalies": (AnomalyEvent, "anomaly"),
}


@dataclass
class IntegrityResult:
    run: CheckRun
    rows: list[dict] = field(default_factory=list)  # one per problem: kind, company, subject, problem

    @property
    def ok(self) -> bool:
        return not self.rows


def run_integrity() -> IntegrityResult:
    with recorded("integrity") as run:
        result = IntegrityResult(run)
        counts = _files(result) | _trails(result) | check_chained_state(result.rows)
        counts |= _duplicates(result) | _findings(result)
        run.counts = {**counts, "problems": len(result.rows)}
        if result.rows:
            run.outcome = CheckRun.Outcome.PROBLEMS
    return result


def _files(result: IntegrityResult) -> dict:
    started = time.perf_counter()
    owners: dict[str, list[int]] = defaultdict(list)
    for company_id, sha256 in StoredFile.objects.values_list("company_id", "sha256").iterator(10_000):
        owners[sha256].append(company_id)
    report = check_store(settings.DATA_DIR / "files", owners)
    companies = Company.objects.in_bulk({pk for pks in owners.values() for pk in pks})
    seen: dict[str, list[Observation]] = {"file_altered": [], "file_missing": [], "file_orphan": []}
    for finding in report.findings:
        holders = [companies[pk] for pk in owners.get(finding.sha256, ())] or [None]
        for company in holders:
            severity = Severity.INFO if finding.problem == "orphan" else Severity.CRITICAL
            seen[f"file_{finding.problem}"].append(
                Observation(f"file:{finding.sha256}", severity, company, details={"path": finding.path})
            )
            result.rows.append(
                {"kind": f"file_{finding.problem}", "company": company, "subject": finding.path}
            )
    seen["file_replaced"] = _replaced(result, owners, companies)
    for kind, observations in seen.items():
        anomalies.report(kind, observations)
    return {
        "files": report.files,
        "bytes": report.bytes,
        "files_seconds": round(time.perf_counter() - started, 3),
    }


def _replaced(result: IntegrityResult, owners: dict, companies: dict) -> list[Observation]:
    """The altered copies the store kept aside when a re-upload replaced them, until deleted."""
    observations = []
    for copy in replaced_copies(settings.DATA_DIR / "replaced"):
        key = f"replaced:{copy.sha256}:{copy.at:%Y%m%dT%H%M%S%f}"
        kept_at = timezone.localtime(copy.at.replace(tzinfo=UTC))
        details = {"sha256": copy.sha256, "kept": copy.path, "at": f"{kept_at:%Y-%m-%d %H:%M:%S}"}
        for company in [companies[pk] for pk in owners.get(copy.sha256, ())] or [None]:
            observations.append(Observation(key, Severity.WARNING, company, details=details))
            result.rows.append({"kind": "file_replaced", "company": company, "subject": copy.path})
    return observations


def _trails(result: IntegrityResult) -> dict:
    counts = {}
    observations = []
    for name, (model, subject_field) in TRAILS.items():
        total = 0
        for company in Company.objects.order_by("pk"):
            events, breaks = verify_company_trail(company, model, subject_field)
            total += events
            for chain_break in breaks:
                details = {"trail": name, "seq": chain_break.seq, "problem": chain_break.problem}
                observations.append(
                    Observation(f"{name}:{chain_break.seq}", Severity.CRITICAL, company, details=details)
                )
                subject = f"{name} #{chain_break.seq} {chain_break.problem}"
                result.rows.append({"kind": "audit_chain", "company": company, "subject": subject})
        counts[f"{name}_events"] = total
    anomalies.report("audit_chain", observations)
    return counts


def _duplicates(result: IntegrityResult) -> dict:
    twice = (
        Invoice.objects.values("company_id", "identity")
        .annotate(copies=Count("pk"))
        .filter(copies__gt=1)
        .order_by("company_id", "identity")
    )
    companies = Company.objects.in_bulk({row["company_id"] for row in twice})
    observations = []
    for row in twice:
        company = companies[row["company_id"]]
        url = reverse("invoice_list") + f"?q={row['identity']}"
        observations.append(
            Observation(f"identity:{row['identity']}", Severity.ERROR, company, url, details=dict(row))
        )
        result.rows.append({"kind": "duplicate_identity", "company": company, "subject": row["identity"]})
    anomalies.report("duplicate_identity", observations)
    return {"invoices": Invoice.objects.count()}


# Findings that depend on the day, the company's own name and ID or the rest of the ledger: they may
# rightly differ from when they were stored, so they are not compared.
CONTEXT_CODES = {
    "buyer_not_company", "seller_not_company", "issue_date_in_future", "issue_date_too_old",
    "red_without_blue", "near_duplicate",
}  # fmt: skip
CHUNK = 2000


def _findings(result: IntegrityResult) -> dict:
    """Invoices whose stored findings are not what the rules say of them now (edited behind the
    app's back, or stored by an older version of the rules)."""
    observations = []
    checked = 0
    for company in Company.objects.order_by("pk"):
        context = context_for(company)
        drifted = []
        invoices = Invoice.objects.filter(company=company).order_by("pk").prefetch_related("lines")
        last = 0
        while chunk := list(invoices.filter(pk__gt=last)[:CHUNK]):
            last = chunk[-1].pk
            for invoice in chunk:
                checked += 1
                now = findings_for(
                    draft_from_invoice(invoice),
                    context=context,
                    has_blue_original=invoice.blue_original_id is not None,
                )
                if _comparable(stored(now)["findings"]) != _comparable(invoice.findings):
                    drifted.append(invoice.identity)
        if drifted:
            details = {"count": len(drifted), "invoices": drifted[:20]}
            observations.append(Observation("findings", Severity.WARNING, company, details=details))
            result.rows += [
                {"kind": "findings_drift", "company": company, "subject": identity} for identity in drifted
            ]
    anomalies.report("findings_drift", observations)
    return {"invoices_rechecked": checked}


def _comparable(findings: list[dict]) -> set[tuple[str, str, str]]:
    return {
        (finding["code"], finding["severity"], finding["field"])
        for finding in findings
        if finding["code"] not in CONTEXT_CODES
    }

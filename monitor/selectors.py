"""What the jobs page shows an admin of one company: the nightly integrity check and backup, when
they last ran and next run, how they went for her company, and their open findings about her
company alone. A run is the installation's (CheckRun has no company): its counts and error text
speak of every company, so only staff read them; for a company, a run that finished "found
problems" only when one of the findings is hers."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Value
from django.db.models.functions import Concat

from accounts.models import Company
from ingest.models import StoredFile
from monitor.models import Anomaly, CheckRun
from monitor.schedules import Job, jobs

INTEGRITY_KINDS = (
    "file_altered",
    "file_missing",
    "file_replaced",
    "audit_chain",
    "trail_mismatch",
    "trail_unvouched",
    "duplicate_identity",
    "findings_drift",
)
BACKUP_KIND = "backup_failed"
COMPANY_JOBS = ("integrity", "backup")  # CheckRun names, in the order the page lists them


@dataclass(frozen=True)
class CompanyJob:
    run_name: str
    last: CheckRun | None
    due: datetime | None
    overdue: bool
    outcome: str | None  # a CheckRun.Outcome, as it went for the company; None before any run
    findings: list[Anomaly]

    @property
    def outcome_label(self) -> str:
        return CheckRun.Outcome(self.outcome).label if self.outcome else ""


def company_findings(*, company: Company) -> dict[str, list[Anomaly]]:
    """The live findings of the integrity check and the backup about this company's data: the
    integrity check's anomalies of the company, and the backup's about one of its originals (a
    backup's anomalies have no company; each names the original by its SHA-256)."""
    live = Anomaly.objects.exclude(state=Anomaly.State.RESOLVED).order_by("-last_seen", "pk")
    own_files = (
        StoredFile.objects.filter(company=company)
        .annotate(anomaly_key=Concat(Value("file:"), "sha256"))
        .values("anomaly_key")
    )
    return {
        "integrity": list(live.filter(company=company, kind__in=INTEGRITY_KINDS)),
        "backup": list(live.filter(company=None, kind=BACKUP_KIND, key__in=own_files)),
    }


def company_jobs(*, company: Company, now: datetime | None = None) -> list[CompanyJob]:
    by_name: dict[str, Job] = {job.run_name: job for job in jobs(now)}
    findings = company_findings(company=company)
    result = []
    for name in COMPANY_JOBS:
        job = by_name.get(name)
        last = job.last if job else None
        result.append(
            CompanyJob(
                run_name=name,
                last=last,
                due=job.due if job else None,
                overdue=job.overdue if job else False,
                outcome=_outcome(last, findings[name]),
                findings=findings[name],
            )
        )
    return result


def _outcome(last: CheckRun | None, findings: list[Anomaly]) -> str | None:
    if last is None:
        return None
    if last.outcome in (CheckRun.Outcome.RUNNING, CheckRun.Outcome.FAILED):
        return last.outcome
    return CheckRun.Outcome.PROBLEMS if findings else CheckRun.Outcome.OK

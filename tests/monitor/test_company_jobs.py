"""A company's admin reads her company's integrity check and backup on the jobs page: when they ran,
how they went for her company, and only her company's findings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from ingest import storage
from ingest.services import store_file
from monitor import anomalies
from monitor.anomalies import Observation
from monitor.backing_up import skipped_words
from monitor.integrity_check import run_integrity
from monitor.models import CheckRun, Severity
from monitor.selectors import company_jobs
from tests.pages import visible_text

pytestmark = pytest.mark.django_db


def kept(company, payload: bytes):
    stored, _created = store_file(company=company, by=None, name="scan.pdf", data=payload)
    return stored


def altered(stored) -> None:
    path = storage.blob_path(stored.sha256)
    path.chmod(0o640)
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def findings(alice, bob, charlie, company_a, company_b):
    """A's original altered, B's deleted; the backup left one original of each out."""
    ours, theirs = kept(company_a, b"an original of A"), kept(company_b, b"an original of B")
    altered(ours)
    storage.blob_path(theirs.sha256).unlink()
    run_integrity()
    moment = timezone.now() - timedelta(hours=2)
    CheckRun.objects.create(
        name="backup",
        started_at=moment,
        finished_at=moment + timedelta(seconds=42),
        outcome=CheckRun.Outcome.PROBLEMS,
        counts={"files": 2, "skipped": 2, "path": "/backups/snapshots/20261204T000000Z"},
    )
    anomalies.report(
        "backup_failed",
        [
            Observation(
                f"file:{stored.sha256}",
                Severity.CRITICAL,
                details={"error": skipped_words(stored.sha256, "altered")},
            )
            for stored in (ours, theirs)
        ],
    )
    return {"ours": ours.sha256, "theirs": theirs.sha256}


def test_the_admin_sees_her_companys_checks_and_only_her_findings(alice, company_a, findings, browser_as):
    response = browser_as(alice).get("/monitor/jobs/")
    assert response.status_code == 200
    page = visible_text(response.text)
    assert "检查与备份" in page
    assert "完整性检查" in page and "备份" in page
    assert findings["ours"] in page
    assert findings["theirs"] not in page
    assert "/backups/snapshots" not in page  # the run's own counts are the installation's
    assert page.count('<tr class="finding">') == 2
    assert "<strong>已保存的原件被改动</strong>" in page
    assert "<strong>备份失败</strong>" in page
    integrity_row = page.split('id="job-integrity"', 1)[1].split("</tr>", 1)[0]
    assert "<td>发现问题</td>" in integrity_row


def test_the_outcome_is_the_companys(alice, charlie, company_a, company_b, findings):
    ours = {job.run_name: (job.outcome, len(job.findings)) for job in company_jobs(company=company_a)}
    assert ours == {"integrity": ("problems", 1), "backup": ("problems", 1)}
    kinds = {job.run_name: [f.kind for f in job.findings] for job in company_jobs(company=company_a)}
    assert kinds == {"integrity": ["file_altered"], "backup": ["backup_failed"]}
    theirs = {job.run_name: [f.key for f in job.findings] for job in company_jobs(company=company_b)}
    assert theirs == {"integrity": [f"file:{findings['theirs']}"], "backup": [f"file:{findings['theirs']}"]}


def test_a_company_without_findings_passed_even_when_another_did_not(charlie, company_b, alice, company_a):
    kept(company_b, b"a healthy original of B")
    altered(kept(company_a, b"an original of A"))
    run = run_integrity().run
    assert run.outcome == CheckRun.Outcome.PROBLEMS
    (integrity, backup) = company_jobs(company=company_b)
    assert (integrity.run_name, integrity.outcome, integrity.findings) == ("integrity", "ok", [])
    assert (backup.run_name, backup.last, backup.outcome) == ("backup", None, None)


def test_a_failed_run_is_failed_for_every_company_without_its_error(alice, company_a, browser_as):
    moment = timezone.now()
    CheckRun.objects.create(
        name="backup", started_at=moment, finished_at=moment, outcome="failed", error="pg_dump: /srv/secret"
    )
    (_integrity, backup) = company_jobs(company=company_a)
    assert backup.outcome == "failed"
    page = browser_as(alice).get("/monitor/jobs/").text
    backup_row = page.split('id="job-backup"', 1)[1].split("</tr>", 1)[0]
    assert "<td>失败</td>" in backup_row
    assert "/srv/secret" not in page


def test_charlie_sees_his_own_company_and_nothing_of_a(alice, charlie, company_a, findings, browser_as):
    response = browser_as(charlie).get("/monitor/jobs/")
    assert response.status_code == 200
    page = visible_text(response.text)
    assert findings["theirs"] in page
    assert findings["ours"] not in page
    assert company_a.name not in page
    assert "乙科技有限公司" in page


def test_a_clerk_is_refused(bob, findings, browser_as):
    response = browser_as(bob).get("/monitor/jobs/")
    assert response.status_code == 403
    assert findings["ours"] not in response.text


def test_staff_still_see_every_job_with_its_counts(findings, client):
    staff = User.objects.create_user("ops", password="x", is_staff=True)
    client.force_login(staff)
    page = client.get("/monitor/jobs/").text
    assert "monitor.check_integrity" in page
    assert "path /backups/snapshots/20261204T000000Z" in page
    assert "检查与备份" not in page


def test_nobody_is_sent_to_the_login(db, client):
    response = client.get("/monitor/jobs/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/monitor/jobs/")

"""The integrity check finds each kind of damage by name, turns it into an anomaly once, and
resolves the anomaly when the damage is repaired."""

import hashlib
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ingest import storage
from ingest.services import store_file
from invoices.models import Invoice, InvoiceEvent
from monitor.integrity import check_store
from monitor.integrity_check import run_integrity
from monitor.locks import single_run
from monitor.models import Anomaly, CheckRun
from tests.fixtures.invoices import make_invoice

pytestmark = pytest.mark.django_db


def kept(company, payload: bytes, name: str = "scan.pdf"):
    stored, _created = store_file(company=company, by=None, name=name, data=payload)
    return stored


def live(kind: str) -> list[Anomaly]:
    return list(Anomaly.objects.filter(kind=kind).exclude(state="resolved"))


def test_a_healthy_store_passes_and_is_counted(company_a):
    for index in range(3):
        kept(company_a, f"original {index}".encode())
    result = run_integrity()
    assert result.ok
    assert result.run.outcome == CheckRun.Outcome.OK
    assert (result.run.counts["files"], result.run.counts["problems"]) == (3, 0)


def test_a_flipped_byte_a_deleted_file_and_an_orphan_are_each_named(company_a, settings):
    altered, deleted = kept(company_a, b"first original"), kept(company_a, b"second original")
    path = storage.blob_path(altered.sha256)
    path.chmod(0o640)
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))
    storage.blob_path(deleted.sha256).unlink()
    orphan = storage.store_blob(b"nobody refers to me")

    result = run_integrity()
    found = {(row["kind"], row["subject"].rsplit("/", 1)[-1]) for row in result.rows}
    assert found == {
        ("file_altered", altered.sha256),
        ("file_missing", deleted.sha256),
        ("file_orphan", orphan),
    }
    assert [anomaly.key for anomaly in live("file_altered")] == [f"file:{altered.sha256}"]
    assert live("file_altered")[0].company == company_a
    assert live("file_orphan")[0].company is None
    assert result.run.outcome == CheckRun.Outcome.PROBLEMS


def test_running_twice_creates_nothing_new_and_a_repair_resolves(company_a):
    stored = kept(company_a, b"an original")
    storage.blob_path(stored.sha256).unlink()
    run_integrity()
    first = live("file_missing")
    run_integrity()
    assert live("file_missing") == first and Anomaly.objects.count() == 1
    storage.store_blob(b"an original")  # restored from a backup
    assert run_integrity().ok
    assert live("file_missing") == []
    assert Anomaly.objects.get().state == "resolved"


def test_an_audit_event_edited_in_the_database_is_named(company_a, alice):
    invoice = make_invoice(company_a, alice)
    event = InvoiceEvent.objects.filter(invoice=invoice).first()
    InvoiceEvent.objects.filter(pk=event.pk).update(reason="改过的原因")
    result = run_integrity()
    assert [row["subject"] for row in result.rows] == [f"invoices #{event.seq} altered"]
    (anomaly,) = live("audit_chain")
    assert (anomaly.company, anomaly.severity) == (company_a, "critical")


def test_the_command_prints_a_table_and_fails_on_problems(company_a):
    stored = kept(company_a, b"to be lost")
    out = StringIO()
    call_command("check_integrity", stdout=out)
    assert "no problems" in out.getvalue()
    storage.blob_path(stored.sha256).unlink()
    out = StringIO()
    with pytest.raises(CommandError, match="1 problems"):
        call_command("check_integrity", stdout=out)
    assert "file_missing" in out.getvalue() and company_a.tin in out.getvalue()


def test_a_second_check_while_one_runs_is_refused(company_a):
    with single_run("integrity") as held:
        assert held
        with pytest.raises(CommandError, match="already under way"):
            call_command("check_integrity", stdout=StringIO())
    with single_run("integrity") as held:
        assert held  # released


def test_the_store_check_streams_large_files(tmp_path):
    root = tmp_path / "files"
    payload = b"x" * (5 * 1024 * 1024 + 7)
    sha256 = hashlib.sha256(payload).hexdigest()
    path = root / sha256[:2] / sha256[2:4] / sha256
    path.parent.mkdir(parents=True)
    path.write_bytes(payload)
    (path.parent / ".incoming-abc").write_bytes(b"half written")
    report = check_store(root, {sha256})
    assert (report.files, report.bytes, report.findings) == (1, len(payload), [])


def test_findings_edited_behind_the_apps_back_are_found(company_a, alice):
    honest = make_invoice(company_a, alice)
    edited = make_invoice(company_a, alice, number="26312000000000000999", tax=Decimal("1.00"))
    assert edited.error_count > 0
    Invoice.objects.filter(pk=edited.pk).update(findings=[], error_count=0)
    result = run_integrity()
    assert [(row["kind"], row["subject"]) for row in result.rows] == [("findings_drift", edited.identity)]
    (anomaly,) = live("findings_drift")
    assert anomaly.details == {"count": 1, "invoices": [edited.identity]}
    assert honest.identity not in anomaly.details["invoices"]

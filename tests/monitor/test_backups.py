"""Backups that are proven: snapshot, wipe, restore, and every row and file is as it was; an original
damaged in the file store is never copied into a backup."""

import base64
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.services import company_create
from ingest import storage
from ingest.services import store_file
from invoices.models import Invoice
from monitor import backups
from monitor.backups import BackupError, create_snapshot, is_verified, load, verify
from monitor.models import Anomaly, CheckRun
from monitor.restoring import restore
from monitor.retention import snapshots
from monitor.sealing import SealError, key_from_text, seal, unseal
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import scenario


@pytest.fixture(autouse=True)
def backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


def fingerprint() -> dict:
    return backups.fingerprint_postgres(backups.conninfo(), backups.tables())


def books(invoices: int = 10_000):
    world = scenario(invoices, seed=51, share=0)
    company = company_create(name="甲商贸有限公司", tin=world.company_tin)
    store_ledger(world, company)
    originals = [
        store_file(company=company, by=None, name=f"{i}.pdf", data=f"原件 {i}".encode())[0] for i in range(5)
    ]
    return company, originals


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_gives_back_every_row_and_file():
    _company, originals = books()
    before = fingerprint()
    snapshot = create_snapshot()
    assert snapshot.manifest["database"]["tables"] == before
    assert before["invoices_invoice"]["rows"] >= 10_000
    verify(snapshot)

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM invoices_counterparty")
        cursor.execute("DELETE FROM invoices_invoice")
    for original in originals:
        storage.blob_path(original.sha256).unlink()
    assert Invoice.objects.count() == 0

    restore(load(snapshot.path), force=True)
    assert fingerprint() == before
    for original in originals:
        assert storage.read_blob(original.sha256) == f"原件 {originals.index(original)}".encode()


@pytest.mark.django_db(transaction=True)
def test_a_database_holding_data_is_not_overwritten_unless_forced():
    books(20)
    snapshot = create_snapshot()
    with pytest.raises(BackupError, match="already holds data"):
        restore(load(snapshot.path))
    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore_snapshot", str(snapshot.path), stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_an_altered_snapshot_is_refused_and_a_bad_copy_fails_verification():
    books(20)
    snapshot = create_snapshot()
    dump = snapshot.path / "database.dump"
    data = bytearray(dump.read_bytes())
    data[-10] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(BackupError, match=r"database\.dump is missing or altered"):
        load(snapshot.path)

    second = create_snapshot()
    second.manifest["database"]["tables"]["invoices_invoice"]["rows"] += 1
    with pytest.raises(BackupError, match="invoices_invoice"):
        verify(second)
    assert not is_verified(second.path)
    with pytest.raises(BackupError, match="no manifest"):
        load(Path(second.path.parent))


@pytest.mark.django_db(transaction=True)
def test_the_command_prints_the_path_last_and_records_the_run():
    books(20)
    out = StringIO()
    call_command("backup_snapshot", stdout=out)
    path = Path(out.getvalue().strip().splitlines()[-1])
    assert (path / "manifest.json").is_file()
    run = CheckRun.objects.get(name="backup")
    assert (run.outcome, run.counts["files"]) == ("ok", 5)


@pytest.mark.django_db(transaction=True)
def test_a_failed_backup_is_an_anomaly_until_one_succeeds(settings):
    books(20)
    settings.BACKUP_KEY = "short"
    with pytest.raises(CommandError, match="BACKUP_KEY must be 32 bytes"):
        call_command("backup_snapshot", stdout=StringIO())
    assert Anomaly.objects.get(kind="backup_failed").state == "open"
    assert CheckRun.objects.get(name="backup").outcome == "failed"
    settings.BACKUP_KEY = ""
    call_command("backup_snapshot", stdout=StringIO())
    assert Anomaly.objects.get(kind="backup_failed").state == "resolved"


def flip_a_byte(path: Path) -> None:
    """What a failing disk or a careless hand does to a stored original (kept 0400)."""
    path.chmod(0o600)
    data = bytearray(path.read_bytes())
    data[0] ^= 0x01
    path.write_bytes(bytes(data))
    path.chmod(0o400)


def backup_command() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("backup_snapshot", stdout=out, stderr=err)
    except CommandError as error:
        err.write(str(error))
        return 1, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_an_original_flipped_before_its_first_backup_is_left_out_and_named_not_copied(backup_dir):
    company, _originals = books(20)
    status, _out, _err = backup_command()
    assert status == 0
    late, _created = store_file(company=company, by=None, name="late.pdf", data="后来的原件".encode())
    flip_a_byte(storage.blob_path(late.sha256))

    status, out, err = backup_command()
    assert status == 1
    said = f"not backed up / 未备份: the original {late.sha256} in the file store no longer hashes"
    assert said in err
    assert "backup incomplete / 备份不完整: 1 originals could not be backed up" in err
    assert "5 files, 1 left out; verified" in out
    path = Path(out.strip().splitlines()[-1])
    assert not list((backup_dir / "blobs").glob(f"??/??/{late.sha256}*"))  # the bad bytes were not copied
    snapshot = load(path)  # the snapshot is whole without it: database and the five good originals
    assert snapshot.skipped == {late.sha256: "altered"} and late.sha256 not in snapshot.manifest["files"]
    assert is_verified(path)
    assert snapshots()[-1] == path
    anomaly = Anomaly.objects.get(kind="backup_failed", key=f"file:{late.sha256}")
    assert (anomaly.state, anomaly.severity) == ("open", "critical")
    run = CheckRun.objects.filter(name="backup").latest("started_at")
    assert (run.outcome, run.counts["files"], run.counts["skipped"]) == ("problems", 5, 1)


@pytest.mark.django_db(transaction=True)
def test_an_original_damaged_after_its_backup_keeps_the_good_copy_and_restore_puts_it_back(backup_dir):
    _company, originals = books(20)
    backup_command()
    damaged = storage.blob_path(originals[0].sha256)
    flip_a_byte(damaged)

    status, out, err = backup_command()
    assert status == 0, err
    said = f"the original {originals[0].sha256} in the file store no longer hashes to its name; the backup"
    assert said in err
    path = Path(out.strip().splitlines()[-1])
    snapshot = load(path)
    assert snapshot.damaged == {originals[0].sha256: "altered"} and snapshot.skipped == {}
    (kept,) = (backup_dir / "blobs").glob(f"??/??/{originals[0].sha256}")
    assert kept.read_bytes() == "原件 0".encode()
    assert Anomaly.objects.get(kind="backup_failed", key=f"file:{originals[0].sha256}").severity == "error"

    out = StringIO()
    call_command("restore_snapshot", str(path), "--force", stdout=out)
    assert f"replaced the damaged original {originals[0].sha256}" in out.getvalue()
    assert "1 damaged ones replaced, 4 already intact" in out.getvalue()
    assert damaged.read_bytes() == "原件 0".encode()
    assert damaged.stat().st_mode & 0o777 == 0o400


@pytest.mark.django_db(transaction=True)
def test_a_damaged_copy_in_the_backup_is_replaced_from_a_good_original(backup_dir):
    _company, originals = books(20)
    backup_command()
    (in_backup,) = (backup_dir / "blobs").glob(f"??/??/{originals[1].sha256}")
    flip_a_byte(in_backup)
    status, out, _err = backup_command()
    assert status == 0
    assert in_backup.read_bytes() == "原件 1".encode()
    load(Path(out.strip().splitlines()[-1]))


KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()


@pytest.mark.django_db(transaction=True)
def test_a_sealed_snapshot_restores_with_its_key_and_not_without(settings):
    settings.BACKUP_KEY = KEY
    _company, originals = books(200)
    before = fingerprint()
    snapshot = create_snapshot()
    assert snapshot.manifest["encrypted"] and snapshot.path.joinpath("database.dump.sealed").is_file()
    assert not snapshot.path.joinpath("database.dump").exists()
    blob = next((snapshot.path.parent.parent / "blobs").glob("??/??/*.sealed"))
    assert "原件".encode() not in blob.read_bytes()
    verify(snapshot)

    settings.BACKUP_KEY = base64.urlsafe_b64encode(bytes(32)).decode()
    with pytest.raises(BackupError, match="does not open with this BACKUP_KEY"):
        load(snapshot.path)
    settings.BACKUP_KEY = ""
    with pytest.raises(BackupError, match="set BACKUP_KEY"):
        load(snapshot.path)

    settings.BACKUP_KEY = KEY
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM invoices_counterparty")
        cursor.execute("DELETE FROM invoices_invoice")
    for original in originals:
        storage.blob_path(original.sha256).unlink()
    restore(load(snapshot.path), force=True)
    assert fingerprint() == before
    assert all(storage.blob_path(original.sha256).is_file() for original in originals)


def test_sealing_round_trips_and_a_changed_byte_is_caught(tmp_path):
    plain = tmp_path / "plain"
    plain.write_bytes(bytes(range(256)) * 9000)  # over two chunks
    key = key_from_text(KEY)
    seal(plain, tmp_path / "sealed", key)
    unseal(tmp_path / "sealed", tmp_path / "back", key)
    assert (tmp_path / "back").read_bytes() == plain.read_bytes()
    data = bytearray((tmp_path / "sealed").read_bytes())
    data[100] ^= 1
    (tmp_path / "sealed").write_bytes(bytes(data))
    with pytest.raises(SealError):
        unseal(tmp_path / "sealed", tmp_path / "again", key)
    assert not (tmp_path / "again").exists()
    with pytest.raises(SealError, match="32 bytes"):
        key_from_text("short")


@pytest.mark.parametrize("key", ["", KEY])
@pytest.mark.django_db(transaction=True)
def test_a_snapshot_and_the_originals_are_readable_by_their_owner_only(settings, backup_dir, key):
    settings.BACKUP_KEY = key
    _company, originals = books(20)
    snapshot = create_snapshot()
    backup_files = [path for path in backup_dir.rglob("*") if path.is_file()]
    assert {path.name for path in backup_files} >= {"manifest.json", snapshot.manifest["database"]["file"]}
    assert len(backup_files) == 2 + len(originals)
    for path in backup_files:
        assert path.stat().st_mode & 0o077 == 0, path
    for directory in [backup_dir, *(path for path in backup_dir.rglob("*") if path.is_dir())]:
        assert directory.stat().st_mode & 0o777 == 0o700, directory
    for original in originals:
        path = storage.blob_path(original.sha256)
        assert path.stat().st_mode & 0o777 == 0o400, path
        assert path.parent.stat().st_mode & 0o777 == 0o700, path.parent

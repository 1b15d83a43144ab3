"""Backup snapshots: the database and the stored originals, with a manifest that proves both.

    BACKUP_DIR/blobs/ab/cd/<sha256>            every original once, shared by all snapshots
    BACKUP_DIR/snapshots/<UTC stamp>/manifest.json
    BACKUP_DIR/snapshots/<UTC stamp>/database.dump      (pg_dump custom format; SQLite: database.sqlite3)
    BACKUP_DIR/snapshots/<UTC stamp>/verified.json      written once the snapshot has been proven

The manifest holds the SHA-256 of the database part, the originals the snapshot needs, the app and
schema versions, and each table's row count and checksum as they were. An original is copied only
when its bytes still hash to its name: one damaged in the file store never replaces the good copy an
earlier snapshot keeps ("damaged" in the manifest), and with no good copy anywhere it is left out
("skipped"). A snapshot is verified by re-hashing every part and restoring its database into a
scratch database to compare those counts and checksums. Restoring is monitor/restoring.py,
retention monitor/retention.py."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from ingest.models import StoredFile
from ingest.storage import ORIGINAL_MODE, PRIVATE_DIRECTORY_MODE, blob_path, private_directory
from monitor.integrity import file_sha256
from monitor.sealing import MAGIC, NONCE, TAG, SealError, key_from_text, opened, seal, unseal

FORMAT = 1
PRIVATE_FILE_MODE = 0o600  # the snapshot's database part and manifest: the owner only
VERIFIED = "verified.json"
# Rows hashed one by one, the hashes sorted and hashed again: independent of the physical order.
FINGERPRINT_SQL = (
    "SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) "
    'FROM "{table}" t'  # the table names come from the models, never from input
)
APP_VERSION = "1.0.0"


class BackupError(Exception):
    """A snapshot could not be made, verified or restored; the message says why."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    manifest: dict

    @property
    def skipped(self) -> dict[str, str]:
        """Originals left out because the file store held no good copy: sha256 -> "altered"/"missing"."""
        return self.manifest.get("skipped", {})

    @property
    def damaged(self) -> dict[str, str]:
        """Originals damaged in the file store whose earlier good copy the snapshot keeps."""
        return self.manifest.get("damaged", {})


@dataclass
class Originals:
    files: dict[str, int] = field(default_factory=dict)  # in the snapshot: sha256 -> size
    damaged: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def backup_root() -> Path:
    return settings.BACKUP_DIR


def backup_key() -> bytes | None:
    """The key that seals new snapshots and opens sealed ones; None when BACKUP_KEY is not set."""
    try:
        return key_from_text(settings.BACKUP_KEY) if settings.BACKUP_KEY else None
    except SealError as error:
        raise BackupError(str(error)) from None


def blob_in_backup(root: Path, sha256: str, sealed: bool) -> Path:
    return root / "blobs" / sha256[:2] / sha256[2:4] / (f"{sha256}.sealed" if sealed else sha256)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


# Database: dump, restore, and the per-table fingerprint that proves a restore.


def tables() -> list[str]:
    """The tables of the project's models and Django's own, in a stable order."""
    names = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    names.add(MigrationRecorder.Migration._meta.db_table)
    existing = set(connection.introspection.table_names())
    return sorted(names & existing)


def fingerprint_postgres(conninfo_text: str, table_names: list[str]) -> dict[str, dict]:
    result = {}
    with psycopg.connect(conninfo_text) as database, database.cursor() as cursor:
        for table in table_names:
            cursor.execute(FINGERPRINT_SQL.format(table=table))
            rows, checksum = cursor.fetchone()
            result[table] = {"rows": rows, "checksum": checksum}
    return result


def fingerprint_sqlite(database: sqlite3.Connection, table_names: list[str]) -> dict[str, dict]:
    result = {}
    for table in table_names:
        digests = sorted(
            hashlib.md5(repr(row).encode(), usedforsecurity=False).hexdigest()
            for row in database.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from the models)
        )
        checksum = hashlib.md5("".join(digests).encode(), usedforsecurity=False).hexdigest()
        result[table] = {"rows": len(digests), "checksum": checksum}
    return result


def _fingerprint_sqlite_file(path: Path, table_names: list[str]) -> dict[str, dict]:
    database = sqlite3.connect(path)
    try:
        return fingerprint_sqlite(database, table_names)
    finally:
        database.close()


def differing_tables(expected: dict[str, dict], found: dict[str, dict]) -> list[str]:
    return sorted(table for table in expected if found.get(table) != expected[table])


def conninfo(name: str | None = None) -> str:
    database = settings.DATABASES["default"]
    parts = {
        "dbname": name or database["NAME"],
        "user": database.get("USER") or "",
        "host": database.get("HOST") or "",
        "port": str(database.get("PORT") or ""),
        "password": database.get("PASSWORD") or "",
    }
    return " ".join(f"{key}='{value}'" for key, value in parts.items() if value)


def _pg_environment() -> dict[str, str]:
    database = settings.DATABASES["default"]
    environment = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if database.get(key):
            environment[variable] = str(database[key])
    return environment


def run_tool(command: list[str]) -> None:
    done = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def postgres() -> bool:
    return connection.vendor == "postgresql"


def _dump_database(folder: Path) -> tuple[Path, dict]:
    table_names = tables()
    if postgres():
        target = folder / "database.dump"
        run_tool(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--file={target}",
                settings.DATABASES["default"]["NAME"],
            ]
        )
        return target, fingerprint_postgres(conninfo(), table_names)
    target = folder / "database.sqlite3"
    source, copy = sqlite3.connect(settings.DATABASES["default"]["NAME"]), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return target, _fingerprint_sqlite_file(target, table_names)


# Snapshots


def create_snapshot() -> Snapshot:
    """Dump the database, copy the originals not yet in the backup, write the manifest last."""
    root = backup_root()
    folder = root / "snapshots" / _stamp()
    private_directory(folder.parent)
    folder.mkdir(mode=PRIVATE_DIRECTORY_MODE)
    key = backup_key()
    try:
        dump, table_fingerprints = _dump_database(folder)
        plain_sha256 = file_sha256(dump)
        if key is not None:
            sealed = dump.with_name(dump.name + ".sealed")
            seal(dump, sealed, key)
            dump.unlink()
            dump = sealed
        dump.chmod(PRIVATE_FILE_MODE)
        originals = _copy_originals(root, key)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "app_version": APP_VERSION,
            "schema": _schema_versions(),
            "database": {
                "engine": connection.vendor,
                "file": dump.name,
                "sha256": file_sha256(dump),
                "plain_sha256": plain_sha256,
                "tables": table_fingerprints,
            },
            "files": originals.files,
            "damaged": originals.damaged,
            "skipped": originals.skipped,
            "encrypted": key is not None,
        }
        _write_private(folder / "manifest.json", manifest)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Snapshot(folder, manifest)


def _write_private(path: Path, content: dict) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.touch(mode=PRIVATE_FILE_MODE)
    partial.write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.replace(path)


def _problem(path: Path, sha256: str) -> str | None:
    """What is wrong with the file store's copy of an original: "missing", "altered" or nothing."""
    if not path.is_file():
        return "missing"
    return None if file_sha256(path) == sha256 else "altered"


def _copy_originals(root: Path, key: bytes | None) -> Originals:
    """Every original the database refers to, copied (sealed, with a key) into the backup once, and
    only when its bytes still hash to its name. A good copy already in the backup is kept whatever
    became of the file store's; a damaged copy in the backup is replaced from a good original."""
    originals = Originals()
    for sha256 in StoredFile.objects.values_list("sha256", flat=True).distinct().iterator(10_000):
        source = blob_path(sha256)
        target = blob_in_backup(root, sha256, sealed=key is not None)
        problem = _problem(source, sha256)
        if _good_copy(target, sha256, key):
            if problem:
                originals.damaged[sha256] = problem
        elif problem:
            originals.skipped[sha256] = problem
            continue
        else:
            private_directory(target.parent)
            partial = target.with_name(target.name + ".partial")
            if key is None:
                shutil.copyfile(source, partial)
            else:
                seal(source, partial, key)
            partial.chmod(ORIGINAL_MODE)
            partial.replace(target)
        originals.files[sha256] = _plain_size(target, key)
    return originals


def _plain_size(path: Path, key: bytes | None) -> int:
    overhead = 0 if key is None else len(MAGIC) + NONCE + TAG
    return path.stat().st_size - overhead


def _schema_versions() -> dict[str, str]:
    latest = {}
    for app, name in MigrationRecorder.Migration.objects.order_by("app", "name").values_list("app", "name"):
        latest[app] = name
    return latest


def load(path: Path) -> Snapshot:
    """A snapshot whose every part is present and hashes as its manifest says."""
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError(f"{path} holds no manifest.json: not a complete snapshot")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: snapshot format {manifest.get('format')} is not {FORMAT}")
    snapshot = Snapshot(path, manifest)
    _check_parts(snapshot)
    return snapshot


def _check_parts(snapshot: Snapshot) -> None:
    manifest = snapshot.manifest
    dump = snapshot.path / manifest["database"]["file"]
    if not dump.is_file() or file_sha256(dump) != manifest["database"]["sha256"]:
        raise BackupError(f"{dump.name} is missing or altered")
    key = backup_key() if manifest["encrypted"] else None
    if manifest["encrypted"] and key is None:
        raise BackupError(f"{snapshot.path.name} is sealed: set BACKUP_KEY to the key it was taken with")
    for sha256 in manifest["files"]:
        blob = blob_in_backup(snapshot.path.parent.parent, sha256, sealed=key is not None)
        if not blob.is_file() or plain_sha256(blob, key) != sha256:
            raise BackupError(f"the original {sha256} is missing from the backup or altered")


def plain_sha256(path: Path, key: bytes | None) -> str:
    if key is None:
        return file_sha256(path)
    digest = hashlib.sha256()
    try:
        for chunk in opened(path, key):
            digest.update(chunk)
    except SealError as error:
        raise BackupError(str(error)) from None
    return digest.hexdigest()


def _good_copy(path: Path, sha256: str, key: bytes | None) -> bool:
    """The backup's copy is there and its plain bytes hash to their name. A sealed copy that does not
    open (a changed byte) is not good; it is replaced from the file store if the original is."""
    try:
        return path.is_file() and plain_sha256(path, key) == sha256
    except BackupError:
        return False


@contextmanager
def plain_dump(snapshot: Snapshot) -> Iterator[Path]:
    """The snapshot's database part, opened into a temporary file when sealed."""
    dump = snapshot.path / snapshot.manifest["database"]["file"]
    if not snapshot.manifest["encrypted"]:
        yield dump
        return
    with tempfile.TemporaryDirectory(dir=snapshot.path) as folder:
        plain = Path(folder) / dump.name.removesuffix(".sealed")
        try:
            unseal(dump, plain, backup_key())
        except SealError as error:
            raise BackupError(str(error)) from None
        yield plain


def verify(snapshot: Snapshot) -> None:
    """Re-hash every part, restore the database part into a scratch database and compare every
    table's fingerprint; only then is the snapshot marked verified (retention relies on the mark)."""
    _check_parts(snapshot)
    with plain_dump(snapshot) as dump:
        _verify(snapshot, dump)
    _write_private(snapshot.path / VERIFIED, {"verified_at": datetime.now(UTC).isoformat()})


def is_verified(path: Path) -> bool:
    return (path / VERIFIED).is_file()


def _verify(snapshot: Snapshot, dump: Path) -> None:
    expected = snapshot.manifest["database"]["tables"]
    if snapshot.manifest["database"]["engine"] == "postgresql":
        scratch = f"{settings.DATABASES['default']['NAME']}_verify_{os.getpid()}"[:63]
        run_tool(["dropdb", "--if-exists", scratch])
        run_tool(["createdb", scratch])
        try:
            run_tool(["pg_restore", "--no-owner", f"--dbname={scratch}", str(dump)])
            found = fingerprint_postgres(conninfo(scratch), sorted(expected))
        finally:
            run_tool(["dropdb", "--if-exists", scratch])
    else:
        found = _fingerprint_sqlite_file(dump, sorted(expected))
    different = differing_tables(expected, found)
    if different:
        raise BackupError(f"the restored copy differs in {', '.join(different[:10])}")

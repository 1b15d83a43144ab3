"""Backup snapshots: the database and the stored originals, with a manifest that proves both.

    BACKUP_DIR/blobs/ab/cd/<sha256>            every original once, shared by all snapshots
    BACKUP_DIR/snapshots/<UTC stamp>/manifest.json
    BACKUP_DIR/snapshots/<UTC stamp>/database.dump      (pg_dump custom format; SQLite: database.sqlite3)

The manifest holds the SHA-256 of the database part, the originals the snapshot needs, the app and
schema versions, and each table's row count and checksum as they were. A snapshot is verified by
restoring its database into a scratch database and comparing those counts and checksums; restoring
checks every hash first and refuses a database that already holds data unless told."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
from monitor.sealing import SealError, key_from_text, opened, seal, unseal

FORMAT = 1
PRIVATE_FILE_MODE = 0o600  # the snapshot's database part and manifest: the owner only
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


def backup_root() -> Path:
    return settings.BACKUP_DIR


def backup_key() -> bytes | None:
    """The key that seals new snapshots and opens sealed ones; None when BACKUP_KEY is not set."""
    try:
        return key_from_text(settings.BACKUP_KEY) if settings.BACKUP_KEY else None
    except SealError as error:
        raise BackupError(str(error)) from None


def _blob(root: Path, sha256: str, sealed: bool) -> Path:
    return root / "blobs" / sha256[:2] / sha256[2:4] / (f"{sha256}.sealed" if sealed else sha256)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


# Database: dump, restore, and the per-table fingerprint that proves a restore.


def _tables() -> list[str]:
    """The tables of the project's models and Django's own, in a stable order."""
    names = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    names.add(MigrationRecorder.Migration._meta.db_table)
    existing = set(connection.introspection.table_names())
    return sorted(names & existing)


def _fingerprint_postgres(conninfo: str, tables: list[str]) -> dict[str, dict]:
    result = {}
    with psycopg.connect(conninfo) as database, database.cursor() as cursor:
        for table in tables:
            cursor.execute(FINGERPRINT_SQL.format(table=table))
            rows, checksum = cursor.fetchone()
            result[table] = {"rows": rows, "checksum": checksum}
    return result


def _fingerprint_sqlite(path: Path, tables: list[str]) -> dict[str, dict]:
    result = {}
    with sqlite3.connect(path) as database:
        for table in tables:
            digests = sorted(
                hashlib.md5(repr(row).encode(), usedforsecurity=False).hexdigest()
                for row in database.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from the models)
            )
            checksum = hashlib.md5("".join(digests).encode(), usedforsecurity=False).hexdigest()
            result[table] = {"rows": len(digests), "checksum": checksum}
    return result


def _conninfo(name: str | None = None) -> str:
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


def _run(command: list[str]) -> None:
    done = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _dump_database(folder: Path) -> tuple[Path, dict]:
    tables = _tables()
    if _postgres():
        target = folder / "database.dump"
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--file={target}",
                settings.DATABASES["default"]["NAME"],
            ]
        )
        return target, _fingerprint_postgres(_conninfo(), tables)
    target = folder / "database.sqlite3"
    with sqlite3.connect(settings.DATABASES["default"]["NAME"]) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target, _fingerprint_sqlite(target, tables)


# Snapshots


def create_snapshot() -> Snapshot:
    """Dump the database, copy the originals not yet in the backup, write the manifest last."""
    root = backup_root()
    folder = root / "snapshots" / _stamp()
    private_directory(folder.parent)
    folder.mkdir(mode=PRIVATE_DIRECTORY_MODE)
    key = backup_key()
    try:
        dump, tables = _dump_database(folder)
        plain_sha256 = file_sha256(dump)
        if key is not None:
            sealed = dump.with_name(dump.name + ".sealed")
            seal(dump, sealed, key)
            dump.unlink()
            dump = sealed
        dump.chmod(PRIVATE_FILE_MODE)
        files = _copy_originals(root, key)
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
                "tables": tables,
            },
            "files": files,
            "encrypted": key is not None,
        }
        partial = folder / "manifest.json.partial"
        partial.touch(mode=PRIVATE_FILE_MODE)
        partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial.replace(folder / "manifest.json")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Snapshot(folder, manifest)


def _copy_originals(root: Path, key: bytes | None) -> dict[str, int]:
    """Every original the database refers to, copied (sealed, with a key) into the backup once."""
    files = {}
    for sha256 in StoredFile.objects.values_list("sha256", flat=True).distinct().iterator(10_000):
        source = blob_path(sha256)
        target = _blob(root, sha256, sealed=key is not None)
        if not target.exists():
            if not source.exists():
                raise BackupError(f"the original {sha256} is missing from the file store")
            private_directory(target.parent)
            partial = target.with_name(target.name + ".partial")
            if key is None:
                shutil.copyfile(source, partial)
            else:
                seal(source, partial, key)
            partial.chmod(ORIGINAL_MODE)
            partial.replace(target)
        files[sha256] = source.stat().st_size
    return files


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
    dump = path / manifest["database"]["file"]
    if not dump.is_file() or file_sha256(dump) != manifest["database"]["sha256"]:
        raise BackupError(f"{dump.name} is missing or altered")
    key = backup_key() if manifest["encrypted"] else None
    if manifest["encrypted"] and key is None:
        raise BackupError(f"{path.name} is sealed: set BACKUP_KEY to the key it was taken with")
    for sha256 in manifest["files"]:
        blob = _blob(path.parent.parent, sha256, sealed=key is not None)
        if not blob.is_file() or _plain_sha256(blob, key) != sha256:
            raise BackupError(f"the original {sha256} is missing from the backup or altered")
    return Snapshot(path, manifest)


def _plain_sha256(path: Path, key: bytes | None) -> str:
    if key is None:
        return file_sha256(path)
    digest = hashlib.sha256()
    try:
        for chunk in opened(path, key):
            digest.update(chunk)
    except SealError as error:
        raise BackupError(str(error)) from None
    return digest.hexdigest()


@contextmanager
def _plain_dump(snapshot: Snapshot) -> Iterator[Path]:
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
    """Restore the database part into a scratch database and compare every table's fingerprint."""
    with _plain_dump(snapshot) as dump:
        _verify(snapshot, dump)


def _verify(snapshot: Snapshot, dump: Path) -> None:
    expected = snapshot.manifest["database"]["tables"]
    if snapshot.manifest["database"]["engine"] == "postgresql":
        scratch = f"{settings.DATABASES['default']['NAME']}_verify_{os.getpid()}"[:63]
        _run(["dropdb", "--if-exists", scratch])
        _run(["createdb", scratch])
        try:
            _run(["pg_restore", "--no-owner", f"--dbname={scratch}", str(dump)])
            found = _fingerprint_postgres(_conninfo(scratch), sorted(expected))
        finally:
            _run(["dropdb", "--if-exists", scratch])
    else:
        found = _fingerprint_sqlite(dump, sorted(expected))
    different = sorted(table for table in expected if found.get(table) != expected[table])
    if different:
        raise BackupError(f"the restored copy differs in {', '.join(different[:10])}")


def holds_data() -> bool:
    from accounts.models import Company

    return Company.objects.exists()


def restore(snapshot: Snapshot, *, force: bool = False) -> None:
    """Put the snapshot's database and originals back. Refuses a database holding data unless forced."""
    if holds_data() and not force:
        raise BackupError("the database already holds data; restore into an empty one, or pass --force")
    connection.close()
    with _plain_dump(snapshot) as dump:
        if snapshot.manifest["database"]["engine"] == "postgresql":
            if not _postgres():
                raise BackupError("a PostgreSQL snapshot restores only into PostgreSQL")
            name = settings.DATABASES["default"]["NAME"]
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={name}", str(dump)])
        else:
            shutil.copyfile(dump, settings.DATABASES["default"]["NAME"])
    key = backup_key() if snapshot.manifest["encrypted"] else None
    for sha256 in snapshot.manifest["files"]:
        target = blob_path(sha256)
        if not target.exists():
            private_directory(target.parent)
            source = _blob(snapshot.path.parent.parent, sha256, sealed=key is not None)
            if key is None:
                shutil.copyfile(source, target)
            else:
                unseal(source, target, key)
            target.chmod(ORIGINAL_MODE)


# Retention


def snapshots(root: Path | None = None) -> list[Path]:
    folder = (root or backup_root()) / "snapshots"
    return (
        sorted(path for path in folder.glob("*Z") if (path / "manifest.json").is_file())
        if folder.is_dir()
        else []
    )


def kept_by_retention(stamps: list[str], *, daily: int = 7, weekly: int = 4, monthly: int = 12) -> set[str]:
    """The newest snapshot of each of the last `daily` days, `weekly` ISO weeks and `monthly` months."""
    moments = sorted(
        ((datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ"), stamp) for stamp in stamps), reverse=True
    )
    kept: set[str] = set()
    for count, bucket in (
        (daily, lambda m: m.date()),
        (weekly, lambda m: m.isocalendar()[:2]),
        (monthly, lambda m: (m.year, m.month)),
    ):
        seen = []
        for moment, stamp in moments:
            key = bucket(moment)
            if key not in seen:
                seen.append(key)
                if len(seen) <= count:
                    kept.add(stamp)
    return kept


def prune(root: Path | None = None) -> list[str]:
    """Delete the snapshots retention does not keep, then the originals no snapshot needs."""
    root = root or backup_root()
    existing = snapshots(root)
    keep = kept_by_retention([path.name for path in existing], **settings.BACKUP_RETENTION)
    removed = []
    for path in existing:
        if path.name not in keep:
            shutil.rmtree(path)
            removed.append(path.name)
    needed = set()
    for path in snapshots(root):
        needed.update(json.loads((path / "manifest.json").read_text(encoding="utf-8"))["files"])
    for blob in (root / "blobs").glob("??/??/*"):
        if blob.name.removesuffix(".sealed") not in needed:
            blob.unlink()
    return removed

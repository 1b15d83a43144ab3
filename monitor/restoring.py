"""Putting a snapshot back, and proving it went back.

The database is restored only when nothing else holds it: on SQLite the restore takes the database's
exclusive lock (a running app, `make run`'s periodic loop or a shell holding a connection keeps it
from doing so, and the restore is refused), then writes the snapshot through SQLite itself, so a
write-ahead log beside the file is taken into account instead of overriding a copied file. On
PostgreSQL another session connected to the database refuses the restore, which runs as one
transaction. Every original the snapshot holds is put back when it is missing or no longer hashes
to its name. Afterwards every table's fingerprint is recomputed and compared with the manifest's."""

import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

from ingest.storage import ORIGINAL_MODE, blob_path, private_directory
from monitor.backups import (
    BackupError,
    Snapshot,
    backup_key,
    blob_in_backup,
    conninfo,
    differing_tables,
    fingerprint_postgres,
    fingerprint_sqlite,
    plain_dump,
    postgres,
    run_tool,
)
from monitor.integrity import file_sha256
from monitor.sealing import unseal

IN_USE = (
    "the database is in use: a running Fapiao Desk (make run, its periodic jobs, a worker or a shell) "
    "holds it. Stop it, then restore again / 数据库正在被运行中的发票台使用，请先停止它再恢复"
)
OTHER_SESSIONS_SQL = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)
SESSION_CHECKS, SESSION_PAUSE = 15, 0.2


@dataclass
class Restored:
    rows: int = 0
    tables: int = 0
    written: list[str] = field(default_factory=list)  # originals that were missing
    repaired: list[str] = field(default_factory=list)  # originals that no longer hashed to their name
    intact: int = 0


def holds_data() -> bool:
    from accounts.models import Company

    return Company.objects.exists()


def restore(snapshot: Snapshot, *, force: bool = False) -> Restored:
    """Put the snapshot's database and originals back. Refuses a database holding data unless forced,
    and a database something else holds; raises if a table afterwards differs from the manifest."""
    if holds_data() and not force:
        raise BackupError("the database already holds data; restore into an empty one, or pass --force")
    connection.close()
    engine = snapshot.manifest["database"]["engine"]
    expected = snapshot.manifest["database"]["tables"]
    if engine == "postgresql":
        if not postgres():
            raise BackupError("a PostgreSQL snapshot restores only into PostgreSQL")
        _refuse_other_sessions()
        with plain_dump(snapshot) as dump:
            name = settings.DATABASES["default"]["NAME"]
            run_tool(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    f"--dbname={name}",
                    str(dump),
                ]
            )
        restored = _restore_originals(snapshot)
        found = fingerprint_postgres(conninfo(), sorted(expected))
    else:
        if postgres():
            raise BackupError("an SQLite snapshot restores only into SQLite")
        with sole_access(Path(settings.DATABASES["default"]["NAME"])) as live, plain_dump(snapshot) as dump:
            source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
            try:
                source.backup(live)
            finally:
                source.close()
            restored = _restore_originals(snapshot)
            found = fingerprint_sqlite(live, sorted(expected))
    different = differing_tables(expected, found)
    if different:
        raise BackupError(
            "after restoring, these tables differ from the snapshot's manifest / 恢复后这些表与清单不符: "
            + ", ".join(different[:10])
        )
    restored.tables, restored.rows = len(expected), sum(table["rows"] for table in expected.values())
    return restored


@contextmanager
def sole_access(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection holding the SQLite database's exclusive lock until the block ends. Another process
    with the database open (in WAL mode it keeps a shared lock while connected) makes this refuse at
    once. Leaving, the log is checkpointed into the file and truncated."""
    database = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        database.execute("PRAGMA locking_mode=EXCLUSIVE")  # keep the lock past the transaction below
        try:
            database.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise BackupError(IN_USE) from None
            raise BackupError(f"the database cannot be opened: {error}") from None
        database.execute("COMMIT")
        yield database
        database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        database.close()


def _refuse_other_sessions() -> None:
    """A session that was just closed (this process's own) can linger in pg_stat_activity for a
    moment while its server process exits: wait a little for the count to drop before refusing."""
    with psycopg.connect(conninfo(), autocommit=True) as database:
        for _attempt in range(SESSION_CHECKS):
            (others,) = database.execute(OTHER_SESSIONS_SQL).fetchone()
            if not others:
                return
            time.sleep(SESSION_PAUSE)
    raise BackupError(f"{IN_USE} ({others} other sessions are connected to the database)")


def _restore_originals(snapshot: Snapshot) -> Restored:
    """Each original of the snapshot written back unless the file store's copy is intact; a copy
    that no longer hashes to its name is replaced (atomically) with the snapshot's good bytes."""
    key = backup_key() if snapshot.manifest["encrypted"] else None
    restored = Restored()
    for sha256 in snapshot.manifest["files"]:
        target = blob_path(sha256)
        if target.is_file() and file_sha256(target) == sha256:
            restored.intact += 1
            continue
        damaged = target.exists()
        private_directory(target.parent)
        source = blob_in_backup(snapshot.path.parent.parent, sha256, sealed=key is not None)
        partial = target.with_name(f".incoming-restore-{sha256}")
        if key is None:
            shutil.copyfile(source, partial)
        else:
            unseal(source, partial, key)
        if file_sha256(partial) != sha256:
            partial.unlink()
            raise BackupError(f"the backup's copy of {sha256} is altered; it was not restored")
        partial.chmod(ORIGINAL_MODE)
        partial.replace(target)
        (restored.repaired if damaged else restored.written).append(sha256)
    return restored

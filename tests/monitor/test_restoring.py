"""Restoring refuses a database a running app holds, puts the snapshot back through SQLite itself (a
write-ahead log left beside the file cannot override it), and proves every table afterwards."""

import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command

from accounts.models import Company
from accounts.services import company_create
from monitor import backups
from monitor.backups import BackupError, create_snapshot, load
from monitor.restoring import restore
from tests.conftest import TIN_A, TIN_A2

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


# PostgreSQL (compose, tests)


@pytest.mark.django_db(transaction=True)
def test_a_postgres_restore_is_refused_while_another_session_holds_the_database():
    company_create(name="甲商贸有限公司", tin=TIN_A)
    snapshot = create_snapshot()
    company_create(name="乙贸易有限公司", tin=TIN_A2)
    with psycopg.connect(backups.conninfo()) as app:  # the app's connection, idle
        app.execute("SELECT 1")
        with pytest.raises(BackupError, match="the database is in use"):
            restore(load(snapshot.path), force=True)
        with pytest.raises(CommandError, match="数据库正在被运行中的发票台使用"):
            call_command("restore_snapshot", str(snapshot.path), "--force", stdout=StringIO())
    assert sorted(Company.objects.values_list("name", flat=True)) == ["乙贸易有限公司", "甲商贸有限公司"]

    out = StringIO()
    call_command("restore_snapshot", str(snapshot.path), "--force", stdout=out)
    assert list(Company.objects.values_list("name", flat=True)) == ["甲商贸有限公司"]
    assert "each as the manifest says" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_restore_whose_tables_differ_from_the_manifest_fails_loudly():
    company_create(name="甲商贸有限公司", tin=TIN_A)
    snapshot = create_snapshot()
    snapshot.manifest["database"]["tables"]["accounts_company"]["rows"] = 2
    with pytest.raises(BackupError, match=r"tables differ from the snapshot's manifest.*accounts_company"):
        restore(snapshot, force=True)


# SQLite (the embedded mode, `make run`): real processes on a real database file.

HOLD_THE_DATABASE = """
import sys, time
from accounts.services import company_create
company_create(name="乙贸易有限公司", tin=sys.argv[1])
print("holding", flush=True)
time.sleep(120)
"""
BOOKS = """
import sys
from accounts.services import company_create
from ingest.services import store_file
company = company_create(name="甲商贸有限公司", tin=sys.argv[1])
store_file(company=company, by=None, name="a.pdf", data="原件 甲".encode())
"""


def embedded_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'fapiao.sqlite3'}",
        DATA_DIR=str(tmp_path / "data"),
        BACKUP_DIR=str(tmp_path / "data" / "backups"),
        BACKUP_KEY="",
    )
    return env


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def python_in_app(env: dict, code: str, *args: str) -> subprocess.CompletedProcess:
    return manage(env, "shell", "-c", f"import sys; sys.argv = ['x', *{list(args)!r}]\n{code}")


def company_names(database: Path) -> list[str]:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as reader:  # closed: no lock kept
        return [name for (name,) in reader.execute("SELECT name FROM accounts_company ORDER BY name")]


@pytest.mark.slow
def test_an_sqlite_restore_is_refused_while_the_app_holds_the_database_then_wins_over_its_log(tmp_path):
    env = embedded_env(tmp_path)
    database = tmp_path / "data" / "fapiao.sqlite3"
    assert manage(env, "migrate", "--no-input").returncode == 0
    made = python_in_app(env, BOOKS, TIN_A)
    assert made.returncode == 0, made.stderr
    backup = manage(env, "backup_snapshot")
    assert backup.returncode == 0, backup.stderr
    path = backup.stdout.strip().splitlines()[-1]

    # The running app: its own process, a connection open in WAL mode, a write after the snapshot.
    hold = f"import sys; sys.argv = ['x', {TIN_A2!r}]\n{HOLD_THE_DATABASE}"
    app = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", hold],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        lines = (line.strip() for line in iter(app.stdout.readline, ""))
        assert "holding" in lines, "the app process ended before it held the database"
        refused = manage(env, "restore_snapshot", "--force", path)
        assert refused.returncode != 0
        assert "the database is in use" in refused.stderr and "未恢复" in refused.stderr
        assert "restored" not in refused.stdout
        assert company_names(database) == ["乙贸易有限公司", "甲商贸有限公司"]  # nothing changed
    finally:
        os.killpg(app.pid, signal.SIGKILL)  # killed, not stopped: its log is left un-checkpointed
        app.wait(timeout=10)
    wal = database.with_name(database.name + "-wal")
    assert wal.is_file() and wal.stat().st_size > 0

    restored = manage(env, "restore_snapshot", "--force", path)
    assert restored.returncode == 0, restored.stderr
    assert f"restored {Path(path).name}:" in restored.stdout
    assert company_names(database) == ["甲商贸有限公司"]
    with closing(sqlite3.connect(database)) as reader:
        assert reader.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    again = manage(env, "shell", "-c", "from accounts.models import Company; print(Company.objects.count())")
    assert again.stdout.strip().splitlines()[-1] == "1"

"""A data directory an older version left open (0755 directories, 0644 files) is owner-only after
start-up: DATA_DIR, the originals (0400), the backups, the SQLite database and its -wal/-shm."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
SHA256 = "ab" * 32


def loose(path: Path, content: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    path.chmod(0o644)
    return path


def test_start_up_takes_group_and_other_access_away(tmp_path):
    data, backups, elsewhere = tmp_path / "data", tmp_path / "backups", tmp_path / "db"
    original = loose(data / "files" / SHA256[:2] / SHA256[2:4] / SHA256)
    log = loose(data / "jobs.log")
    snapshot = loose(backups / "snapshots" / "20260101T030000000000Z" / "manifest.json")
    database = [
        loose(elsewhere / name) for name in ("books.sqlite3", "books.sqlite3-wal", "books.sqlite3-shm")
    ]
    script = loose(data / "tool.sh")
    script.chmod(0o755)
    outside = loose(elsewhere / "not-ours.txt")
    for directory in (data, *data.rglob("*"), backups, *backups.rglob("*"), elsewhere):
        if directory.is_dir():
            directory.chmod(0o755)
    env = {  # only what start-up reads: nothing an earlier test left in this process's environment
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "SECRET_KEY": os.environ.get(
            "SECRET_KEY", "test-only-key-never-used-outside-the-test-suite-0123456789"
        ),
        "ALLOWED_HOSTS": "testserver",
        "DEBUG": "false",
        "DATA_DIR": str(data),
        "BACKUP_DIR": str(backups),
        "DATABASE_URL": f"sqlite:///{elsewhere / 'books.sqlite3'}",
    }
    before = set(tmp_path.rglob("*"))
    result = subprocess.run(
        [sys.executable, "manage.py", "tighten_permissions"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    made = {
        path.relative_to(tmp_path).as_posix(): oct(path.stat().st_mode & 0o777)
        for path in set(tmp_path.rglob("*")) - before
    }
    assert made == {"data/uploading": "0o700"}  # what start-up makes is owner-only from the start
    assert "made 14 files and directories readable by their owner only" in result.stdout

    def mode(path: Path) -> int:
        return path.stat().st_mode & 0o777

    assert mode(original) == 0o400
    assert (mode(log), mode(snapshot), mode(script)) == (0o600, 0o600, 0o700)
    assert [mode(path) for path in database] == [0o600] * 3
    for directory in (data, *data.rglob("*"), backups, *backups.rglob("*")):
        if directory.is_dir():
            assert mode(directory) == 0o700, directory
    assert (mode(elsewhere), mode(outside)) == (0o755, 0o644)  # the database's folder is not DATA_DIR

    again = subprocess.run(
        [sys.executable, "manage.py", "tighten_permissions"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0 and again.stdout == ""

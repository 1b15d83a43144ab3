"""Stopping this machine's Redis and PostgreSQL for a moment, and bringing them back the way `make
test` starts them (scripts/services): the fault tests see what the product does when they die."""

import shutil
import socket
import subprocess
import time
from contextlib import suppress
from pathlib import Path

import redis

BASE_DIR = Path(__file__).resolve().parents[2]


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {seconds} s")
        time.sleep(0.2)


def start_services() -> None:
    """Start whatever of PostgreSQL and Redis is not answering, and wait until both answer."""
    subprocess.run([BASE_DIR / "scripts" / "services"], check=True, timeout=120)


def stop_redis() -> None:
    """Redis dies: it keeps nothing on disk here, so every message it held is lost."""
    with suppress(redis.ConnectionError):  # the server closes the connection as it goes
        redis.Redis(host="127.0.0.1", port=6379).shutdown(nosave=True)
    wait_for(lambda: not listening(6379), 30, "Redis did not stop")


def stop_postgres() -> None:
    """PostgreSQL dies: an immediate stop (no checkpoint, every connection cut; recovery at start)."""
    version = sorted(path.name for path in Path("/etc/postgresql").iterdir())[-1]
    command = shutil.which("pg_ctlcluster")
    assert command, "pg_ctlcluster is missing: the fault tests restart Debian's PostgreSQL"
    subprocess.run(
        [command, "--skip-systemctl-redirect", version, "main", "stop", "-m", "immediate"],
        check=True,
        timeout=60,
    )
    wait_for(lambda: not listening(5432), 30, "PostgreSQL did not stop")

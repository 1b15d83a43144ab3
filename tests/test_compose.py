"""docker-compose.yml and docker/entrypoint.sh. The entrypoint's commands run here outside a container,
from the repository as the image's /app, with the environment compose gives the app services: only the
addresses of PostgreSQL, Redis and the data volume are swapped for this machine's (a scratch database
made for the test, the test Redis, a temporary directory)."""

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import yaml
from django.conf import settings
from psycopg import sql

from config.celery import BEAT_SCHEDULE
from config.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[1]
REQUIRED = {"SECRET_KEY": "s" * 60, "POSTGRES_PASSWORD": "pw", "ALLOWED_HOSTS": "fapiao.example.com"}
ENTRYPOINT = "docker/entrypoint.sh"
APP_SERVICES = {"web", "worker", "beat"}
# The compose variables of a plain-HTTP run on this machine.
LOCAL = {
    "SECRET_KEY": "entrypoint-test-only-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "POSTGRES_PASSWORD": "unused",
    "ALLOWED_HOSTS": "localhost,127.0.0.1",
    "HTTPS": "false",
    "BEHIND_PROXY": "false",
}
# What the Dockerfile's ENV adds for every process of the image (DATA_DIR aside).
IMAGE_ENV = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "OMP_THREAD_LIMIT": "1"}


def compose(*args, **variables) -> subprocess.CompletedProcess:
    executable = shutil.which("docker-compose")
    assert executable, "docker-compose is missing: `make test` installs Debian's docker-compose"
    return subprocess.run(
        [executable, "-f", "docker-compose.yml", *args],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], **variables},
        timeout=60,
        check=False,
    )


def test_docker_compose_accepts_the_file():
    result = compose("config", "-q", **REQUIRED)
    assert result.returncode == 0, result.stderr


def test_it_runs_the_production_shape():
    result = compose("config", "--services", **REQUIRED)
    assert set(result.stdout.split()) == {"web", "worker", "beat", "postgres", "redis"}


def test_it_refuses_to_start_without_the_secrets():
    result = compose("config", "-q", ALLOWED_HOSTS="x")
    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr or "set POSTGRES_PASSWORD" in result.stderr


def test_the_entrypoint_is_valid_shell():
    assert subprocess.run(["sh", "-n", ENTRYPOINT], cwd=BASE_DIR, check=False).returncode == 0


@pytest.fixture(scope="module")
def services() -> dict:
    """The services as compose runs them, variables filled in."""
    result = compose("config", **LOCAL)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]


def test_every_app_service_runs_the_image_entrypoint_with_a_command_it_knows(services):
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert json.loads(re.search(r"^ENTRYPOINT (.+)$", dockerfile, re.MULTILINE)[1]) == [ENTRYPOINT]
    known = set(re.findall(r"^  ([a-z]+)\)$", (BASE_DIR / ENTRYPOINT).read_text(), re.MULTILINE))
    assert known == APP_SERVICES
    assert {name for name, service in services.items() if "build" in service} == APP_SERVICES
    for name in APP_SERVICES:
        assert "entrypoint" not in services[name], name
        assert services[name]["command"] == [name]


def database_url(name: str) -> str:
    """A URL for database `name` on the test suite's PostgreSQL server, as the test's own user."""
    database = settings.DATABASES["default"]
    user = quote(database["USER"], safe="")
    if database["PASSWORD"]:
        user += ":" + quote(database["PASSWORD"], safe="")
    return f"postgres://{user}@{database['HOST']}:{database['PORT'] or 5432}/{name}"


@contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """A new, empty database for this test run; dropped afterwards."""
    name = f"fapiao_entrypoint_{os.getpid()}_{label}"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(database_url("postgres"), autocommit=True) as server:
        server.execute(drop)
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(name)
    finally:
        with psycopg.connect(database_url("postgres"), autocommit=True) as server:
            server.execute(drop)


def query(url: str, statement: str) -> list[tuple]:
    with psycopg.connect(url) as connection:
        return connection.execute(statement).fetchall()


def app_env(service: dict, database: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a compose service, pointed at this machine; the venv's bin first on PATH."""
    assert settings.REDIS_URL, "the test suite runs with REDIS_URL set"
    return {
        **{name: str(value) for name, value in service["environment"].items()},
        **IMAGE_ENV,
        "DATABASE_URL": database,
        "REDIS_URL": settings.REDIS_URL,
        "DATA_DIR": str(data_dir),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(data_dir),
        "HOSTNAME": socket.gethostname(),
        **extra,
    }


def run(command: list[str], env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def empty_database() -> Iterator[str]:
    with scratch_database("empty") as url:
        yield url


@pytest.fixture(scope="module")
def migrated_database(services, tmp_path_factory) -> Iterator[str]:
    with scratch_database("migrated") as url:
        env = app_env(services["web"], url, tmp_path_factory.mktemp("data"))
        migrate = run([ENTRYPOINT, "python", "manage.py", "migrate", "--no-input"], env)
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        yield url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def started(command: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """The entrypoint running `command` in a process group of its own, output to `log`. Whatever is
    left of the group at the end is killed, so a failing test leaves nothing running."""
    with log.open("w") as output:
        process = subprocess.Popen(
            [ENTRYPOINT, command],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_until(condition: Callable[[], bool], process: subprocess.Popen, log: Path, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"{process.args} exited with {process.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{process.args}: still waiting after {seconds} s:\n{log.read_text()}")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> int:
    """SIGTERM to the entrypoint's process, as `docker stop` sends it to the container's first process.
    Returns its exit status once it and every process it started have ended."""
    process.send_signal(signal.SIGTERM)
    status = process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while group_alive(process.pid):
        if time.monotonic() > deadline:
            pytest.fail(f"{process.args}: processes it started outlived it")
        time.sleep(0.1)
    return status


def loose_data_dir(data_dir: Path) -> list[Path]:
    """A data volume as an older version left it: 0755 directories, 0644 files."""
    original = data_dir / "files" / "ab" / "cd" / ("abcd" + "0" * 60)
    backup = data_dir / "backups" / "snapshots" / "20260101T030000000000Z" / "manifest.json"
    for path in (original, backup):
        path.parent.mkdir(parents=True, mode=0o755)
        path.write_text("{}")
        path.chmod(0o644)
    for directory in (data_dir, *data_dir.rglob("*")):
        if directory.is_dir():
            directory.chmod(0o755)
    return [original, backup]


@pytest.mark.slow
def test_web_migrates_an_empty_database_then_passes_its_healthcheck(services, empty_database, tmp_path):
    port = free_port()
    env = app_env(services["web"], empty_database, tmp_path / "data", PORT=str(port))
    original, backup = loose_data_dir(tmp_path / "data")
    kind, *healthcheck = services["web"]["healthcheck"]["test"]
    assert kind == "CMD"
    log = tmp_path / "web.log"
    with started("web", env, log) as web:
        wait_until(lambda: run(healthcheck, env, timeout=10).returncode == 0, web, log)

        request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/", headers={"Host": "localhost"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response) == {"status": "ok", "checks": {"database": True, "redis": True}}
        plan = run([ENTRYPOINT, "python", "manage.py", "showmigrations", "--plan"], env)
        assert plan.returncode == 0, plan.stderr
        assert "[X]" in plan.stdout
        assert "[ ]" not in plan.stdout
        assert stop(web) == 0
    assert (original.stat().st_mode & 0o777, backup.stat().st_mode & 0o777) == (0o400, 0o600)
    for directory in (tmp_path / "data", *(tmp_path / "data").rglob("*")):
        if directory.is_dir():
            assert directory.stat().st_mode & 0o777 == 0o700, directory


@pytest.mark.slow
def test_worker_passes_its_healthcheck_and_runs_a_task(services, migrated_database, tmp_path):
    env = app_env(services["worker"], migrated_database, tmp_path / "data")
    kind, healthcheck = services["worker"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    celery_app.control.purge()  # messages other tests sent with no worker running
    log = tmp_path / "worker.log"
    with started("worker", env, log) as worker:
        wait_until(lambda: " ready." in log.read_text(), worker, log)
        ping = run(["sh", "-c", healthcheck.replace("$$", "$")], env, timeout=30)
        assert ping.returncode == 0, ping.stdout + ping.stderr
        assert "pong" in ping.stdout

        celery_app.send_task("ingest.sweep_stuck_jobs")
        sweeps = "SELECT outcome FROM monitor_checkrun WHERE name = 'ingest_sweep'"
        wait_until(lambda: query(migrated_database, sweeps) == [("ok",)], worker, log, seconds=30)
        assert stop(worker) == 0


@pytest.mark.slow
def test_beat_writes_the_periodic_tasks_into_the_database_scheduler(services, migrated_database, tmp_path):
    env = app_env(services["beat"], migrated_database, tmp_path / "data")
    log = tmp_path / "beat.log"

    def scheduled() -> dict[str, str]:
        return dict(query(migrated_database, "SELECT name, task FROM django_celery_beat_periodictask"))

    with started("beat", env, log) as beat:
        wait_until(lambda: set(BEAT_SCHEDULE) <= set(scheduled()), beat, log, seconds=30)
        assert {name: task for name, task in scheduled().items() if name in BEAT_SCHEDULE} == {
            name: entry["task"] for name, entry in BEAT_SCHEDULE.items()
        }
        assert "django_celery_beat.schedulers.DatabaseScheduler" in log.read_text()
        expiry = dict(
            query(migrated_database, "SELECT name, expire_seconds FROM django_celery_beat_periodictask")
        )
        assert {name: expiry[name] for name in BEAT_SCHEDULE} == {
            name: entry["options"]["expires"] for name, entry in BEAT_SCHEDULE.items()
        }  # each run expires before the next one is due
        assert stop(beat) == 0


@pytest.mark.slow
def test_any_other_command_runs_as_given_in_place_of_the_entrypoint(services, migrated_database, tmp_path):
    env = app_env(services["web"], migrated_database, tmp_path / "data")
    check = run([ENTRYPOINT, "python", "manage.py", "check"], env)
    assert check.returncode == 0, check.stderr
    assert "System check identified no issues" in check.stdout

    # Same process id: the command replaced the entrypoint's shell, so `docker stop` signals it directly.
    command = subprocess.Popen(
        [ENTRYPOINT, "sh", "-c", 'echo "$$" "$1"', "sh", "two words"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    output, _ = command.communicate(timeout=10)
    assert output == f"{command.pid} two words\n"


def test_web_is_published_on_loopback_only(services):
    """Only a proxy on the host reaches web; even so, a client that reached it directly is not believed
    (TRUSTED_PROXIES names the proxy)."""
    published = services["web"]["ports"]
    assert published
    for port in published:
        host_ip = port.get("host_ip") if isinstance(port, dict) else port.split(":")[0]
        assert host_ip == "127.0.0.1", port
    assert all("ports" not in services[name] for name in services if name != "web")


def test_what_the_entrypoint_runs_makes_owner_only_files(services, tmp_path):
    env = app_env(services["web"], "postgres://unused@127.0.0.1/unused", tmp_path)
    made = run([ENTRYPOINT, "sh", "-c", "umask"], env)
    assert made.stdout.strip() == "0077"


def test_web_believes_forwarded_for_only_from_the_named_proxy_the_networks_gateway():
    result = compose("config", **REQUIRED)
    assert result.returncode == 0, result.stderr
    shape = yaml.safe_load(result.stdout)
    (network,) = shape["networks"]["default"]["ipam"]["config"]
    environment = shape["services"]["web"]["environment"]
    assert environment["BEHIND_PROXY"] == "true"
    assert environment["TRUSTED_PROXIES"] == network["gateway"] == "172.31.240.1"
    assert all(service.get("networks", ["default"]) == ["default"] for service in shape["services"].values())


def login_attempts(base: str, passwords: list[str]) -> list[int]:
    """Each password posted to the login form by one browser that reached web directly (from
    127.0.0.1, not the proxy), every time claiming another address in its own X-Forwarded-For."""
    cookies = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    browser.open(urllib.request.Request(f"{base}/accounts/login/", headers={"Host": "localhost"})).read()
    csrf = next(cookie.value for cookie in cookies if cookie.name == "csrftoken")
    statuses = []
    for guess, password in enumerate(passwords):
        form = {"csrfmiddlewaretoken": csrf, "username": "alice", "password": password}
        request = urllib.request.Request(
            f"{base}/accounts/login/",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Host": "localhost", "X-Forwarded-For": f"198.51.100.{guess}", "Referer": base},
        )
        try:
            with browser.open(request) as response:
                statuses.append(302 if response.url.rstrip("/") == base else response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    return statuses


@pytest.mark.slow
def test_a_client_reaching_web_directly_cannot_dodge_the_lockout_with_its_own_forwarded_for(
    services, migrated_database, tmp_path
):
    port = free_port()
    env = app_env(services["web"], migrated_database, tmp_path / "data", PORT=str(port), BEHIND_PROXY="true")
    assert env["TRUSTED_PROXIES"] == "172.31.240.1"
    make_alice = (
        "from accounts.models import User; User.objects.filter(username='alice').delete(); "
        "User.objects.create_user('alice', password='correct-horse-battery-staple')"
    )
    created = run([ENTRYPOINT, "python", "manage.py", "shell", "-c", make_alice], env)
    assert created.returncode == 0, created.stderr
    log = tmp_path / "web.log"
    with started("web", env, log) as web:
        base = f"http://127.0.0.1:{port}"
        healthy = lambda: run(["python", "docker/healthcheck.py"], env, timeout=10).returncode == 0  # noqa: E731
        wait_until(healthy, web, log)
        statuses = login_attempts(base, ["wrong"] * 30 + ["correct-horse-battery-staple"])
        assert statuses[:4] == [200] * 4
        assert set(statuses[4:]) == {429}, statuses  # the 31st, with the right password, refused too
        assert stop(web) == 0
    sessions = query(migrated_database, "SELECT count(*) FROM django_session")
    assert sessions == [(0,)]

import os
import shutil
import subprocess
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
REQUIRED = {"SECRET_KEY": "s" * 60, "POSTGRES_PASSWORD": "pw", "ALLOWED_HOSTS": "fapiao.example.com"}


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
    assert subprocess.run(["sh", "-n", "docker/entrypoint.sh"], cwd=BASE_DIR, check=False).returncode == 0

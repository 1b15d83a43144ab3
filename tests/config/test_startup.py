"""Start-up with real environments, in a fresh interpreter each time (settings load once)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SHOW = """
import django, json
django.setup()
from django.conf import settings as s
database = s.DATABASES["default"]
print(json.dumps({
    "engine": database["ENGINE"], "name": str(database["NAME"]),
    "eager": s.CELERY_TASK_ALWAYS_EAGER, "broker": s.CELERY_BROKER_URL,
    "tz": s.TIME_ZONE, "language": s.LANGUAGE_CODE, "ssl": s.SECURE_SSL_REDIRECT,
    "email": s.EMAIL_BACKEND,
}))
"""


def start(tmp_path, *, code=SHOW, **variables) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DATA_DIR": str(tmp_path / "data"), **variables}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "SECRET_KEY": "k" * 10 + "production-key-with-enough-length-and-variety-0123456789",
    "ALLOWED_HOSTS": "fapiao.example.com",
}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG: expected true or false, got 'maybe'"),
        ({"DEBUG": "false", "ALLOWED_HOSTS": "x"}, "SECRET_KEY: required when DEBUG is off"),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS: required when DEBUG is off"),
        ({**PRODUCTION, "DATABASE_URL": "mysql://root@db/fapiao"}, "DATABASE_URL: expected a postgres://"),
        ({**PRODUCTION, "REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL: expected a redis://"),
        ({**PRODUCTION, "TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE: unknown time zone 'Mars/Olympus'"),
        ({**PRODUCTION, "LANGUAGE_CODE": "fr"}, "LANGUAGE_CODE: expected one of zh-hans, en, got 'fr'"),
        ({**PRODUCTION, "EMAIL_URL": "pigeon://coop"}, "EMAIL_URL: unknown scheme 'pigeon'"),
        ({**PRODUCTION, "HTTPS": "sometimes"}, "HTTPS: expected true or false"),
        ({**PRODUCTION, "SECRET_KEY": "short"}, "SECRET_KEY: too weak"),
        ({**PRODUCTION, "SECRET_KEY": "ab" * 40}, "SECRET_KEY: too weak"),
        ({**PRODUCTION, "SECRET_KEY": "..."}, "SECRET_KEY: a placeholder"),
        ({**PRODUCTION, "ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS: '*' accepts any host"),
        ({**PRODUCTION, "ALLOWED_HOSTS": "fapiao.example.com,*"}, "ALLOWED_HOSTS: '*' accepts any host"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, variables, message):
    result = start(tmp_path, **variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_the_embedded_defaults(tmp_path):
    result = start(tmp_path, DEBUG="true")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["name"] == str(tmp_path / "data" / "fapiao.sqlite3")
    assert shown["eager"] is True
    assert (shown["tz"], shown["language"]) == ("Asia/Shanghai", "zh-hans")
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_the_embedded_mode_runs_with_debug_off_a_local_key_and_a_queue_of_files(tmp_path):
    result = start(tmp_path, EMBEDDED="true")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["engine"], shown["eager"], shown["broker"]) == (
        "django.db.backends.sqlite3",
        False,
        "filesystem://localhost/",
    )
    assert shown["ssl"] is False
    assert (tmp_path / "data" / "queue" / "messages").is_dir()
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_the_embedded_mode_checks_print_no_warning(tmp_path):
    code = (
        "from django.core.management import execute_from_command_line as run; "
        "run(['manage.py', 'check', '--database', 'default'])"
    )
    result = start(tmp_path, code=code, EMBEDDED="true")
    assert result.returncode == 0, result.stderr
    # W040 of Invoice and BureauInvoice: their covering indexes are PostgreSQL's.
    assert result.stdout == "System check identified no issues (2 silenced).\n"
    assert result.stderr == ""


def test_debug_on_still_takes_a_dev_key_and_any_host(tmp_path):
    result = start(tmp_path, DEBUG="true", SECRET_KEY="short", ALLOWED_HOSTS="*")
    assert result.returncode == 0, result.stderr


def test_the_production_shape(tmp_path):
    result = start(
        tmp_path,
        **PRODUCTION,
        DATABASE_URL="postgres://fapiao@db:5432/fapiao",
        REDIS_URL="redis://redis:6379/0",
        EMAIL_URL="smtp+tls://u:p@mail.example.com:587",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["engine"], shown["name"]) == ("django.db.backends.postgresql", "fapiao")
    assert (shown["eager"], shown["broker"]) == (False, "redis://redis:6379/0")
    assert shown["ssl"] is True
    assert shown["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_check_deploy_reports_nothing(tmp_path):
    code = (
        "import sys; from django.core.management import execute_from_command_line as run; "
        "run(['manage.py', 'check', '--deploy', '--fail-level', 'DEBUG'])"
    )
    result = start(tmp_path, code=code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout

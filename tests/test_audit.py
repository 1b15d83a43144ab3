"""scripts/audit-dependencies: fails the build on a known vulnerability of a pinned dependency, and goes
on, saying so in one line, when no vulnerability service answers. A stand-in pip-audit first on PATH
plays the service's answers; the offline case also runs the real one with every request refused."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[1]
SCRIPT = BASE_DIR / "scripts" / "audit-dependencies"
STAND_IN = """#!{python}
import sys
from pathlib import Path

arguments = sys.argv[1:]
Path({calls!r}).write_text("\\n".join(arguments))
if {report!r}:
    Path(arguments[arguments.index("--output") + 1]).write_text({report!r})
sys.stderr.write({errors!r})
sys.exit({status})
"""
CLEAN = [
    {"name": "django", "version": "5.2.19", "vulns": []},
    {"name": "celery", "version": "5.7.0", "vulns": []},
]
NOT_FOUND = "Dependency not found on PyPI and could not be audited: {} ({})"


def audit(
    tmp_path: Path, report: list | None, errors: str = "", status: int = 0
) -> subprocess.CompletedProcess:
    """The script, with a pip-audit that writes `report` (its JSON `dependencies`) and `errors`."""
    stand_in = tmp_path / "bin" / "pip-audit"
    stand_in.parent.mkdir()
    stand_in.write_text(
        STAND_IN.format(
            python=sys.executable,
            calls=str(tmp_path / "calls"),
            report=json.dumps({"dependencies": report, "fixes": []}) if report is not None else "",
            errors=errors,
            status=status,
        )
    )
    stand_in.chmod(0o755)
    return run_script({"PATH": f"{stand_in.parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path)})


def run_script(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([SCRIPT], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_it_audits_both_pinned_files_as_they_are_without_installing_anything(tmp_path):
    result = audit(tmp_path, CLEAN)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "audit-dependencies: no known vulnerabilities in the 2 pinned packages\n"
    arguments = " ".join((tmp_path / "calls").read_text().splitlines())
    assert "--requirement requirements.txt --requirement requirements-dev.txt" in arguments
    assert "--no-deps --disable-pip" in arguments


def test_it_fails_the_build_on_a_known_vulnerability(tmp_path):
    vulnerable = {
        "name": "django",
        "version": "5.2.19",
        "vulns": [{"id": "PYSEC-2026-1", "fix_versions": ["5.2.20"], "aliases": ["CVE-2026-0001"]}],
    }
    result = audit(
        tmp_path, [vulnerable, CLEAN[1]], errors="Found 1 known vulnerability in 1 package\n", status=1
    )
    assert result.returncode == 1
    assert "django==5.2.19: PYSEC-2026-1, CVE-2026-0001 (fixed in 5.2.20)" in result.stdout
    assert "1 known vulnerabilities, 0 pins not audited, in 2 pinned packages" in result.stderr


def test_it_fails_when_the_service_does_not_know_one_pinned_version(tmp_path):
    unknown = {"name": "celery", "skip_reason": NOT_FOUND.format("celery", "5.7.99")}
    result = audit(tmp_path, [CLEAN[0], unknown])
    assert result.returncode == 1
    assert NOT_FOUND.format("celery", "5.7.99") in result.stdout
    assert "0 known vulnerabilities, 1 pins not audited" in result.stderr


def test_it_goes_on_saying_so_in_one_line_when_pypi_knows_no_pinned_version(tmp_path):
    unknown = [
        {"name": pin["name"], "skip_reason": NOT_FOUND.format(pin["name"], pin["version"])} for pin in CLEAN
    ]
    result = audit(tmp_path, unknown)
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr == (
        "audit-dependencies: could not run, no vulnerability service answered (PyPI found none of the 2 "
        "pinned versions, e.g. django (5.2.19)); the pinned dependencies were not audited\n"
    )


@pytest.mark.parametrize(
    ("errors", "why"),
    [
        (
            "ERROR:pip_audit._cli:Could not connect to PyPI's vulnerability feed\n"
            "ERROR:pip_audit._cli:Tip: your network may be blocking this service. "
            "Try another service with `-s SERVICE`\n",
            "Could not connect to PyPI's vulnerability feed",
        ),
        (
            "Traceback (most recent call last):\n"
            "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: "
            "https://pypi.org/pypi/django/5.2.19/json\n\n"
            "The above exception was the direct cause of the following exception:\n\n"
            "pip_audit._service.interface.ServiceError\n",
            "503 Server Error: Service Unavailable for url: https://pypi.org/pypi/django/5.2.19/json",
        ),
        (
            "Traceback (most recent call last):\n"
            "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): Max "
            'retries exceeded with url: /v1/query (Caused by NameResolutionError("HTTPSConnection('
            "host='api.osv.dev', port=443): Failed to resolve 'api.osv.dev' ([Errno -2] Name or service "
            'not known)"))\n',
            "api.osv.dev: [Errno -2] Name or service not known",
        ),
    ],
)
def test_it_goes_on_saying_why_in_one_line_when_the_service_fails(tmp_path, errors, why):
    result = audit(tmp_path, None, errors=errors, status=1)
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"audit-dependencies: could not run, no vulnerability service answered ({why}); "
        "the pinned dependencies were not audited"
    ]


def test_it_fails_when_pip_audit_fails_for_another_reason(tmp_path):
    errors = "ERROR:pip_audit._cli:invalid requirements input: requirements.txt\n"
    result = audit(tmp_path, None, errors=errors, status=1)
    assert result.returncode == 1
    assert errors in result.stderr


def test_the_real_pip_audit_goes_on_when_every_request_is_refused(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),  # no answer kept from an earlier run
        "PIP_CACHE_DIR": str(tmp_path / "cache" / "pip"),
        "HTTPS_PROXY": closed,
        "HTTP_PROXY": closed,
        "NO_PROXY": "",
    }
    result = run_script(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("audit-dependencies: could not run, no vulnerability service answered (pypi.org: ")
    assert "Connection refused" in line

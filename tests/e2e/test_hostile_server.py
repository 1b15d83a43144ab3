"""The attacks on the readers, against the real server: gunicorn and a Celery worker with its
prefork pool, as production runs them. A clerk's ledger import, an integrator's bureau import and a
capture each send a file made to kill the reading process; each is refused with 文件无法安全读取 or
the guard's message, the same web and worker processes go on answering, and an ordinary file sent
next is read."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from ingest.models import IngestJob, JobState
from invoices.models import Invoice
from tests.conftest import PASSWORD
from tests.fixtures import einvoices
from tests.fixtures.hostile import FAR_CELL_TAGS, far_cell_xlsx, guard_passing_xlsx, pdf_of_pages
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx
from tests.fixtures.spreadsheets import bureau_xlsx

pytestmark = pytest.mark.slow
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def tight_capture_limit(monkeypatch):
    """A capture may have 900 MB here, so that the oversized PDF reaches it within seconds."""
    monkeypatch.setenv("PARSER_CAPTURE_MEMORY_MB", "900")


@pytest.fixture
def prefork_worker(transactional_db, tmp_path):
    """A Celery worker with the prefork pool of production (tests/conftest.py's runs solo)."""
    from django.conf import settings

    from config.celery import app

    app.control.purge()
    name = f"hostile-{os.getpid()}@{tmp_path.name}"
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATA_DIR": str(settings.DATA_DIR),
        "OCR_ENGINE": "off",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    log = tmp_path / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "-c", "1",
               "-n", name, "--without-mingle", "--without-gossip", "--loglevel", "INFO"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[name], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the worker did not start:\n" + log.read_text())
    try:
        yield process, log
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def signed_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=10)
    answer = session.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=10,
    )
    assert answer.url == f"{base}/", answer.text[:500]
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


def import_page(session: requests.Session, base: str, name: str, data: bytes) -> str:
    answer = session.post(
        f"{base}/invoices/import/",
        data={"direction": "auto", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        files={"file": (name, data, XLSX)},
        timeout=120,
    )
    assert answer.status_code == 200
    return answer.text


def workers_booted(log_text: str) -> int:
    return log_text.count("Booting worker")


def test_a_clerks_hostile_ledger_files_leave_the_web_server_serving(web_server, bob, company_a, tmp_path):
    session = signed_in(web_server, "bob")

    far = import_page(
        session, web_server, "台账.xlsx", far_cell_xlsx(("发票号码",), ("1",), FAR_CELL_TAGS["single_quotes"])
    )
    crashing = import_page(session, web_server, "台账.xlsx", guard_passing_xlsx())

    assert "1048576" in far
    assert "文件无法安全读取" in crashing
    assert requests.get(f"{web_server}/healthz/", timeout=10).status_code == 200
    import_page(session, web_server, "发票基础信息.xlsx", bureau_xlsx(4, seed=11))
    assert Invoice.objects.filter(company=company_a).count() == 4
    assert workers_booted((tmp_path / "gunicorn.log").read_text()) == 2  # no worker died and was replaced


def polled_import(session: requests.Session, base: str, pk: int) -> dict:
    deadline = time.monotonic() + 120
    while True:
        body = session.get(f"{base}/api/reconcile/imports/{pk}/", timeout=10).json()
        if body["state"] not in ("queued", "reading") or time.monotonic() > deadline:
            return body
        time.sleep(0.3)


def bureau_upload(session: requests.Session, base: str, data: bytes) -> dict:
    answer = session.post(
        f"{base}/api/reconcile/imports/", files={"file": ("全量发票查询.xlsx", data, XLSX)}, timeout=60
    )
    assert answer.status_code == 202, answer.text
    return polled_import(session, base, answer.json()["id"])


def test_hostile_bureau_exports_and_captures_leave_the_worker_working(
    web_server, prefork_worker, alice, company_a
):
    process, log = prefork_worker
    session = signed_in(web_server, "alice")

    crashed = bureau_upload(session, web_server, guard_passing_xlsx())
    far = bureau_upload(
        session, web_server, far_cell_xlsx(("数电发票号码",), ("1",), FAR_CELL_TAGS["newline"])
    )
    world = scenario(40, seed=9, company_tin=company_a.tin)
    ordinary = bureau_upload(session, web_server, write_xlsx(basic_rows(world)))

    assert (crashed["state"], crashed["error_code"]) == ("failed", "unsafe_file")
    assert "文件无法安全读取" in crashed["error"]
    assert (far["state"], far["error_code"]) == ("failed", "sheet_too_large")
    assert (ordinary["state"], ordinary["row_count"]) == ("done", len(world.bureau))

    capture = session.get(f"{web_server}/capture/", timeout=10)
    assert capture.status_code == 200
    uploads = [
        ("files", ("大.pdf", pdf_of_pages(8), "application/pdf")),  # 40 million pixels a page
        ("files", ("发票.xml", einvoices.digital_invoice_xml(), "application/xml")),
    ]
    sent = session.post(
        f"{web_server}/capture/",
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
        files=uploads,
        timeout=60,
    )
    assert sent.status_code == 200
    deadline = time.monotonic() + 180
    while IngestJob.objects.filter(state__in=[JobState.QUEUED, JobState.PROCESSING]).exists():
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.5)
    jobs = {job.file_name: job for job in IngestJob.objects.all()}
    assert (jobs["大.pdf"].state, jobs["大.pdf"].reason_code) == (JobState.FAILED, "unsafe_file")
    assert jobs["发票.xml"].extraction["fields"]["number"]["value"] == einvoices.DIGITAL_SPEC.number
    assert process.poll() is None
    assert "WorkerLostError" not in log.read_text()


@pytest.fixture
def embedded_server(tmp_path):
    """The embedded server as `make run` starts it: SQLite, tasks in the web process, the demo users."""
    from tests.test_embedded import BASE_DIR, free_port, wait_for

    port, data_dir = free_port(), tmp_path / "data"
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DATA_DIR": str(data_dir), "PORT": str(port),
           "PY": sys.executable, "PARSER_CAPTURE_MEMORY_MB": "900"}  # fmt: skip
    server = subprocess.Popen(
        ["scripts/run-embedded"], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/accounts/login/", server)
        yield base, json.loads((data_dir / "demo-logins.json").read_text())["alice"], server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_the_embedded_server_refuses_hostile_files_in_its_own_process_and_carries_on(embedded_server):
    base, password, server = embedded_server
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=10)
    session.post(
        f"{base}/accounts/login/",
        data={"username": "alice", "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=10,
    )
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]

    ledger = import_page(session, base, "台账.xlsx", guard_passing_xlsx())
    sent = session.post(
        f"{base}/api/reconcile/imports/",
        files={"file": ("全量发票查询.xlsx", guard_passing_xlsx(), XLSX)},
        timeout=60,
    )
    bureau = polled_import(session, base, sent.json()["id"])  # read by the web process itself

    assert "文件无法安全读取" in ledger
    assert (bureau["state"], bureau["error_code"]) == ("failed", "unsafe_file")
    assert server.poll() is None
    assert "2 行全部导入" in import_page(session, base, "发票基础信息.xlsx", bureau_xlsx(2, seed=13))

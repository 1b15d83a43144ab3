"""Uploads past their limit are refused while they stream in: the server stops reading, its memory
does not grow with the upload, and nothing is kept. Through a real gunicorn for the memory and the
bytes read; through the test client for every page and API that takes a file."""

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from config.celery import app
from ingest.models import IngestBatch, IngestJob, StoredFile
from invoices.models import LedgerImport
from reconcile.models import BureauImport
from tests.fixtures.einvoices import digital_invoice_xml

log = logging.getLogger(__name__)
BASE_DIR = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
CSRF = "a" * 32  # an unmasked token: the cookie and the form field carry the same secret


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_memory_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])


SERVERS = {
    "gunicorn": ["-m", "gunicorn", "config.wsgi", "--bind", "127.0.0.1:{port}", "--workers", "1"],
    "runserver": ["manage.py", "runserver", "--noreload", "127.0.0.1:{port}"],  # what `make run` serves with
}


@pytest.fixture(params=list(SERVERS))
def gunicorn(request, transactional_db, tmp_path):
    """A real server on the test database and data directory (one gunicorn worker, or the
    development server of `make run`); yields (port, pid of the process that reads requests)."""
    port = free_port()
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATA_DIR": str(settings.DATA_DIR),
        "OCR_ENGINE": "off",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "TMPDIR": str(tmp_path),
    }
    log = tmp_path / "server.log"
    arguments = [argument.format(port=port) for argument in SERVERS[request.param]]
    server = subprocess.Popen(
        [sys.executable, *arguments], cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
            if children or request.param == "runserver":
                break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("the server did not start:\n" + log.read_text())
        time.sleep(0.2)
    try:
        yield port, int(children[0]) if request.param == "gunicorn" else server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def multipart(fields: dict, files: list[tuple[str, str, int]]):
    """(content length, chunks) of a multipart body; each file is `size` bytes of a PDF's look."""
    boundary = "----fapiao-desk-test-boundary"
    pieces = []
    for name, value in fields.items():
        pieces.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    sizes = []
    for field, file_name, size in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{file_name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        pieces.append(head)
        sizes.append((len(pieces), size))
        pieces.append(b"")  # the file's bytes go here
        pieces.append(b"\r\n")
    pieces.append(f"--{boundary}--\r\n".encode())
    length = sum(len(piece) for piece in pieces) + sum(size for _index, size in sizes)
    file_at = dict(sizes)

    def chunks():
        for index, piece in enumerate(pieces):
            if index in file_at:
                left = file_at[index]
                block = b"%PDF-1.7\n" + b"0" * (MB - 9)
                while left > 0:
                    yield block[: min(left, MB)]
                    left -= MB
            elif piece:
                yield piece

    return boundary, length, chunks()


def post(port: int, path: str, cookie: str, fields: dict, files: list, headers: dict | None = None):
    """POST over a raw socket, sending while the answer is read; returns (status, body, bytes sent)."""
    boundary, length, chunks = multipart(fields, files)
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    request_head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n"
        f"Cookie: {settings.SESSION_COOKIE_NAME}={cookie}; csrftoken={CSRF}\r\n"
        f"{extra}Connection: close\r\n\r\n"
    )
    connection = socket.create_connection(("127.0.0.1", port), timeout=120)
    sent = [0]

    def send():
        try:
            connection.sendall(request_head.encode())
            for chunk in chunks:
                connection.sendall(chunk)
                sent[0] += len(chunk)
        except OSError:
            pass  # the server stopped reading and closed

    sender = threading.Thread(target=send)
    sender.start()
    answer = b""
    try:
        while data := connection.recv(65536):
            answer += data
    except OSError:
        pass
    sender.join(timeout=120)
    connection.close()
    head, _sep, body = answer.partition(b"\r\n\r\n")
    status = int(head.split()[1]) if head else 0
    return status, body.decode("utf-8", "replace"), sent[0]


def nothing_kept():
    assert StoredFile.objects.count() == 0
    assert IngestBatch.objects.count() == 0 and IngestJob.objects.count() == 0
    assert BureauImport.objects.count() == 0 and LedgerImport.objects.count() == 0
    files = Path(settings.DATA_DIR) / "files"
    assert not files.exists() or not [path for path in files.rglob("*") if path.is_file()]


@pytest.mark.slow
def test_it_refuses_an_800_mb_capture_before_reading_it_and_without_growing(gunicorn, alice):
    port, worker = gunicorn
    cookie = session_cookie(alice)
    status, _body, _sent = post(
        port, "/api/capture/uploads/", cookie, {}, [("files", "warm.pdf", 2000)], {"X-CSRFToken": CSRF}
    )
    assert status == 202  # a small upload is taken (and warms the worker up)
    batches = IngestBatch.objects.count()
    before = peak_memory_kib(worker)

    status, body, sent = post(
        port, "/api/capture/uploads/", cookie, {}, [("files", "huge.pdf", 800 * MB)], {"X-CSRFToken": CSRF}
    )

    grown_mb = (peak_memory_kib(worker) - before) / 1024
    log.warning("capture API, 800 MB: worker peak grew %.1f MB, %.1f MB sent", grown_mb, sent / MB)
    assert status == 413
    assert "超过 500 MB" in body or "超过 50 MB" in body
    assert sent < 60 * MB  # the server stopped reading long before the end
    assert grown_mb < 20
    assert IngestBatch.objects.count() == batches


@pytest.mark.slow
def test_a_page_upload_with_one_file_past_the_limit_is_refused_whole_and_bounded(gunicorn, alice):
    port, worker = gunicorn
    cookie = session_cookie(alice)
    status, _body, _sent = post(port, "/capture/", cookie, {"csrfmiddlewaretoken": CSRF}, [])
    before = peak_memory_kib(worker)

    status, body, sent = post(
        port,
        "/capture/",
        cookie,
        {"csrfmiddlewaretoken": CSRF},
        [("files", "small.pdf", 3000), ("files", "大文件.pdf", 60 * MB)],
    )

    grown_mb = (peak_memory_kib(worker) - before) / 1024
    log.warning("capture page, 60 MB file: worker peak grew %.1f MB, %.1f MB sent", grown_mb, sent / MB)
    assert status == 200
    assert "大文件.pdf 超过 50 MB。" in body  # the form again, with the reason
    assert grown_mb < 20
    nothing_kept()


def upload(name: str, size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + b"0" * (size - 9), content_type="application/pdf")


SMALL_LIMITS = {
    "capture": (1 * MB, 3 * MB),
    "ledger": (1 * MB, 1 * MB),
    "bureau": (2 * MB, 2 * MB),
    "other": (MB, MB),
}


@pytest.fixture
def small_limits(settings):
    settings.UPLOAD_LIMITS = SMALL_LIMITS


def test_the_capture_page_names_the_file_too_large(browser_as, alice, small_limits):
    response = browser_as(alice).post(
        "/capture/", {"files": [upload("a.pdf", 1000), upload("b.pdf", 2 * MB)]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"files": ["b.pdf 超过 1 MB。"]}
    nothing_kept()


def test_the_capture_page_refuses_a_selection_too_large_in_all(browser_as, alice, small_limits):
    files = [upload(f"{index}.pdf", MB - 1000) for index in range(4)]
    response = browser_as(alice).post("/capture/", {"files": files})
    assert response.context["form"].errors == {"files": ["一起发送的文件超过 3 MB，请分几次上传。"]}
    nothing_kept()


def test_the_capture_api_answers_413_in_english_when_asked(api_as, alice, small_limits):
    response = api_as(alice).post(
        "/api/capture/uploads/",
        {"files": [upload("big.pdf", 2 * MB)]},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    [finding] = response.json()["findings"]
    assert finding["code"] == "too_large" and finding["field"] == "files"
    assert finding["message"] == "big.pdf is larger than 1 MB."
    nothing_kept()


def test_the_ledger_import_page_refuses_a_spreadsheet_too_large(browser_as, alice, small_limits):
    response = browser_as(alice).post(
        "/invoices/import/", {"file": upload("台账.xlsx", 2 * MB), "direction": "auto"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["台账.xlsx 超过 1 MB。"]
    nothing_kept()


def test_the_bureau_import_page_and_api_refuse_an_export_too_large(browser_as, api_as, alice, small_limits):
    page = browser_as(alice).post("/reconcile/", {"file": upload("全量发票.xlsx", 3 * MB)})
    assert page.status_code == 200
    assert page.context["form"].errors["file"] == ["全量发票.xlsx 超过 2 MB。"]
    api = api_as(alice).post(
        "/api/reconcile/imports/", {"file": upload("全量发票.csv", 3 * MB)}, format="multipart"
    )
    assert api.status_code == 413
    assert api.json()["findings"][0]["message"] == "全量发票.csv 超过 2 MB。"
    nothing_kept()


def test_a_page_that_takes_no_file_reads_none_past_the_small_limit(browser_as, alice, small_limits):
    response = browser_as(alice).post("/invoices/", {"file": upload("x.pdf", 2 * MB)})
    assert response.status_code in (200, 405)
    nothing_kept()


def test_files_within_the_limits_are_kept_whole(browser_as, alice, small_limits):
    xml = digital_invoice_xml()
    response = browser_as(alice).post(
        "/capture/", {"files": [SimpleUploadedFile("a.xml", xml), upload("b.pdf", MB - 100)]}
    )
    assert response.status_code == 302
    kept = {stored.name: stored for stored in StoredFile.objects.all()}
    assert set(kept) == {"a.xml", "b.pdf"}
    assert kept["a.xml"].size == len(xml) and kept["a.xml"].media == "xml"
    assert kept["b.pdf"].size == MB - 100 and kept["b.pdf"].media == "pdf"
    from ingest.storage import read_blob

    assert read_blob(kept["a.xml"].sha256) == xml


@pytest.mark.slow
def test_a_request_announcing_600_mb_to_the_ledger_import_is_refused_before_its_file_is_read(gunicorn, alice):
    port, worker = gunicorn
    cookie = session_cookie(alice)
    post(port, "/invoices/import/", cookie, {"csrfmiddlewaretoken": CSRF}, [])
    before = peak_memory_kib(worker)

    status, body, sent = post(
        port,
        "/invoices/import/",
        cookie,
        {"csrfmiddlewaretoken": CSRF, "direction": "auto"},
        [("file", "台账.xlsx", 600 * MB)],
    )

    grown_mb = (peak_memory_kib(worker) - before) / 1024
    log.warning("ledger import, 600 MB: worker peak grew %.1f MB, %.1f MB sent", grown_mb, sent / MB)
    assert status == 200
    assert "台账.xlsx 超过 50 MB。" in body
    assert sent < 20 * MB  # what the sockets' buffers took; the server read none of the file
    assert grown_mb < 20
    nothing_kept()


@pytest.mark.slow
def test_a_45_mb_file_within_the_limit_is_kept_without_being_held_in_memory(gunicorn, alice):
    port, worker = gunicorn
    cookie = session_cookie(alice)
    post(port, "/api/capture/uploads/", cookie, {}, [("files", "warm.pdf", 2000)], {"X-CSRFToken": CSRF})
    before = peak_memory_kib(worker)

    status, _body, sent = post(
        port, "/api/capture/uploads/", cookie, {}, [("files", "扫描合集.pdf", 45 * MB)], {"X-CSRFToken": CSRF}
    )

    grown_mb = (peak_memory_kib(worker) - before) / 1024
    log.warning("capture API, 45 MB kept: worker peak grew %.1f MB", grown_mb)
    assert status == 202 and sent > 45 * MB  # the whole body was read
    stored = StoredFile.objects.get(name="扫描合集.pdf")
    assert (stored.size, stored.media) == (45 * MB, "pdf")
    from ingest.storage import blob_path

    assert blob_path(stored.sha256).stat().st_size == 45 * MB
    assert grown_mb < 20  # hashed and copied a megabyte at a time
    app.control.purge()  # the jobs' messages, for no worker here

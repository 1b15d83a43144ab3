"""The embedded server, started the way `make run` starts it (own data dir, free port)."""

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.fixtures.einvoices import digital_invoice_xml

BASE_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: int = 120) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def upload(browser, cookies, base: str, name: str, content: bytes) -> str:
    """Posts one file from the capture page as a browser does; returns the page it lands on."""
    browser.open(f"{base}/capture/").read()
    csrf = next(cookie.value for cookie in cookies if cookie.name == "csrftoken")
    boundary = "----fapiao-desk-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{csrf}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{base}/capture/", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with browser.open(request) as response:
        return response.url


@pytest.mark.slow
def test_the_embedded_server_shows_the_chinese_login_and_lets_alice_in(tmp_path):
    port = free_port()
    data_dir = tmp_path / "data"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DATA_DIR": str(data_dir),
        "PORT": str(port),
        "PY": sys.executable,
    }
    server = subprocess.Popen(
        ["scripts/run-embedded"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        login_page = wait_for(f"{base}/accounts/login/", server)
        assert "登录发票台" in login_page
        for private in ("fapiao.sqlite3", "demo-logins.json", "secret_key"):  # owner-only: umask 077
            assert (data_dir / private).stat().st_mode & 0o077 == 0, private

        password = json.loads((data_dir / "demo-logins.json").read_text())["alice"]
        cookies = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
        browser.open(f"{base}/accounts/login/").read()
        csrf = next(cookie.value for cookie in cookies if cookie.name == "csrftoken")
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": csrf, "username": "alice", "password": password}
        ).encode()
        with browser.open(f"{base}/accounts/login/", data=form) as response:
            home = response.read().decode()
            assert response.url == f"{base}/"
        assert "北京示例科技有限公司" in home and "上海示例商贸有限公司" in home

        # DEBUG is off: a missing page is the desk's own, in Chinese, not Django's debug page.
        try:
            browser.open(f"{base}/no-such-page/")
        except urllib.error.HTTPError as missing:
            assert missing.code == 404
            assert "此处没有内容" in missing.read().decode()
        else:
            raise AssertionError("a missing page answered 200")

        # A capture is queued and the background worker reads it: the page answers at once.
        batch_url = upload(browser, cookies, base, "invoice.xml", digital_invoice_xml())
        assert re.fullmatch(rf"{base}/capture/batches/\d+/", batch_url)
        deadline = time.monotonic() + 90
        while 'value="100"' not in browser.open(batch_url + "progress/").read().decode():
            assert time.monotonic() < deadline, "the worker did not read the file within 90 s"
            time.sleep(0.5)
        worker_log = (data_dir / "worker.log").read_text()
        assert re.search(r"Task ingest\.process_job\[[0-9a-f-]+\] succeeded", worker_log), worker_log
        assert "running ingest.sweep_stuck_jobs" in (data_dir / "jobs.log").read_text()  # written as it runs
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

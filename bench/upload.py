"""A clerk's upload in the embedded mode, as `make run` serves it: 13 real e-invoices and photos from
the sample corpus (8 PDF, 5 images) sent in one request from the capture page. Prints the seconds
until the batch page is shown (the request's answer) and until every file has been read by the
background worker, with the outcome of each file.

Starts scripts/run-embedded on a scratch data directory and a free port (`make bench`)."""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("FAPIAO_SAMPLES", BASE_DIR.parent / "shared" / "fapiao" / "samples"))
sys.path.insert(0, str(BASE_DIR))

from tests.test_embedded import free_port, wait_for


def sample_files() -> list[Path]:
    return sorted((SAMPLES / "pdf").glob("*.pdf")) + sorted((SAMPLES / "img").iterdir())


def log_in(session: requests.Session, base: str, username: str, password: str) -> None:
    page = session.get(f"{base}/accounts/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    answer = session.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": csrf, "username": username, "password": password},
    )
    answer.raise_for_status()


def upload(session: requests.Session, base: str, files: list[Path]) -> tuple[float, str]:
    page = session.get(f"{base}/capture/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    started = time.monotonic()
    answer = session.post(
        f"{base}/capture/",
        data={"csrfmiddlewaretoken": csrf},
        files=[("files", (path.name, path.read_bytes())) for path in files],
    )
    answer.raise_for_status()
    return time.monotonic() - started, answer.url


def timed(session: requests.Session, url: str) -> tuple[float, requests.Response]:
    started = time.monotonic()
    answer = session.get(url)
    answer.raise_for_status()
    return time.monotonic() - started, answer


def review_card(session: requests.Session, base: str) -> None:
    """The first card of the queue of a photo: the page, its picture drawn, then kept."""
    queue = session.get(f"{base}/capture/review/").text
    rows = [row for row in queue.split("<tr data-card>")[1:] if re.search(r"\.(jpg|png) ", row)]
    card = re.search(r'href="(/capture/jobs/\d+/)"', rows[0])[1]
    page_seconds, page = timed(session, base + card)
    picture = re.search(r'data-page-image[^>]*src="([^"]+)"', page.text)[1]
    drawn, first = timed(session, base + picture)
    kept, _again = timed(session, base + picture)
    print(
        f"review card {card}: page {page_seconds:.2f} s; its picture ({len(first.content) // 1024} kB) "
        f"drawn in {drawn:.2f} s, then {kept:.3f} s from the kept copy"
    )


def main() -> None:
    files = sample_files()
    if not files:
        print(f"no sample files under {SAMPLES}: skipped")
        return
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        data_dir = Path(scratch) / "data"
        env = {
            "PATH": os.environ["PATH"],
            "HOME": scratch,
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
            wait_for(f"{base}/accounts/login/", server)
            password = json.loads((data_dir / "demo-logins.json").read_text())["alice"]
            session = requests.Session()
            log_in(session, base, "alice", password)
            answered, batch_url = upload(session, base, files)
            started = time.monotonic() - answered
            print(f"upload of {len(files)} files: batch page shown after {answered:.2f} s ({batch_url})")
            progress_url = batch_url.rstrip("/") + "/progress/"
            while time.monotonic() - started < 600:
                fragment = session.get(progress_url).text
                if 'value="100"' in fragment:
                    break
                time.sleep(0.25)
            done = time.monotonic() - started
            states = [
                state.strip() for state in re.findall(r'<span class="badge[^"]*">([^<]+)</span>', fragment)
            ]
            counts = {state: states.count(state) for state in states}
            print(f"every file read after {done:.2f} s: {counts}")
            review_card(session, base)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()

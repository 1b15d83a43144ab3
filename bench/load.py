"""Many people at once: LOAD_USERS (50) signed-in users for LOAD_SECONDS (180) against gunicorn on
127.0.0.1 with the real PostgreSQL, Redis and a Celery worker, listing, filtering and opening
invoices, opening the dashboard and uploading e-invoices. Prints requests per second, p50/p95/p99
per endpoint and every error; then how the uploads fared (they queue and are read, never refused).

Targets: zero errors; every upload accepted and read. Runs against a scratch test database."""

import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

import requests
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection

from accounts.models import Membership, User
from accounts.services import company_create
from ingest.models import IngestJob
from invoices.models import Invoice
from tests.fixtures.einvoices import DIGITAL_SPEC, digital_invoice_xml
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import scenario

USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "180"))
INVOICES = 20_000
PASSWORD = "load-test-password-1"  # noqa: S105 (the scratch database's users)
ACTIONS = ("list", "filter", "detail", "dashboard", "upload")
WEIGHTS = (30, 25, 25, 10, 10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build() -> list[int]:
    company = company_create(name=DIGITAL_SPEC.buyer_name, tin=DIGITAL_SPEC.buyer_tin)
    store_ledger(scenario(INVOICES, seed=3, share=0, company_tin=company.tin), company)
    hashed = make_password(PASSWORD)
    for index in range(USERS):
        user = User.objects.create(username=f"clerk{index:02d}", password=hashed)
        Membership.objects.create(company=company, user=user, role="accountant")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return list(Invoice.objects.filter(company=company).values_list("pk", flat=True)[:2000])


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


class Person(threading.Thread):
    def __init__(self, index: int, base: str, invoice_ids: list[int], until: float, results: dict, lock):
        super().__init__(daemon=True)
        self.index, self.base, self.invoice_ids, self.until = index, base, invoice_ids, until
        self.results, self.lock = results, lock
        self.rng = random.Random(index)
        self.session = requests.Session()
        self.uploads = 0

    def record(
        self, action: str, started: float, response: requests.Response | None, error: str = ""
    ) -> None:
        ok = response is not None and response.status_code < 400
        with self.lock:
            self.results[action].append(
                (time.perf_counter() - started, ok, error or (response and response.status_code))
            )

    def request(self, action: str, method: str, path: str, **kwargs) -> None:
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.base + path, timeout=60, **kwargs)
        except requests.RequestException as error:
            self.record(action, started, None, type(error).__name__)
            return
        self.record(action, started, response)

    def csrf(self) -> str:
        return self.session.cookies.get("csrftoken", "")

    def run(self) -> None:
        self.session.get(self.base + "/accounts/login/", timeout=60)
        self.request(
            "login", "post", "/accounts/login/",
            data={"username": f"clerk{self.index:02d}", "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
        )  # fmt: skip
        while time.monotonic() < self.until:
            action = self.rng.choices(ACTIONS, WEIGHTS)[0]
            if action == "list":
                self.request(action, "get", f"/invoices/?page={self.rng.randint(1, 20)}")
            elif action == "filter":
                self.request(
                    action, "get", f"/invoices/?direction=purchase&total_min={self.rng.randint(1, 9000)}"
                )
            elif action == "detail":
                self.request(action, "get", f"/invoices/{self.rng.choice(self.invoice_ids)}/")
            elif action == "dashboard":
                self.request(action, "get", "/dashboard/")
            else:
                self.uploads += 1
                number = f"2635{self.index:02d}{self.uploads:014d}"
                data = digital_invoice_xml(replace(DIGITAL_SPEC, number=number))
                self.request(
                    action, "post", "/capture/",
                    data={"csrfmiddlewaretoken": self.csrf()},
                    files={"files": (f"{number}.xml", data, "application/xml")},
                    headers={"Referer": self.base + "/capture/"},
                )  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(results: dict, seconds: float) -> int:
    total = sum(len(rows) for rows in results.values())
    errors = [(action, detail) for action, rows in results.items() for _t, ok, detail in rows if not ok]
    print(
        f"{USERS} users, {seconds:.0f} s: {total:,} requests, {total / seconds:.1f} per second, {len(errors)} errors"
    )
    for action in ("login", *ACTIONS):
        times = [elapsed * 1000 for elapsed, _ok, _detail in results.get(action, [])]
        if times:
            print(
                f"  {action:10} {len(times):>6,} requests  p50 {statistics.median(times):7.1f} ms  "
                f"p95 {percentile(times, 0.95):7.1f} ms  p99 {percentile(times, 0.99):7.1f} ms"
            )
    for action, detail in errors[:20]:
        print(f"  error: {action} {detail}")
    return len(errors)


def main() -> None:
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    processes = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            invoice_ids = build()
            connection.close()
            database = settings.DATABASES["default"]
            env = {
                **os.environ,
                "DATA_DIR": folder,
                "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            }
            port = free_port()
            processes.append(start(
                [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "4", "--threads", "4"],
                env, Path(folder) / "web.log",
            ))  # fmt: skip
            processes.append(start(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2", "--loglevel", "WARNING"],
                env, Path(folder) / "worker.log",
            ))  # fmt: skip
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(base + "/healthz/", timeout=2).raise_for_status()
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise RuntimeError((Path(folder) / "web.log").read_text()) from None
                    time.sleep(0.5)
            results, lock = defaultdict(list), threading.Lock()
            began = time.monotonic()
            people = [
                Person(index, base, invoice_ids, began + SECONDS, results, lock) for index in range(USERS)
            ]
            for person in people:
                person.start()
            for person in people:
                person.join()
            errors = report(results, time.monotonic() - began)
            uploads = len(results["upload"])
            waited = time.monotonic()
            while IngestJob.objects.exclude(
                state__in=["done", "failed", "needs_review", "duplicate"]
            ).exists():
                if time.monotonic() - waited > 600:
                    break
                time.sleep(2)
            states = dict(
                IngestJob.objects.values_list("state").annotate(count=django.db.models.Count("pk")).order_by()
            )
            print(
                f"uploads: {uploads:,} accepted; after {time.monotonic() - waited:.0f} s the jobs are {states}"
            )
            print("load: " + ("no errors" if not errors else f"{errors} ERRORS"))
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()

"""Fixtures shared by every test: the three people of every tenancy test and their companies.

alice is admin of company A (and, where a test needs it, of a second company), bob is a clerk
of A, charlie is admin of company B and should see nothing of A."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Membership, User
from accounts.roles import Role
from accounts.services import company_create
from tests.fixtures import samples

PASSWORD = "correct-horse-battery-staple"
TIN_A = "91310115MA1K4D8X0B"
TIN_B = "91110108MA01A2B3CF"
TIN_A2 = "91440300MA5F0E1D2M"


def make_member(username: str, company, role: str) -> User:
    user = User.objects.filter(username=username).first() or User.objects.create_user(
        username, f"{username}@example.com", PASSWORD
    )
    Membership.objects.create(company=company, user=user, role=role)
    return user


@pytest.fixture
def company_a(db):
    return company_create(name="甲商贸有限公司", tin=TIN_A)


@pytest.fixture
def company_b(db):
    return company_create(name="乙科技有限公司", tin=TIN_B)


@pytest.fixture
def alice(company_a):
    return make_member("alice", company_a, Role.ADMIN)


@pytest.fixture
def bob(company_a):
    return make_member("bob", company_a, Role.CLERK)


@pytest.fixture
def charlie(company_b):
    return make_member("charlie", company_b, Role.ADMIN)


@pytest.fixture
def company_a2(alice):
    """A second company of alice's (a bookkeeping firm keeps several clients' books)."""
    company = company_create(name="丙咨询有限公司", tin=TIN_A2)
    Membership.objects.create(company=company, user=alice, role=Role.ADMIN)
    return company


def signing_in(client_class):
    def signed_in(user: User):
        client = client_class()
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def browser_as(db):
    """A page client signed in as the given user."""
    return signing_in(Client)


@pytest.fixture
def api_as(db):
    """An API client signed in (session) as the given user."""
    return signing_in(APIClient)


@pytest.fixture(autouse=True)
def isolated_files(settings, tmp_path):
    """Each test keeps its stored originals apart; OCR is off unless a test turns it on (it loads
    a model of about a gigabyte)."""
    settings.DATA_DIR = tmp_path / "data"
    settings.OCR_ENGINE = "off"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing with the production cost makes every login take a quarter of a second."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SWEEPS = ("ingest", "reconcile.bureauimport", "reconcile.reconrun")


@pytest.fixture(autouse=True)
def broker_as_the_sweeps_left_it():
    """Each sweep finds its mark in Redis, as after its last run; a test that empties the broker
    sees the sweeps send everything queued (config/dispatch.py)."""
    from config import dispatch

    for sweep in SWEEPS:
        dispatch.broker_was_emptied(sweep)


def start_celery_worker(tmp_path, label: str):
    """A real Celery worker process on the test Redis, using the test database and the test's data
    directory and OCR setting. Returns the process once the worker answers a ping."""
    import os
    import subprocess
    import sys
    import time

    from django.conf import settings

    from config.celery import app

    name = f"{label}-{os.getpid()}@{tmp_path.name}"
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATA_DIR": str(settings.DATA_DIR),
        "OCR_ENGINE": settings.OCR_ENGINE,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    log = tmp_path / f"worker-{label}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-n",
            name,
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[name], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the worker did not start:\n" + log.read_text())
    return process, name


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real worker for tests of task behaviour; yields its name, stops it afterwards."""
    import signal

    from config.celery import app

    app.control.purge()  # messages left by tests that sent work with no worker running
    process, name = start_celery_worker(tmp_path, "worker")
    try:
        yield name
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


# The public sample corpus (tests/fixtures/samples.py): tests parametrized over its files, and a
# count at the end of the run of the tests skipped because it is absent.


def pytest_configure(config):
    config.addinivalue_line("markers", f"{samples.MARKER}: parametrized over the sample corpus's files")


def pytest_generate_tests(metafunc):
    samples.parametrize_over_samples(metafunc)


def pytest_terminal_summary(terminalreporter):
    skipped = samples.skipped_for_want_of_samples(terminalreporter.stats.get("skipped", []))
    if skipped:
        terminalreporter.write_line(f"{skipped} skipped: {samples.missing_reason()}", yellow=True)

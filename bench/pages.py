"""Server time of the pages and API calls every session starts with, for a bookkeeping firm's
admin: 20 client companies, the first with 300 members. Prints p50/p95 in milliseconds and the
number of database queries per request (which must not grow with the number of rows).

Runs against a scratch test database on the configured server (`make bench`)."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment

from accounts.models import Company, Membership, User
from accounts.roles import Role
from invoices.fapiao import uscc_check_char

COMPANIES = 20
MEMBERS = 300
ROUNDS = 30
PATHS = ["/", "/company/members/", "/api/me/", "/api/companies/", "/api/members/"]


def build() -> User:
    password = make_password("bench-password")
    alice = User.objects.create(username="alice", password=password)
    companies = []
    for index in range(COMPANIES):
        first17 = f"91310115MA{index:07d}"
        companies.append(Company(name=f"客户公司{index:02d}", tin=first17 + uscc_check_char(first17)))
    companies = Company.objects.bulk_create(companies)
    Membership.objects.bulk_create(Membership(company=c, user=alice, role=Role.ADMIN) for c in companies)
    staff = User.objects.bulk_create(
        User(username=f"staff{i:03d}", password=password) for i in range(MEMBERS)
    )
    Membership.objects.bulk_create(Membership(company=companies[0], user=u, role=Role.CLERK) for u in staff)
    return alice


def measure(client: Client, path: str) -> tuple[list[float], int]:
    headers = (
        {"HTTP_X_COMPANY": Company.objects.order_by("name").first().tin} if path.startswith("/api/") else {}
    )
    for _warm_up in range(3):
        client.get(path, **headers)
    timings = []
    for _round in range(ROUNDS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path, **headers)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return timings, len(queries)


def main() -> None:
    setup_test_environment()
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        client = Client()
        client.force_login(build())
        print(f"{COMPANIES} companies, {MEMBERS} members in the first; {ROUNDS} requests each")
        print(f"{'path':<22}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
        for path in PATHS:
            timings, queries = measure(client, path)
            p95 = statistics.quantiles(timings, n=20)[-1]
            print(f"{path:<22}{statistics.median(timings):>9.1f}{p95:>9.1f}{queries:>9}")
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()

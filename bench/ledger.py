"""The ledger at size: 200,000 invoices and 600,000 lines in PostgreSQL (160,000 of them in one
company). Prints the server time of the list page and the API list with each filter (median and
p95 over 20 requests), the time to export 50,000 rows to XLSX, and the time to import them into an
empty company.

Targets: list and API ≤ 100 ms median and ≤ 250 ms p95 with any one filter; export of 50,000 rows
≤ 15 s; import of 50,000 rows ≤ 30 s. Runs against a scratch test database (`make bench`)."""

import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from accounts.models import Membership, User
from accounts.roles import Role
from accounts.services import company_create
from invoices.exporting import export_ledger
from invoices.fapiao import Kind, uscc_check_char
from invoices.importing import import_ledger
from invoices.models import Invoice, InvoiceLine
from invoices.selectors import invoice_queryset
from invoices.services import remember_counterparties

INVOICES = {"91310115MA1K4D8X0B": 160_000, "91110108MA01A2B3CF": 40_000}
LINES_PER_INVOICE = 3
ROUNDS = 20
BATCH = 5_000
RATE = Decimal("0.13")
FILTERS = [
    ("no filter", {}),
    ("direction", {"direction": "purchase"}),
    ("kind", {"kind": "digital_ordinary"}),
    ("status", {"status": "voided"}),
    ("deduction", {"deduction": "deducted"}),
    ("date range", {"date_from": "2026-03-01", "date_to": "2026-03-31"}),
    ("counterparty TIN", {"counterparty": "SUPPLIER7"}),
    ("counterparty name", {"counterparty": "供应商17"}),
    ("total range", {"total_min": "50000", "total_max": "60000"}),
    ("has errors", {"has": "errors"}),
    ("search number", {"q": "NUMBER"}),
    ("sorted by total", {"ordering": "-total"}),
]


def tin(index: int) -> str:
    first17 = f"914403{index:04d}MA5BENCH"[:17]
    return first17 + uscc_check_char(first17)


SUPPLIERS = [(f"示例供应商{index:02d}有限公司", tin(index)) for index in range(60)]


def fill(company, rng: random.Random, count: int) -> None:
    start = date(2025, 12, 1)
    for offset in range(0, count, BATCH):
        invoices = []
        for index in range(offset, min(count, offset + BATCH)):
            name, supplier = SUPPLIERS[index % len(SUPPLIERS)]
            amount = Decimal(rng.randrange(10_000, 10_000_000)) / 100
            tax = (amount * RATE).quantize(Decimal("0.01"))
            purchase = index % 3 != 0
            number = f"26442{company.pk:03d}{index:012d}"
            invoices.append(
                Invoice(
                    company=company,
                    direction="purchase" if purchase else "sales",
                    kind=Kind.DIGITAL_SPECIAL if index % 4 else Kind.DIGITAL_ORDINARY,
                    number=number,
                    identity=number,
                    issue_date=start + timedelta(days=index % 365),
                    seller_name=name if purchase else company.name,
                    seller_tin=supplier if purchase else company.tin,
                    buyer_name=company.name if purchase else name,
                    buyer_tin=company.tin if purchase else supplier,
                    counterparty_name=name,
                    counterparty_tin=supplier,
                    amount=amount,
                    tax=tax,
                    total=amount + tax,
                    status="voided" if index % 97 == 0 else "normal",
                    deduction="deducted" if purchase and index % 5 == 0 else "unticked",
                    findings=[{"code": "total_mismatch", "severity": "error", "field": "total", "params": {}}]
                    if index % 50 == 0
                    else [],
                    error_count=1 if index % 50 == 0 else 0,
                )
            )
        Invoice.objects.bulk_create(invoices, batch_size=BATCH)
        remember_counterparties(company, invoices)
        InvoiceLine.objects.bulk_create(
            (
                InvoiceLine(
                    invoice=invoice,
                    position=position,
                    item_name="*纸制品*打印纸",
                    amount=invoice.amount / 3,
                    rate="0.13",
                    tax=invoice.tax / 3,
                )
                for invoice in invoices
                for position in range(1, LINES_PER_INVOICE + 1)
            ),
            batch_size=BATCH,
        )


def timed(fn, rounds: int = ROUNDS) -> tuple[float, float]:
    fn()
    timings = []
    for _round in range(rounds):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), statistics.quantiles(timings, n=20)[-1]


def main() -> None:
    setup_test_environment()
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rng = random.Random(2026)
        alice = User.objects.create_user("alice", password="bench-password")
        companies = []
        started = time.perf_counter()
        for company_tin, count in INVOICES.items():
            company = company_create(name=f"基准公司{company_tin[-4:]}", tin=company_tin)
            Membership.objects.create(company=company, user=alice, role=Role.ADMIN)
            fill(company, rng, count)
            companies.append(company)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does for a live database
        print(
            f"{Invoice.objects.count():,} invoices and {InvoiceLine.objects.count():,} lines loaded "
            f"in {time.perf_counter() - started:.0f} s"
        )

        company = companies[0]
        client = Client()
        client.force_login(alice)
        client.post("/company/switch/", {"company": company.pk})
        sample = invoice_queryset(company=company).order_by("pk")[1234]
        print(f"{'filter':<20}{'page p50':>10}{'page p95':>10}{'API p50':>10}{'API p95':>10}  (ms)")
        for label, params in FILTERS:
            params = {
                key: value.replace("SUPPLIER7", SUPPLIERS[7][1]).replace("NUMBER", sample.number)
                for key, value in params.items()
            }
            page = timed(lambda params=params: _ok(client.get("/invoices/", params)))
            api = timed(
                lambda params=params: _ok(client.get("/api/invoices/", params, HTTP_X_COMPANY=company.tin))
            )
            print(f"{label:<20}{page[0]:>10.1f}{page[1]:>10.1f}{api[0]:>10.1f}{api[1]:>10.1f}")
        detail = timed(lambda: _ok(client.get(f"/invoices/{sample.pk}/")))
        print(f"{'detail page':<20}{detail[0]:>10.1f}{detail[1]:>10.1f}")

        rows = invoice_queryset(company=company).order_by("pk")[:50_000].values_list("pk", flat=True)
        selection = invoice_queryset(company=company).filter(pk__in=list(rows))
        started = time.perf_counter()
        data = export_ledger(selection, "xlsx")
        print(f"export 50,000 rows to XLSX: {time.perf_counter() - started:.1f} s ({len(data) / 1e6:.1f} MB)")

        empty = company_create(name="空白公司", tin=tin(99))
        started = time.perf_counter()
        report = import_ledger(company=empty, by=alice, data=data, direction="purchase")
        print(
            f"import 50,000 rows: {time.perf_counter() - started:.1f} s "
            f"({report.added:,} added, {report.skipped:,} refused)"
        )
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


if __name__ == "__main__":
    main()

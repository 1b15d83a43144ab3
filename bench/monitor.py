"""The watch at size: 200,000 invoices in PostgreSQL and 400 MB of stored originals. Prints the
integrity check's hashing speed, the time to take a backup snapshot, and the time to verify it by
restoring it into a scratch database.

Targets: integrity hashing ≥ 200 MB/s of stored files; backup of a 200,000-invoice database ≤ 60 s;
its verified restore ≤ 120 s. Runs against a scratch test database (`make bench`)."""

import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings
from django.db import connection

from accounts.services import company_create
from ingest.models import StoredFile
from ingest.storage import store_blob
from invoices.models import Invoice, InvoiceLine
from monitor.backups import create_snapshot, verify
from monitor.integrity_check import run_integrity
from reconcile.bulk import insert_rows
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import scenario

INVOICES = 200_000
FILES = 400
FILE_BYTES = 1024 * 1024
LINES_PER_INVOICE = 3


def fill(company) -> None:
    started = time.perf_counter()
    store_ledger(scenario(INVOICES, seed=7, share=0, company_tin=company.tin), company)
    invoices = list(Invoice.objects.filter(company=company).values_list("pk", "amount", "tax"))
    insert_rows(
        InvoiceLine,
        ("invoice_id", "position", "item_name", "amount", "rate", "tax"),
        (
            (
                pk,
                position,
                "*纸制品*打印纸",
                amount if position == 1 else Decimal("0.00"),
                "0.13",
                tax if position == 1 else Decimal("0.00"),
            )
            for pk, amount, tax in invoices
            for position in range(1, LINES_PER_INVOICE + 1)
        ),
    )
    rows = []
    for index in range(FILES):
        data = index.to_bytes(4, "big") * (FILE_BYTES // 4)
        sha256 = store_blob(data)
        rows.append(
            StoredFile(company=company, sha256=sha256, size=len(data), media="pdf", name=f"{index}.pdf")
        )
    StoredFile.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"{INVOICES:,} invoices with {LINES_PER_INVOICE} lines each and {FILES} files of {FILE_BYTES // 1024} KB "
        f"made in {time.perf_counter() - started:.0f} s"
    )


def main() -> None:
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings.DATA_DIR = Path(folder) / "data"
            settings.BACKUP_DIR = Path(folder) / "backups"
            company = company_create(name="基准监控公司", tin="91310115MA1K4D8X0B")
            fill(company)

            started = time.perf_counter()
            result = run_integrity()
            seconds = time.perf_counter() - started
            counts = result.run.counts
            megabytes, hashing = counts["bytes"] / 1e6, counts["files_seconds"]
            print(
                f"integrity check: {megabytes:.0f} MB in {counts['files']} files hashed in {hashing:.1f} s = "
                f"{megabytes / hashing:.0f} MB/s; {counts['invoices_rechecked']:,} invoices re-checked against "
                f"the rules; {seconds:.1f} s in all ({len(result.rows):,} problems: the bench writes its invoices "
                f"without their findings, so each invoice with a finding counts as drifted)"
            )

            started = time.perf_counter()
            snapshot = create_snapshot()
            backup = time.perf_counter() - started
            size = sum(path.stat().st_size for path in snapshot.path.iterdir()) / 1e6
            print(f"backup snapshot: {backup:.1f} s (database part {size:.0f} MB, {FILES} originals copied)")

            started = time.perf_counter()
            verify(snapshot)
            print(f"verified restore into a scratch database: {time.perf_counter() - started:.1f} s")
    finally:
        connection.close()
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()

"""The watch at size: 200,000 invoices in PostgreSQL, each with its audit trail, and 400 MB of
stored originals. Prints the integrity check's hashing speed, the time it takes to compare every
invoice with the state its trail tells (and whether it finds the few changed behind the trail), the
time to take a backup snapshot, and the time to verify it by restoring it into a scratch database.

Targets: integrity hashing ≥ 200 MB/s of stored files; every invoice compared with its trail ≥ 2,000
invoices/s (100,000 invoices in under a minute); backup of a 200,000-invoice database ≤ 60 s; its
verified restore ≤ 120 s. Runs against a scratch test database (`make bench`)."""

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
from django.utils import timezone

from accounts.services import company_create
from ingest.models import StoredFile
from ingest.storage import store_blob
from invoices.audit import GENESIS, EventRecord, event_hash
from invoices.drafts import HEADER_FIELDS, LINE_FIELDS
from invoices.models import Invoice, InvoiceEvent, InvoiceLine
from invoices.services import snapshot_value
from monitor.backups import create_snapshot, verify
from monitor.integrity_check import run_integrity
from reconcile.bulk import insert_rows
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import scenario

INVOICES = 200_000
FILES = 400
FILE_BYTES = 1024 * 1024
LINES_PER_INVOICE = 3
CHANGED_BEHIND_THE_TRAIL = 10


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
    write_trail(company)
    change_behind_the_trail(company)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"{INVOICES:,} invoices with {LINES_PER_INVOICE} lines each and {FILES} files of {FILE_BYTES // 1024} KB "
        f"made in {time.perf_counter() - started:.0f} s"
    )


def write_trail(company) -> None:
    """Each invoice's create event, recording what invoices.services records: every header field
    that has a value, the status when not normal, the lines; hash-chained like append_events."""
    lines: dict[int, list[dict]] = {}
    for invoice_id, *values in InvoiceLine.objects.order_by("invoice_id", "position").values_list(
        "invoice_id", *LINE_FIELDS
    ):
        lines.setdefault(invoice_id, []).append(
            dict(zip(LINE_FIELDS, map(snapshot_value, values), strict=True))
        )
    invoices = (
        Invoice.objects.filter(company=company).order_by("pk").values_list("pk", "status", *HEADER_FIELDS)
    )
    at, prev_hash, rows = timezone.now(), GENESIS, []
    for seq, (pk, status, *values) in enumerate(invoices.iterator(10_000), start=1):
        changes = {
            name: [None, value]
            for name, value in zip(HEADER_FIELDS, map(snapshot_value, values), strict=True)
            if value not in ("", None, False)
        }
        if status != "normal":
            changes["status"] = [None, status]
        if pk in lines:
            changes["lines"] = [None, lines[pk]]
        record = EventRecord(0, company.pk, seq, pk, "create", None, at, changes, "", prev_hash, "")
        prev_hash = event_hash(record)
        rows.append((company.pk, seq, pk, "create", at, changes, "", record.prev_hash, prev_hash))
    columns = ("company_id", "seq", "invoice_id", "action", "at", "changes", "reason", "prev_hash", "hash")
    insert_rows(InvoiceEvent, columns, rows)


def change_behind_the_trail(company) -> None:
    """A few invoices whose amount, tax, total and first line are all cut by a tenth in the database."""
    ids = list(Invoice.objects.filter(company=company).order_by("pk").values_list("pk", flat=True))
    chosen = ids[:: len(ids) // CHANGED_BEHIND_THE_TRAIL][:CHANGED_BEHIND_THE_TRAIL]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoices_invoice SET amount = amount * 0.9, tax = tax * 0.9, total = total * 0.9 "
            "WHERE id = ANY(%s)",
            [chosen],
        )
        cursor.execute(
            "UPDATE invoices_invoiceline SET amount = amount * 0.9, tax = tax * 0.9 "
            "WHERE position = 1 AND invoice_id = ANY(%s)",
            [chosen],
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
            traced, tracing = counts["invoices_traced"], counts["trace_seconds"]
            found = sum(row["kind"] == "trail_mismatch" for row in result.rows)
            print(
                f"audit trail replayed: {traced:,} invoices compared with their trail in {tracing:.1f} s = "
                f"{traced / tracing:,.0f} invoices/s; {found} of the {CHANGED_BEHIND_THE_TRAIL} changed "
                f"behind the trail found"
            )
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

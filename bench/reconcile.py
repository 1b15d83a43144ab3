"""The reconciliation at size: a generated ledger of N invoices against the bureau's export of N
rows (10,000 and 100,000 as XLSX, 1,000,000 as CSV), with a tenth of them carrying one of every
kind of difference. Prints, per size, the time to read the export and write its rows, to load both
sides, to match them and to write the results, end to end, the peak memory of the process doing
it, and whether every injected difference landed in its category with no wrong pairing.

Targets at 100,000 a side: import ≤ 5 s, matching ≤ 2 s, writing results ≤ 3 s, end to end ≤ 15 s,
peak memory ≤ 1.5 GB; 1,000,000 a side from CSV end to end < 2 min; cost linear in N.

The import and the run happen in a separate process, as a worker would do them, so its peak
memory is theirs and not the generator's. BENCH_RECONCILE_SIZES=10000,100000 runs fewer sizes."""

import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection
from django.utils import timezone

from accounts.models import Company
from accounts.services import company_create
from invoices.fapiao import uscc_check_char
from reconcile import services
from reconcile.models import BureauImport, Discrepancy
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import AS_OF, basic_rows, scenario, write_csv, write_xlsx

SIZES = [int(size) for size in os.environ.get("BENCH_RECONCILE_SIZES", "10000,100000,1000000").split(",")]
SHARE = 0.1


class Timings(logging.Handler):
    """Collects the phase timings the import and the run log."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.seen: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        prefix = "import_" if record.name == "reconcile.services" else "run_"
        for name, seconds in getattr(record, "timings", {}).items():
            self.seen[prefix + name] = seconds


def measure(path: str, company_id: int) -> None:
    """In the child process: import the file and reconcile it, as the workers would."""
    handler = Timings()
    for name in ("reconcile.services", "reconcile.running"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
    company = Company.objects.get(pk=company_id)
    data = Path(path).read_bytes()
    as_of = timezone.make_aware(datetime.combine(AS_OF, datetime.min.time().replace(hour=18)))
    started = time.perf_counter()

    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name=Path(path).name, data=data, as_of=as_of
    )  # the workers run eagerly here: read, then reconcile
    elapsed = time.perf_counter() - started
    bureau_import.refresh_from_db()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    error = services.import_failure_message(bureau_import) if bureau_import.error_code else ""
    print(
        json.dumps(
            {
                "end_to_end": elapsed,
                "peak_mb": peak,
                "import_id": bureau_import.pk,
                "state": bureau_import.state,
                "error": error,
                **handler.seen,
            }
        )
    )


def child_environment() -> dict[str, str]:
    environment = dict(os.environ)
    database = connection.settings_dict
    environment["DATABASE_URL"] = (
        f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    )
    environment.pop("REDIS_URL", None)  # tasks in-process, one after the other
    return environment


def tin(size: int) -> str:
    first17 = f"91310115MA{size:07d}"[:17]
    return first17 + uscc_check_char(first17)


def check(world, bureau_import: BureauImport) -> tuple[int, int, int]:
    """(expected conclusions, those not reached, wrong pairings) against the ground truth."""
    run = bureau_import.runs.get()
    rows = Discrepancy.objects.filter(run=run).values_list(
        "category", "invoice__identity", "bureau_invoice__identity"
    )
    found = Counter(rows.iterator(50_000))
    unreached = world.expected - found
    wrong_pairs = sum(
        count for (_c, ours, theirs), count in (found - world.expected).items() if ours and theirs
    )
    return sum(world.expected.values()), sum(unreached.values()), wrong_pairs


def bench(size: int, folder: Path) -> None:
    started = time.perf_counter()
    world = scenario(size, seed=size, share=SHARE, company_tin=tin(size))
    generated = time.perf_counter() - started
    company = company_create(name=f"基准对账公司{size}", tin=world.company_tin)
    started = time.perf_counter()
    store_ledger(world, company)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE invoices_invoice")
    stored = time.perf_counter() - started
    file_format = "csv" if size >= 1_000_000 else "xlsx"
    started = time.perf_counter()
    data = write_csv(basic_rows(world)) if file_format == "csv" else write_xlsx(basic_rows(world))
    path = folder / f"全量发票查询-{size}.{file_format}"
    path.write_bytes(data)
    written = time.perf_counter() - started
    print(
        f"-- {size:,} a side ({len(world.ledger):,} ledger, {len(world.bureau):,} bureau rows, "
        f"{sum(world.injected.values()):,} differences injected); generated in {generated:.1f} s, "
        f"ledger stored in {stored:.1f} s, {file_format.upper()} of {len(data) / 1e6:.1f} MB written "
        f"in {written:.1f} s"
    )
    child = subprocess.run(
        [sys.executable, __file__, "--measure", str(path), str(company.pk)],
        env=child_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode:
        sys.exit(f"the measuring process failed:\n{child.stderr[-3000:]}")
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    if figures["state"] != "done":
        sys.exit(f"the import failed: {figures['error']}")
    import_total = figures["import_read"] + figures["import_written"]
    print(
        f"   import {import_total:.2f} s (read {figures['import_read']:.2f} s, rows written "
        f"{figures['import_written']:.2f} s) · load {figures['run_loaded']:.2f} s · matching "
        f"{figures['run_matched']:.2f} s · writing results {figures['run_written']:.2f} s · "
        f"end to end {figures['end_to_end']:.2f} s · peak memory {figures['peak_mb']:,.0f} MB"
    )
    expected, unreached, wrong = check(world, BureauImport.objects.get(pk=figures["import_id"]))
    print(
        f"   ground truth: {expected:,} conclusions expected, {unreached:,} not reached, "
        f"{wrong:,} wrong pairings"
    )


def main() -> None:
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with tempfile.TemporaryDirectory() as folder:
            for size in SIZES:
                bench(size, Path(folder))
    finally:
        connection.close()
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2], int(sys.argv[3]))
    else:
        main()

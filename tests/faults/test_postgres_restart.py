"""PostgreSQL dies in the middle of a reconciliation run: the run is marked failed as soon as the
database is back (nothing of it written), the company may start another at once, and that one
finds exactly what the export and the ledger differ by. Dying while an export is written, the
export is read once more as soon as the database is back."""

from collections import Counter
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection

from reconcile.models import BureauImport, BureauInvoice, Discrepancy, ReconRun
from tests.faults.outages import start_services, stop_postgres, wait_for
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import AS_OF as SCENARIO_AS_OF
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx
from tests.reconcile.test_api import polled, upload

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def database_connection() -> psycopg.Connection:
    database = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=database["NAME"], user=database["USER"], host=database["HOST"], port=database["PORT"]
    )


def answered(query):
    """The query's answer, or None while the database is away or recovering."""
    try:
        return query()
    except OperationalError:
        connection.close()
        return None


@contextmanager
def locked(table: str):
    """Another session holds `table`: work that writes to it waits there, mid-transaction."""
    holder = database_connection()
    try:
        holder.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        yield holder
    finally:
        holder.close()  # a broken connection closes quietly; a live one lets go of the lock


def restart_once_waiting(holder: psycopg.Connection, table: str) -> None:
    """Once the worker waits for `table` in the middle of its writes, PostgreSQL dies and comes back."""
    waiting = "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted"
    wait_for(lambda: holder.execute(waiting, [table]).fetchone()[0], 60, "the work did not reach its writes")
    try:
        stop_postgres()
    finally:
        start_services()


def found_what_was_expected(rerun: dict, world) -> None:
    assert rerun["state"] == "done"
    found = Counter(rerun["counts"])
    del found["arrived"]
    expected = Counter()
    for (category, _ours, _theirs), count in world.expected.items():
        expected[category] += count
    assert found == expected
    assert ReconRun.objects.get(pk=rerun["id"]).discrepancies.count() == expected.total()


def test_postgres_restarted_during_a_reconciliation_run(company_a, alice, api_as, celery_worker_process):
    world = scenario(600, seed=8, share=0.2)
    store_ledger(world, company_a)
    client = api_as(alice)
    runs = ReconRun.objects.filter(company=company_a)
    with locked(DISCREPANCIES) as holder:
        answer = upload(client, write_xlsx(basic_rows(world)), as_of=AS_OF)
        assert answer.status_code == 202
        wait_for(lambda: runs.filter(state="running", progress=60).exists(), 120, "the run did not start")
        run = runs.get()
        restart_once_waiting(holder, DISCREPANCIES)
    connection.close()

    wait_for(lambda: answered(lambda: runs.get(pk=run.pk).state) == "failed", 120, "the run was not failed")
    run.refresh_from_db()
    assert run.error.startswith("OperationalError")
    assert not run.discrepancies.exists()  # its writes went with its transaction

    again = client.post("/api/reconcile/runs/", {"bureau_import": run.bureau_import_id}, format="json")
    assert again.status_code == 202, again.content
    found_what_was_expected(polled(client, f"/api/reconcile/runs/{again.json()['id']}/", BUSY), world)


def test_postgres_restarted_while_an_export_is_written(company_a, alice, api_as, celery_worker_process):
    """The import is read once more as soon as the database is back, then reconciled."""
    world = scenario(600, seed=9, share=0.2)
    store_ledger(world, company_a)
    client = api_as(alice)
    with locked(BUREAU_INVOICES) as holder:
        answer = upload(client, write_xlsx(basic_rows(world)), as_of=AS_OF)
        assert answer.status_code == 202
        restart_once_waiting(holder, BUREAU_INVOICES)
    connection.close()

    imported = BureauImport.objects.filter(pk=answer.json()["id"])
    wait_for(lambda: answered(lambda: imported.get().state) == "done", 120, "the export was not read again")
    assert imported.get().attempts == 2
    assert BureauInvoice.objects.filter(bureau_import=imported.get()).count() == imported.get().row_count
    run = ReconRun.objects.get(bureau_import=imported.get())
    found_what_was_expected(polled(client, f"/api/reconcile/runs/{run.pk}/", BUSY), world)


AS_OF = f"{SCENARIO_AS_OF}T18:00:00+08:00"  # the scenario's export, taken that evening
BUSY = ("queued", "running")
DISCREPANCIES, BUREAU_INVOICES = Discrepancy._meta.db_table, BureauInvoice._meta.db_table

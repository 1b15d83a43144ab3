"""PostgreSQL dies in the middle of a reconciliation run: the run is marked failed as soon as the
database is back (nothing of it written), the company may start another at once, and that one
finds exactly what the export and the ledger differ by."""

from collections import Counter

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection

from reconcile.models import ReconRun
from tests.faults.outages import start_services, stop_postgres, wait_for
from tests.fixtures.recon_ledger import store_ledger
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


WAITING = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%'"


def test_postgres_restarted_during_a_reconciliation_run(company_a, alice, api_as, celery_worker_process):
    world = scenario(600, seed=8, share=0.2)
    store_ledger(world, company_a)
    client = api_as(alice)
    # Another session holds the table the run writes its findings to: the run gets as far as writing
    # them and waits there, mid-transaction, when the database goes away.
    holder = database_connection()
    try:
        holder.execute("LOCK TABLE reconcile_discrepancy IN SHARE ROW EXCLUSIVE MODE")
        answer = upload(client, write_xlsx(basic_rows(world)), as_of=f"{world.as_of}T18:00:00+08:00")
        assert answer.status_code == 202
        runs = ReconRun.objects.filter(company=company_a)
        wait_for(lambda: runs.filter(state="running", progress=60).exists(), 120, "the run did not start")
        wait_for(lambda: holder.execute(WAITING).fetchone()[0] == 1, 60, "the run did not reach its writes")
        run = runs.get()
        try:
            stop_postgres()
        finally:
            start_services()
    finally:
        holder.close()  # a broken connection closes quietly; a live one lets go of the lock
    connection.close()

    wait_for(lambda: answered(lambda: runs.get(pk=run.pk).state) == "failed", 120, "the run was not failed")
    run.refresh_from_db()
    assert run.error.startswith("OperationalError")
    assert not run.discrepancies.exists()  # its writes went with its transaction

    again = client.post("/api/reconcile/runs/", {"bureau_import": run.bureau_import_id}, format="json")
    assert again.status_code == 202, again.content
    rerun = polled(client, f"/api/reconcile/runs/{again.json()['id']}/", ("queued", "running"))
    assert rerun["state"] == "done"
    found = Counter(rerun["counts"])
    del found["arrived"]
    expected = Counter()
    for (category, _ours, _theirs), count in world.expected.items():
        expected[category] += count
    assert found == expected
    assert ReconRun.objects.get(pk=rerun["id"]).discrepancies.count() == expected.total()

"""A finished reconciliation reports its open differences to the watch at once: the worklist and the
alerts hold them without waiting for the hourly scan. Through a real Celery worker, as in production."""

import time
from datetime import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from monitor.models import Anomaly
from monitor.watch import OPEN_KINDS
from reconcile import services
from reconcile.models import ReconRun
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import AS_OF, basic_rows, scenario, write_xlsx

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def finished(company, seconds: float = 60) -> ReconRun:
    """The company's reconciliation once the worker is through with it: the run's task reports to
    the watch right after the run is marked done, so the worker is asked when it holds no task."""
    from config.celery import app

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = ReconRun.objects.filter(company=company).first()
        busy = any((app.control.inspect(timeout=0.5).active() or {"": [1]}).values())
        if run is not None and run.state in (ReconRun.State.DONE, ReconRun.State.FAILED) and not busy:
            return run
        time.sleep(0.2)
    raise AssertionError("the reconciliation did not finish")


def test_a_finished_run_puts_its_open_differences_on_the_worklist_at_once(
    company_a, alice, browser_as, celery_worker_process
):
    world = scenario(
        120, seed=97, share=0.4, company_tin=company_a.tin, counterparties=30,
        injections=("decimal_shift", "tin_char", "voided", "missing_in_bureau", "suspected"),
    )  # fmt: skip
    store_ledger(world, company_a)
    moment = timezone.make_aware(datetime.combine(AS_OF, datetime.min.time().replace(hour=20)))
    services.bureau_import_create(
        company=company_a,
        by=alice,
        name="全量发票查询.xlsx",
        data=write_xlsx(basic_rows(world)),
        as_of=moment,
    )  # the worker reads it and runs the reconciliation; nobody runs the hourly scan
    run = finished(company_a)
    assert run.state == "done"

    open_ones = run.discrepancies.filter(state="open", category__in=OPEN_KINDS)
    expected = {
        f"purchase:{row['category']}": (row["n"], row["tax"])
        for row in open_ones.values("category").annotate(n=Sum(1), tax=Sum("tax_at_risk")).order_by()
    }
    assert set(expected) == {
        f"purchase:{kind}" for kind in ("mismatch", "tin_error", "status_changed", "suspected")
    }
    alerts = Anomaly.objects.filter(company=company_a, kind="open_discrepancies", state="open")
    assert {alert.key: (alert.details["count"], alert.money_at_stake) for alert in alerts} == expected

    missing = set(run.discrepancies.filter(category="missing_in_bureau").values_list("identity", flat=True))
    delays = Anomaly.objects.filter(company=company_a, kind="sync_delay", state="open")
    assert missing and missing <= {identity for alert in delays for identity in alert.details["invoices"]}

    run_at_risk = run.discrepancies.filter(state="open").aggregate(tax=Sum("tax_at_risk"))["tax"]
    on_the_worklist = browser_as(alice).get("/dashboard/worklist/").context["page"].paginator.object_list
    assert sum((alert.money_at_stake for alert in on_the_worklist), Decimal("0.00")) >= run_at_risk > 0

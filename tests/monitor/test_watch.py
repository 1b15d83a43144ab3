"""The hourly scan: an invoice the bureau still lacks after the sync lag, unticked invoices before
the filing deadline, bureau data too old to trust — each an anomaly that goes away with its cause."""

from dataclasses import replace
from datetime import date, datetime
from statistics import median

import pytest
from django.utils import timezone

from accounts.services import company_create
from ingest.models import IngestJob, JobState
from ingest.services import Upload, receive_files
from invoices.fapiao import Kind, invoice_identity
from invoices.models import Deduction, Invoice
from monitor.messages import sentence
from monitor.models import Anomaly
from monitor.watch import DEDUCTIBLE_KINDS, WatchSettings, filing_deadline, scan_all
from reconcile import running, services
from reconcile.models import ReconRun
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx

pytestmark = pytest.mark.django_db
WATCH = WatchSettings(deadline_day=15, deadline_warning_days=5, stale_import_days=7)


def live(kind: str) -> list[Anomaly]:
    return list(Anomaly.objects.filter(kind=kind).exclude(state="resolved").order_by("key"))


def import_bureau(company, world, as_of: date, name: str) -> None:
    moment = timezone.make_aware(datetime.combine(as_of, datetime.min.time().replace(hour=20)))
    data = write_xlsx(basic_rows(world))
    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name=name, data=data, as_of=moment
    )
    services.read_import(bureau_import.pk)


@pytest.fixture
def books():
    """A ledger of March purchases; the bureau's export of 2026-03-31 lacks one of them."""
    world = scenario(30, seed=41, share=0)
    company = company_create(name="甲商贸有限公司", tin=world.company_tin)
    late = replace(world.ledger[0], issue_date=date(2026, 3, 20))
    world.ledger[0] = late
    store_ledger(world, company)
    world.bureau = [record for record in world.bureau if record.identity != late.identity]
    import_bureau(company, world, date(2026, 3, 31), "march.xlsx")
    return company, world, late


def test_an_invoice_missing_past_the_sync_lag_is_an_anomaly_until_it_arrives(books):
    company, world, late = books
    assert company.sync_lag_days == 3
    scan_all(date(2026, 3, 23), WATCH)
    assert live("sync_delay") == []  # three days: still within the lag
    scan_all(date(2026, 3, 24), WATCH)
    (anomaly,) = live("sync_delay")
    assert anomaly.key == f"seller:{late.seller_tin}"
    assert anomaly.details["invoices"] == [late.identity] and anomaly.details["oldest_days"] == 4
    assert anomaly.money_at_stake == late.tax
    scan_all(date(2026, 3, 25), WATCH)
    assert live("sync_delay") == [anomaly]  # seen again: the same anomaly, not a second
    assert Anomaly.objects.filter(kind="sync_delay").count() == 1

    world.bureau.append(replace(late, key="Blate"))
    import_bureau(company, world, date(2026, 4, 2), "april.xlsx")
    scan_all(date(2026, 4, 2), WATCH)
    assert live("sync_delay") == []
    assert Anomaly.objects.get(kind="sync_delay").state == "resolved"


def test_a_sellers_usual_days_to_appear_are_given(books):
    company, world, late = books
    arrived = [
        replace(
            record,
            key=f"X{index}",
            seller_tin=late.seller_tin,
            number=f"8800000{index}",
            identity=invoice_identity(record.code, f"8800000{index}"),
            issue_date=date(2026, 3, 25 + index),
        )
        for index, record in enumerate(world.bureau[:3])
    ]
    world.bureau += arrived  # three more invoices of the late seller, first in the export of 04-03
    import_bureau(company, world, date(2026, 4, 3), "april.xlsx")
    scan_all(date(2026, 4, 3), WATCH)
    (anomaly,) = live("sync_delay")
    # 9, 8 and 7 days; the invoices already in the first export (03-31) say nothing of when they came
    assert anomaly.details["usual_days"] == median([9, 8, 7]) == 8


@pytest.mark.parametrize(
    ("today", "alert"),
    [
        (date(2026, 4, 9), False),
        (date(2026, 4, 10), True),
        (date(2026, 4, 15), True),
        (date(2026, 4, 16), False),
    ],
)
def test_unticked_invoices_raise_an_alert_in_the_days_before_the_filing_deadline(books, today, alert):
    company, _world, _late = books
    scan_all(today, WATCH)
    found = live("deadline")
    assert bool(found) is alert
    if alert:
        (anomaly,) = found
        assert anomaly.key == "period:2026-03"
        assert anomaly.details["deadline"] == "2026-04-15"
        deductible = Invoice.objects.filter(company=company, kind__in=DEDUCTIBLE_KINDS)
        assert 0 < anomaly.details["count"] == deductible.count() < Invoice.objects.count()


def test_a_digital_invoice_whose_kind_is_to_be_confirmed_counts_before_the_deadline(books):
    company, _world, _late = books
    special = (
        Kind.SPECIAL,
        Kind.E_SPECIAL,
        Kind.DIGITAL_SPECIAL,
        Kind.DIGITAL_PAPER_SPECIAL,
        Kind.TOLL,
        Kind.MOTOR_VEHICLE,
    )
    unticked = Invoice.objects.filter(company=company, kind__in=special).count()
    Invoice.objects.filter(company=company, kind=Kind.DIGITAL_SPECIAL).update(kind=Kind.DIGITAL_UNKNOWN)
    scan_all(date(2026, 4, 12), WATCH)
    (anomaly,) = live("deadline")
    assert anomaly.details["count"] == unticked


def test_ticking_the_invoices_resolves_the_deadline_alert(books):
    company, _world, _late = books
    scan_all(date(2026, 4, 12), WATCH)
    assert live("deadline")
    Invoice.objects.filter(company=company).update(
        deduction=Deduction.DEDUCTED, deduction_period=date(2026, 3, 1)
    )
    scan_all(date(2026, 4, 13), WATCH)
    assert live("deadline") == []


def test_a_deadline_moved_by_holidays_is_used(settings):
    settings.FILING_DEADLINES = {"2026-09": "2026-10-26"}
    assert filing_deadline(date(2026, 9, 1), WATCH) == date(2026, 10, 26)
    assert filing_deadline(date(2026, 12, 1), WATCH) == date(2027, 1, 15)


def test_bureau_data_older_than_a_week_is_stale(books):
    scan_all(date(2026, 4, 7), WATCH)
    assert live("stale_bureau_data") == []
    scan_all(date(2026, 4, 8), WATCH)
    (anomaly,) = live("stale_bureau_data")
    assert anomaly.details == {"days": 8, "limit": 7}


def test_a_company_with_purchases_and_no_bureau_data_is_told_to_import():
    world = scenario(5, seed=42, share=0)
    company = company_create(name="甲商贸有限公司", tin=world.company_tin)
    store_ledger(world, company)
    counts = scan_all(date(2026, 4, 1), WATCH)
    assert counts == {
        "sync_delay": 0, "deadline": 0, "stale_bureau_data": 1,
        "open_discrepancies": 0, "invoice_errors": 0, "failed_captures": 0,
    }  # fmt: skip
    assert live("stale_bureau_data")[0].details["days"] is None


def test_open_differences_faulty_invoices_and_failed_captures_are_reported(books):
    company, world, _late = books
    shifted = Invoice.objects.get(company=company, identity=world.ledger[2].identity)
    Invoice.objects.filter(pk=shifted.pk).update(
        tax=shifted.tax * 10, total=shifted.amount + shifted.tax * 10
    )
    for run in ReconRun.objects.filter(company=company, state=ReconRun.State.QUEUED):
        running.execute_run(run.pk)
    Invoice.objects.filter(company=company, identity=world.ledger[1].identity).update(error_count=1)
    batch = receive_files(company=company, by=None, channel="api", uploads=[Upload("x.xml", b"<broken")])
    IngestJob.objects.filter(batch=batch).update(state=JobState.FAILED)

    counts = scan_all(date(2026, 4, 1), WATCH)
    assert (counts["invoice_errors"], counts["failed_captures"]) == (1, 1)
    assert [anomaly.details["count"] for anomaly in live("invoice_errors")] == [1]
    assert live("failed_captures")[0].subject_url == "/capture/failed/"
    (open_one,) = live("open_discrepancies")  # the late invoice is the sync scan's, not counted here
    assert (open_one.key, open_one.details["count"]) == ("purchase:mismatch", 1)
    assert "字段不一致" in sentence(open_one) and "进项" in sentence(open_one)

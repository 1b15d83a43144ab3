"""Work a dead worker left behind: queued once more, then failed, never blocking the company."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from config.celery import app
from reconcile import running, services
from reconcile.models import BureauImport, ReconRun
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db):
    from accounts.services import company_create

    return company_create(name="甲商贸有限公司", tin="91310115MA1K4D8X0B")


@pytest.fixture(autouse=True)
def no_messages_left():
    yield
    app.control.purge()  # the sweep sends the work again to a queue no worker reads here


def imported(company) -> BureauImport:
    data = write_xlsx(basic_rows(scenario(5, seed=1, share=0)))
    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name="a.xlsx", data=data
    )
    services.read_import(bureau_import.pk)
    bureau_import.refresh_from_db()
    return bureau_import


def test_a_run_left_running_is_queued_once_more_then_failed_and_the_company_can_start_again(company):
    run = imported(company).runs.get()
    long_ago = timezone.now() - timedelta(minutes=30)
    ReconRun.objects.filter(pk=run.pk).update(state="running", started_at=long_ago, attempts=1)
    assert services.sweep_stuck() == {"requeued": 1, "failed": 0, "sent_again": 0}
    run.refresh_from_db()
    assert (run.state, run.started_at) == ("queued", None)
    assert services.sweep_stuck() == {"requeued": 0, "failed": 0, "sent_again": 0}  # queued is not stuck

    ReconRun.objects.filter(pk=run.pk).update(state="running", started_at=long_ago, attempts=2)
    assert services.sweep_stuck() == {"requeued": 0, "failed": 1, "sent_again": 0}
    run.refresh_from_db()
    assert (run.state, run.error) == ("failed", "interrupted")
    again = services.run_start(company=company, by=None, bureau_import=run.bureau_import)
    running.execute_run(again.pk)
    again.refresh_from_db()
    assert again.state == "done"


def test_an_import_left_reading_is_read_again_then_failed_with_a_reason(company):
    bureau_import = imported(company)
    long_ago = timezone.now() - timedelta(minutes=30)
    BureauImport.objects.filter(pk=bureau_import.pk).update(state="reading", started_at=long_ago, attempts=1)
    assert services.sweep_stuck()["requeued"] == 1
    BureauImport.objects.filter(pk=bureau_import.pk).update(state="reading", started_at=long_ago, attempts=2)
    assert services.sweep_stuck()["failed"] == 1
    bureau_import.refresh_from_db()
    assert bureau_import.error_code == "crashed"
    assert "文件无法安全读取" in services.import_failure_message(bureau_import)


def test_work_under_way_is_left_alone(company):
    run = imported(company).runs.get()
    ReconRun.objects.filter(pk=run.pk).update(state="running", started_at=timezone.now(), attempts=1)
    assert services.sweep_stuck() == {"requeued": 0, "failed": 0, "sent_again": 0}


def test_work_whose_message_never_went_out_or_was_lost_is_sent_again(
    company, django_capture_on_commit_callbacks
):
    """The broker was unreachable when the run was queued (no sent_at), or restarted and lost the
    message (sent long ago): the sweep sends it again and stamps it; work just queued is left."""
    run = imported(company).runs.get()
    assert run.state == "queued" and run.sent_at is None  # no commit inside the test's transaction
    assert services.sweep_stuck()["sent_again"] == 0  # just queued: its own send may still come
    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    ReconRun.objects.filter(pk=run.pk).update(created_at=two_minutes_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_stuck()["sent_again"] == 1
    run.refresh_from_db()
    assert run.sent_at is not None
    assert services.sweep_stuck()["sent_again"] == 0  # sent a moment ago
    ReconRun.objects.filter(pk=run.pk).update(sent_at=timezone.now() - timedelta(minutes=30))
    assert services.sweep_stuck()["sent_again"] == 1  # its message was lost with the broker


def test_an_import_that_lost_the_database_is_read_once_more_then_failed(company):
    bureau_import = imported(company)
    BureauImport.objects.filter(pk=bureau_import.pk).update(
        state="reading", started_at=timezone.now(), attempts=1
    )
    services.import_interrupted(bureau_import.pk)
    bureau_import.refresh_from_db()
    assert (bureau_import.state, bureau_import.started_at) == ("queued", None)
    BureauImport.objects.filter(pk=bureau_import.pk).update(
        state="reading", started_at=timezone.now(), attempts=2
    )
    services.import_interrupted(bureau_import.pk)
    bureau_import.refresh_from_db()
    assert (bureau_import.state, bureau_import.error_code) == ("failed", "interrupted")


def test_after_redis_was_emptied_the_sweep_sends_everything_queued_at_once(
    company, django_capture_on_commit_callbacks
):
    """A Redis restarted without its data lost every message; the sweep finds its mark gone."""
    run = imported(company).runs.get()
    ReconRun.objects.filter(pk=run.pk).update(sent_at=timezone.now())  # sent a moment ago
    assert services.sweep_stuck()["sent_again"] == 0
    cache.clear()  # what a restart of a Redis without persistence leaves
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_stuck()["sent_again"] == 1
    assert services.sweep_stuck()["sent_again"] == 0  # the mark is back

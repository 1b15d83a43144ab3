"""Invoices issued after the export's last invoice but before it was taken: each missing_in_bureau
or pending_sync by its age, none left out; those issued after the as-of are left out and counted on
the run. The export's title names its period and its 导出时间, which is its as-of unless one is given."""

from collections import Counter
from datetime import date, datetime, time

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.services import company_create
from reconcile import running, services
from reconcile.models import BureauImport, Discrepancy, ReconRun
from tests.fixtures.recon_ledger import store_ledger
from tests.fixtures.recon_scenarios import (
    EXPORTED_AT,
    MONTH,
    SYNC_LAG_DAYS,
    basic_rows,
    month_end_title,
    recent_scenario,
    write_xlsx,
)
from tests.reconcile.test_ground_truth import discrepancy_triples

pytestmark = pytest.mark.django_db

EXPORT_DAY = EXPORTED_AT.date()
SHAPES = {
    # 查询条件 names the month, 导出时间 the next morning: the as-of comes from the title.
    "month-and-export-time": (month_end_title(), MONTH[1], None),
    # The bureau's query runs to the day of the export (its default end date).
    "range-to-the-export-day": (month_end_title(asked_to=EXPORT_DAY), EXPORT_DAY, None),
    # No period or time in the title: from the first month to the as-of the user typed.
    "no-title-as-of-typed": ([["发票基础信息"]], EXPORT_DAY, EXPORT_DAY),
}


def typed(day: date) -> datetime:
    """A day entered on the import page (reconcile/forms.py as_of_moment)."""
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


def reconcile_export(company, data: bytes, as_of: datetime | None = None) -> tuple[BureauImport, ReconRun]:
    bureau_import, _created = services.bureau_import_create(
        company=company, by=None, name="发票基础信息.xlsx", data=data, as_of=as_of
    )
    services.read_import(bureau_import.pk)
    bureau_import.refresh_from_db()
    run = bureau_import.runs.get()
    running.execute_run(run.pk)
    run.refresh_from_db()
    return bureau_import, run


@pytest.mark.parametrize("shape", SHAPES)
def test_every_recent_invoice_gets_its_conclusion_by_the_sync_lag(shape):
    title, last_day, as_of_typed = SHAPES[shape]
    recent = recent_scenario(last_day=last_day, as_of=EXPORT_DAY, seed=3)
    world = recent.world
    company = company_create(name="甲商贸有限公司", tin=world.company_tin)
    store_ledger(world, company)
    data = write_xlsx(basic_rows(world, title=title))
    bureau_import, run = reconcile_export(company, data, typed(as_of_typed) if as_of_typed else None)

    assert timezone.localtime(bureau_import.as_of).date() == EXPORT_DAY
    assert max(record.issue_date for record in world.bureau) < min(r.issue_date for r in recent.recent)
    assert discrepancy_triples(run) == world.expected
    rows = Discrepancy.objects.filter(run=run, identity__in=[record.identity for record in recent.recent])
    categories = Counter(rows.values_list("category", flat=True))
    ages = [(EXPORT_DAY - record.issue_date).days for record in recent.recent]
    assert categories == {
        "missing_in_bureau": sum(age > SYNC_LAG_DAYS for age in ages),
        "pending_sync": sum(age <= SYNC_LAG_DAYS for age in ages),
    }
    assert sum(categories.values()) == 12 and len(categories) == 2
    assert sorted(rows.values_list("days_missing", flat=True)) == sorted(ages)
    later = [record.identity for record in recent.later]
    assert not Discrepancy.objects.filter(run=run, identity__in=later).exists()
    assert all(record.issue_date > EXPORT_DAY for record in recent.later)
    assert (run.left_out_later, run.left_out_earlier) == (len(recent.later), len(recent.earlier)) == (3, 2)
    assert (run.scope_start, run.scope_end) == (MONTH[0], last_day)


def month_end_export(company, *, seed: int, ledger: bool = True, as_of: datetime | None = None):
    """The scenario's export under the bureau's title rows, read and reconciled."""
    recent = recent_scenario(last_day=MONTH[1], as_of=EXPORT_DAY, seed=seed, company_tin=company.tin)
    if ledger:
        store_ledger(recent.world, company)
    data = write_xlsx(basic_rows(recent.world, title=month_end_title()))
    return recent, *reconcile_export(company, data, as_of)


def test_the_title_is_kept_on_the_import_and_its_export_time_is_the_as_of(company_a):
    _recent, bureau_import, _run = month_end_export(company_a, seed=4, ledger=False)
    exported = timezone.make_aware(EXPORTED_AT)
    assert (bureau_import.query_start, bureau_import.query_end) == MONTH
    assert (bureau_import.exported_at, bureau_import.as_of) == (exported, exported)
    assert bureau_import.as_of_source == BureauImport.AsOfSource.EXPORTED


def test_an_as_of_given_on_upload_wins_over_the_export_time(company_a):
    given = typed(date(2025, 12, 3))
    recent, bureau_import, run = month_end_export(company_a, seed=5, as_of=given)
    assert (bureau_import.as_of, bureau_import.as_of_source) == (given, BureauImport.AsOfSource.TYPED)
    assert bureau_import.exported_at == timezone.make_aware(EXPORTED_AT)
    # Ages count to the day given; the scope still ends where the export's query ended.
    missing = run.discrepancies.filter(category__in=["missing_in_bureau", "pending_sync"])
    days = dict(missing.values_list("identity", "days_missing"))
    assert {record.identity: (date(2025, 12, 3) - record.issue_date).days for record in recent.recent} == days
    assert (run.scope_end, run.left_out_later) == (MONTH[1], 3)


def test_an_export_time_later_than_today_is_not_taken(company_a):
    recent = recent_scenario(last_day=MONTH[1], as_of=EXPORT_DAY, seed=6, company_tin=company_a.tin)
    future = datetime(2999, 1, 1, 8, 0)
    data = write_xlsx(basic_rows(recent.world, title=month_end_title(exported_at=future)))
    bureau_import, _run = reconcile_export(company_a, data)
    assert (bureau_import.exported_at, bureau_import.as_of_source) == (None, BureauImport.AsOfSource.UPLOADED)
    assert timezone.localtime(bureau_import.as_of).date() == timezone.localdate()


def test_the_import_page_says_what_the_title_said(company_a, alice, browser_as):
    _recent, bureau_import, _run = month_end_export(company_a, seed=7, ledger=False)
    browser = browser_as(alice)
    page = browser.get(f"/reconcile/imports/{bureau_import.pk}/").content.decode()
    assert "查询的开票日期</dt><dd>2025-11-01 – 2025-11-30" in page
    assert "导出时间</dt><dd>2025-12-01 09:12" in page and "（取自文件标题行的导出时间）" not in page
    assert '2025-12-01 09:12 <small class="muted">(取自文件标题行的导出时间)</small>' in page
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = browser.get(f"/reconcile/imports/{bureau_import.pk}/").content.decode()
    assert "Issue dates asked for</dt>" in english and "Export time</dt>" in english
    assert "(the export time in the file&#x27;s title)" in english


def test_the_run_page_says_what_was_compared_and_what_was_left_out(company_a, alice, browser_as):
    _recent, _import, run = month_end_export(company_a, seed=8)
    browser = browser_as(alice)
    page = browser.get(f"/reconcile/runs/{run.pk}/").content.decode()
    assert "比对范围：开票日期 2025-11-01 至 2025-11-30。" in page
    assert "台账中另有 3 张发票开票日期晚于 2025-11-30（本次导出涵盖的最后一天），本次未比对。" in page
    assert "台账中另有 2 张发票开票日期早于 2025-11-01，不在本次导出范围内，本次未比对。" in page
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = browser.get(f"/reconcile/runs/{run.pk}/").content.decode()
    assert "Issue dates compared: 2025-11-01 to 2025-11-30." in english
    assert (
        "The ledger holds 3 more invoices issued after 2025-11-30, the last day this export covers: "
        "they were not compared." in english
    )
    assert (
        "The ledger holds 2 more invoices issued before 2025-11-01, outside this export: they were not "
        "compared." in english
    )


def test_a_run_that_left_nothing_out_says_nothing_of_it(company_a, alice, browser_as):
    recent = recent_scenario(last_day=MONTH[1], as_of=EXPORT_DAY, seed=9, company_tin=company_a.tin)
    recent.world.ledger = [record for record in recent.world.ledger if record not in recent.later]
    recent.world.ledger = [record for record in recent.world.ledger if record not in recent.earlier]
    store_ledger(recent.world, company_a)
    _import, run = reconcile_export(company_a, write_xlsx(basic_rows(recent.world, title=month_end_title())))
    assert (run.left_out_earlier, run.left_out_later) == (0, 0)
    page = browser_as(alice).get(f"/reconcile/runs/{run.pk}/").content.decode()
    assert "台账中另有" not in page


def test_the_api_gives_the_title_the_scope_and_what_was_left_out(company_a, alice, api_as):
    _recent, bureau_import, run = month_end_export(company_a, seed=10)
    api = api_as(alice)
    answer = api.get(f"/api/reconcile/runs/{run.pk}/").json()
    assert (answer["scope_start"], answer["scope_end"]) == ("2025-11-01", "2025-11-30")
    assert (answer["left_out_earlier"], answer["left_out_later"]) == (2, 3)
    answer = api.get(f"/api/reconcile/imports/{bureau_import.pk}/").json()
    title = (answer["query_start"], answer["query_end"], answer["exported_at"], answer["as_of_source"])
    assert title == ("2025-11-01", "2025-11-30", "2025-12-01T09:12:33+08:00", "exported")


def test_a_stranger_sees_none_of_it(company_a, alice, charlie, browser_as, api_as):
    _recent, bureau_import, run = month_end_export(company_a, seed=11)
    before = (list(ReconRun.objects.values()), list(BureauImport.objects.values()))
    stranger = browser_as(charlie)
    assert stranger.get(f"/reconcile/runs/{run.pk}/").status_code == 404
    assert stranger.get(f"/reconcile/imports/{bureau_import.pk}/").status_code == 404
    assert api_as(charlie).get(f"/api/reconcile/runs/{run.pk}/").status_code == 404
    assert api_as(charlie).get(f"/api/reconcile/imports/{bureau_import.pk}/").status_code == 404
    assert (list(ReconRun.objects.values()), list(BureauImport.objects.values())) == before

"""The demo opens on a finished reconciliation: both of the Shanghai company's bureau exports
read and reconciled, with each kind of difference the desk explains, and a dashboard on the month
being closed, the demo's busiest."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Company, User
from invoices.models import Invoice
from invoices.periods import filing_month
from reconcile.models import Discrepancy, ReconRun


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_the_demo_reconciles_both_exports_with_every_kind_of_difference(demo):
    company = Company.objects.get(tin="91310115MA1K4D8X0B")
    runs = ReconRun.objects.filter(company=company).order_by("pk")
    assert [(run.state, run.bureau_import.stored_file.name.split("-")[0]) for run in runs] == [
        ("done", "销项发票"),
        ("done", "进项发票"),
    ]
    purchases = Counter(Discrepancy.objects.filter(run=runs[1]).values_list("category", flat=True))
    assert {
        category
        for category in (
            "mismatch",
            "missing_in_bureau",
            "missing_in_ledger",
            "pending_sync",
            "status_changed",
            "duplicate_in_bureau",
            "number_typo",
            "tin_error",
        )
        if purchases[category] == 0
    } == set()
    assert purchases["missing_in_ledger"] == 3
    assert "上海示例商贸有限公司: 进项发票-全量发票查询导出结果-发票基础信息.xlsx reconciled" in demo


def test_loading_the_demo_again_imports_nothing_more(demo, settings):
    call_command("load_demo", stdout=StringIO())
    assert ReconRun.objects.count() == 2


def test_the_demo_has_an_accountant_and_prints_roles_in_words(demo):
    carol = User.objects.get(username="carol")
    assert [(m.company.tin, m.role) for m in carol.memberships.all()] == [
        ("91310115MA1K4D8X0B", "accountant")
    ]
    carol_line = next(line for line in demo.splitlines() if line.split()[0] == "carol")
    assert carol_line.split()[2:] == ["上海示例商贸有限公司", "会计"]


def test_the_dashboard_opens_on_the_month_being_closed_the_busiest_of_the_demo(demo):
    company = Company.objects.get(tin="91310115MA1K4D8X0B")
    months = Counter(
        day.replace(day=1)
        for day in Invoice.objects.filter(company=company).values_list("issue_date", flat=True)
    )
    closing = filing_month(timezone.localdate())
    assert months.most_common(1)[0][0] == closing
    client = Client()
    client.force_login(User.objects.get(username="carol"))
    page = client.get("/dashboard/")
    assert page.context["cards"].period == closing


@pytest.mark.parametrize(
    ("today", "closing"),
    [
        (date(2026, 12, 4), date(2026, 11, 1)),
        (date(2026, 12, 15), date(2026, 11, 1)),
        (date(2026, 12, 16), date(2026, 12, 1)),
        (date(2027, 1, 10), date(2026, 12, 1)),
    ],
)
def test_the_month_being_closed_is_the_one_before_until_the_15th(today, closing):
    assert filing_month(today) == closing


def test_a_malformed_period_is_a_400_that_says_how_to_write_one(demo):
    client = Client()
    client.force_login(User.objects.get(username="carol"))
    for path in (
        "/dashboard/?period=2026-13",
        "/dashboard/report/?period=abc",
        "/dashboard/report.xlsx?period=2026",
    ):
        response = client.get(path)
        assert (response.status_code, response.content.decode()) == (
            400,
            "期间必须是 yyyy-mm 格式的月份，例如 2026-03。",
        ), path


def test_the_import_page_names_the_exports_shape_in_words(demo):
    from reconcile.models import BureauImport

    client = Client()
    client.force_login(User.objects.get(username="carol"))
    bureau_import = BureauImport.objects.filter(direction="purchase").get()
    page = client.get(f"/reconcile/imports/{bureau_import.pk}/").content.decode()
    assert "<dt>格式</dt><dd>发票基础信息（每张发票一行）</dd>" in page
    assert f"<dt>导出中的发票数</dt><dd>{bureau_import.row_count}</dd>" in page


def test_the_firm_view_names_the_last_backups_outcome_in_words(demo):
    from monitor.models import CheckRun

    CheckRun.objects.create(name="backup", started_at=timezone.now(), outcome="ok")
    client = Client()
    client.force_login(User.objects.get(username="alice"))
    rows = client.get("/dashboard/firm/").context["rows"]
    assert [str(row.backup) for row in rows] == ["通过", "通过"]

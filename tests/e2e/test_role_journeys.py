"""A day at the desk for each role, in a real browser against gunicorn and a real Celery worker,
on the demo as `make run` loads it and on the real sample files. Each step is screenshot at 390,
1366 and 1920 px (test-artifacts/<role>-<step>-<width>.png) and must fit every width.

- The accountant uploads thirteen real e-invoices and photos and one invoice of her own company,
  watches them being read, turns the pages of an original, zooms and rotates it, and confirms the
  card whose only doubt is certainty from the queue in one go.
- The clerk finds invoices by the last digits of their number and by their amount, and opens one.
- The admin opens the dashboard on the month being closed and a reconciliation's difference,
  gives the clerk a temporary password that the clerk must change at her next login, and finds
  the company she chose still chosen at her next login."""

import io
import json
import time
from dataclasses import replace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Company
from ingest.models import IngestJob, JobState
from invoices.models import Invoice
from invoices.periods import filing_month
from reconcile.models import Discrepancy, ReconRun
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.e2e.layout import look_at
from tests.fixtures.einvoices import DIGITAL_SPEC, digital_invoice_xml
from tests.fixtures.samples import sample_names, sample_path

SHANGHAI = "91310115MA1K4D8X0B"


def thirteen() -> list[str]:
    """The corpus's eight PDF e-invoices and five photos and scans."""
    return [f"pdf/{name}" for name in sample_names("pdf", "*.pdf")] + [
        f"img/{name}" for name in sample_names("img")
    ]


WAIT_MS = 300_000


@pytest.fixture
def demo(web_server):
    call_command("load_demo", stdout=io.StringIO())
    Company.objects.filter(tin=SHANGHAI).update(auto_confirm_capture=False)  # every card is reviewed
    return web_server, json.loads((settings.DATA_DIR / "demo-logins.json").read_text())


@pytest.fixture
def ocr_on(settings):
    """The photos are read as in production, by RapidOCR (the suite turns OCR off elsewhere)."""
    settings.OCR_ENGINE = "rapidocr"


def fits(page, name: str) -> None:
    assert look_at(page, name) == {}, name


@pytest.mark.django_db(transaction=True)
def test_the_accountant_uploads_real_files_reviews_with_the_viewer_and_confirms_in_bulk(
    demo, ocr_on, celery_worker_process, browser_page, tmp_path
):
    base, passwords = demo
    page = browser_page
    log_in(page, base, "carol", passwords["carol"])
    page.goto(f"{base}/capture/")
    fits(page, "accountant-1-capture")
    own = tmp_path / "本公司进项.xml"
    spec = replace(
        DIGITAL_SPEC, number="26312000000000777001", buyer_name="上海示例商贸有限公司", buyer_tin=SHANGHAI
    )
    own.write_bytes(digital_invoice_xml(spec))
    page.set_input_files("input[name=files]", [str(sample_path(name)) for name in thirteen()] + [str(own)])
    started = time.monotonic()
    with page.expect_navigation(url=f"{base}/capture/batches/*/"):
        page.click("#upload-form button[type=submit]")
    first_page = time.monotonic() - started
    page.wait_for_selector("#batch-progress")
    fits(page, "accountant-2-reading")
    page.wait_for_selector("#batch-progress:not([hx-get])", timeout=WAIT_MS)
    done = time.monotonic() - started
    (ARTIFACTS / "upload-figures.txt").write_text(
        f"14 files: batch page after {first_page:.2f} s, all read after {done:.2f} s\n"
    )
    fits(page, "accountant-3-read")
    jobs = IngestJob.objects.filter(company__tin=SHANGHAI, children__isnull=True)
    assert jobs.filter(state__in=[JobState.QUEUED, JobState.PROCESSING]).count() == 0
    assert jobs.count() == 14

    page.goto(f"{base}/capture/review/")
    fits(page, "accountant-4-queue")
    own_job = jobs.get(stored_file__name="本公司进项.xml")
    assert page.locator(f"input[name=job][value='{own_job.pk}']").count() == 1  # the one card offered in bulk
    assert page.locator("input[name=job]").count() == 1
    pdf_card = jobs.filter(state=JobState.NEEDS_REVIEW, stored_file__media="pdf").order_by("pk").first()
    started = time.monotonic()
    page.goto(f"{base}/capture/jobs/{pdf_card.pk}/")
    page.wait_for_load_state("networkidle")
    card_load = time.monotonic() - started
    with (ARTIFACTS / "upload-figures.txt").open("a") as figures:
        figures.write(f"review card with its page picture: {card_load:.2f} s\n")
    viewer = page.locator("[data-viewer]")
    page.click("[data-act=zoom-in]")
    page.click("[data-act=rotate]")
    assert (viewer.get_attribute("data-zoom"), viewer.get_attribute("data-turns")) == ("1.25", "1")
    # A one-page e-invoice: nowhere to turn to.
    assert page.locator("[data-page-shown]").inner_text() == "第 1 / 1 页"
    assert page.locator("[data-act=next]").is_disabled() and page.locator("[data-act=prev]").is_disabled()
    fits(page, "accountant-5-card")

    page.goto(f"{base}/capture/review/")
    page.check(f"input[name=job][value='{own_job.pk}']")
    page.click("#bulk-confirm button[type=submit]")
    page.wait_for_load_state()
    assert "已将 1 张发票确认记入台账：26312000000000777001" in page.inner_text(".messages")
    own_job.refresh_from_db()
    assert own_job.state == JobState.DONE
    assert Invoice.objects.filter(company__tin=SHANGHAI, number="26312000000000777001").count() == 1
    fits(page, "accountant-6-confirmed")
    assert page.problems == []


@pytest.mark.django_db(transaction=True)
def test_the_clerk_finds_invoices_by_part_of_the_number_and_by_amount(demo, browser_page):
    base, passwords = demo
    page = browser_page
    log_in(page, base, "bob", passwords["bob"])
    target = Invoice.objects.filter(company__tin=SHANGHAI).order_by("-issue_date").first()
    page.goto(f"{base}/invoices/?q={target.number[-6:]}")
    rows = page.locator("table tbody tr")
    assert target.number in page.inner_text("table tbody")
    assert rows.count() >= 1
    fits(page, "clerk-1-search-number")
    page.goto(f"{base}/invoices/?q={target.total}")
    assert target.number in page.inner_text("table tbody")
    fits(page, "clerk-2-search-amount")
    page.click(f"a:has-text('{target.number}')")
    page.wait_for_load_state()
    assert page.url == f"{base}/invoices/{target.pk}/"
    fits(page, "clerk-3-invoice")
    assert page.problems == []


@pytest.mark.django_db(transaction=True)
def test_the_admin_closes_the_month_resets_a_password_and_keeps_her_company(demo, browser_page):
    base, passwords = demo
    page = browser_page
    log_in(page, base, "alice", passwords["alice"])
    page.goto(f"{base}/dashboard/")
    closing = filing_month(timezone.localdate())
    assert f"{closing:%Y-%m}" in page.inner_text("main")
    fits(page, "admin-1-dashboard")
    run = ReconRun.objects.filter(company__tin=SHANGHAI).order_by("-pk").first()
    page.goto(f"{base}/reconcile/runs/{run.pk}/")
    fits(page, "admin-2-run")
    difference = Discrepancy.objects.filter(run=run, category="mismatch").order_by("pk").first()
    page.goto(f"{base}/reconcile/discrepancies/{difference.pk}/")
    fits(page, "admin-3-difference")

    page.goto(f"{base}/company/members/")
    fits(page, "admin-4-members")
    page.locator("tr", has_text="bob").locator("a", has_text="重置密码").click()
    page.wait_for_load_state()
    page.click("form button[type=submit].primary")
    page.wait_for_load_state()
    temporary = page.inner_text("#temporary-password").strip()
    fits(page, "admin-5-temporary-password")
    page.goto(f"{base}/monitor/jobs/")
    fits(page, "admin-6-checks")

    page.select_option("#company-switch", label="北京示例科技有限公司")
    page.wait_for_load_state()
    page.click("details.menu summary")
    page.click("details.menu button[type=submit]")
    page.wait_for_load_state()
    log_in(page, base, "bob", temporary)
    assert page.url == f"{base}/accounts/password/"  # he must choose his own before anything else
    page.goto(f"{base}/invoices/")
    assert page.url == f"{base}/accounts/password/"
    fits(page, "admin-7-clerk-must-change")
    page.context.clear_cookies()
    log_in(page, base, "alice", passwords["alice"])
    assert page.locator("#company-switch option:checked").inner_text() == "北京示例科技有限公司"
    assert page.problems == []

"""The main pages at 390, 1366 and 1920 px, as the demo's admin sees them with real invoices
waiting for review: screenshots of each (test-artifacts/layout-*), and the test fails on a page
that scrolls sideways or a badge or button wrapped onto a second line."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import User
from accounts.selectors import company_get_by_tin
from ingest import pipeline, services
from ingest.models import IngestJob, JobState
from invoices.models import Invoice
from reconcile.models import Discrepancy, ReconRun
from tests.e2e.conftest import log_in
from tests.e2e.layout import look_at
from tests.fixtures.samples import read_sample

SHANGHAI = "91310115MA1K4D8X0B"
SAMPLES = (
    "pdf/kd_hubei_042002300111_17379385.pdf",
    "ofd/easyofd_dzzp_guizhou_052002100113_00008006.ofd",
    "xml/ofdrw_zhejiang_033002000211_1__original_invoice.xml",
    "img/gsc_zhuan_demo_1100094140_87654321.jpg",
)


@pytest.fixture
def demo(web_server):
    """The demo as `make run` loads it, with four real invoices read and waiting for review."""
    call_command("load_demo", stdout=io.StringIO())
    company = company_get_by_tin(tin=SHANGHAI)
    carol = User.objects.get(username="carol")
    batch = services.receive_files(
        company=company,
        by=carol,
        channel="browser",
        uploads=[services.Upload(name.split("/")[1], read_sample(name)) for name in SAMPLES],
    )
    for job in IngestJob.objects.filter(batch=batch, state=JobState.QUEUED):
        pipeline.process_job(job.pk)
    passwords = json.loads((settings.DATA_DIR / "demo-logins.json").read_text())
    return web_server, company, passwords


def main_pages(company) -> dict[str, str]:
    invoice = Invoice.objects.filter(company=company, direction="purchase").order_by("-issue_date").first()
    card = IngestJob.objects.filter(company=company, state=JobState.NEEDS_REVIEW).order_by("pk").first()
    run = ReconRun.objects.filter(company=company).order_by("-pk").first()
    difference = Discrepancy.objects.filter(run=run).exclude(category="matched").order_by("pk").first()
    return {
        "home": "/",
        "ledger": "/invoices/",
        "invoice": f"/invoices/{invoice.pk}/",
        "invoice-edit": f"/invoices/{invoice.pk}/edit/",
        "ledger-import": "/invoices/import/",
        "capture": "/capture/",
        "review-queue": "/capture/review/",
        "review-card": f"/capture/jobs/{card.pk}/",
        "captured": "/capture/jobs/",
        "reconcile": "/reconcile/",
        "run": f"/reconcile/runs/{run.pk}/",
        "difference": f"/reconcile/discrepancies/{difference.pk}/",
        "dashboard": "/dashboard/",
        "worklist": "/dashboard/worklist/",
        "members": "/company/members/",
        "checks": "/monitor/jobs/",
    }


@pytest.mark.django_db(transaction=True)
def test_the_main_pages_fit_a_phone_a_laptop_and_a_desktop(demo, browser_page):
    base, company, passwords = demo
    page = browser_page
    log_in(page, base, "alice", passwords["alice"])
    broken = {}
    for name, path in main_pages(company).items():
        answer = page.goto(f"{base}{path}")
        assert answer.status == 200, path
        found = look_at(page, f"layout-{name}")
        if found:
            broken[name] = found
    assert broken == {}
    assert page.problems == []

"""An accountant's capture in a real browser, against gunicorn and a real Celery worker: switch the
login page to English and log in, upload a zip of mixed invoices (数电 XML, OFD, a PDF e-invoice),
watch the progress until every file is read, then review and confirm a card into the ledger. A
screenshot per step."""

import io
import zipfile
from dataclasses import replace

import pytest

from accounts.models import Company
from accounts.roles import Role
from ingest.models import IngestJob, JobState
from invoices.models import Invoice
from tests.conftest import PASSWORD, TIN_A, make_member
from tests.e2e.conftest import ARTIFACTS
from tests.fixtures.einvoices import DIGITAL_SPEC, LEGACY_SPEC, digital_invoice_xml, ofd_with_attachment
from tests.fixtures.invoice_pdfs import digital_invoice, generated_pdf

WAIT_MS = 120_000


BUYER = {"buyer_name": "甲商贸有限公司", "buyer_tin": TIN_A}  # the accountant's own company


def mixed_zip() -> bytes:
    """Three invoices the company bought, one of each kind of file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("数电发票.xml", digital_invoice_xml(replace(DIGITAL_SPEC, **BUYER)))
        archive.writestr("电子发票.ofd", ofd_with_attachment(replace(LEGACY_SPEC, **BUYER)))
        archive.writestr("发票.pdf", generated_pdf("bought", [replace(digital_invoice(1), **BUYER)]).data)
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_an_accountant_uploads_a_zip_watches_it_read_and_confirms_a_card(
    company_a, celery_worker_process, web_server, browser_page
):
    Company.objects.filter(pk=company_a.pk).update(auto_confirm_capture=False)  # every card is reviewed
    make_member("dana", company_a, Role.ACCOUNTANT)
    page = browser_page
    page.goto(f"{web_server}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.select_option("select#language", "en")  # she reads English: switched on the login page
    page.wait_for_selector("html[lang='en']")
    assert page.locator("h1").inner_text() == "Log in to Fapiao Desk"
    page.screenshot(path=ARTIFACTS / "capture-0-login-english.png", full_page=True)
    page.fill("input[name=username]", "dana")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{web_server}/capture/")
    assert page.locator("html").get_attribute("lang") == "en"  # the choice outlives the login
    page.set_input_files(
        "input[name=files]", {"name": "三月发票.zip", "mimeType": "application/zip", "buffer": mixed_zip()}
    )
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#batch-progress")
    shot_path = ARTIFACTS / "capture-1-progress.png"
    page.screenshot(path=shot_path, full_page=True)
    page.wait_for_selector("#batch-progress:not([hx-get])", timeout=WAIT_MS)
    page.screenshot(path=ARTIFACTS / "capture-2-read.png", full_page=True)
    leaves = IngestJob.objects.filter(company=company_a, children__isnull=True)
    assert sorted(leaves.values_list("state", flat=True)) == [JobState.NEEDS_REVIEW] * 3

    page.goto(f"{web_server}/capture/review/")
    page.click("table a.button")
    page.wait_for_selector("#invoice-form")
    page.screenshot(path=ARTIFACTS / "capture-3-card.png", full_page=True)
    page.click("#invoice-form button[type=submit].primary")
    page.wait_for_load_state()
    page.screenshot(path=ARTIFACTS / "capture-4-confirmed.png", full_page=True)
    assert leaves.filter(state=JobState.DONE).count() == 1
    assert Invoice.objects.filter(company=company_a).count() == 1
    assert page.problems == []

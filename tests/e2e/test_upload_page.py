"""The capture page in a real browser: files dropped anywhere on the page join the selection, the
upload is sent with a progress bar and lands on the batch page, and a selection over the limit is
refused before anything is sent."""

from dataclasses import replace

import pytest

from accounts.roles import Role
from ingest.models import IngestBatch, IngestJob
from tests.conftest import PASSWORD, TIN_A, make_member
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.fixtures.einvoices import DIGITAL_SPEC, digital_invoice_xml

DROP = """([name, text]) => {
  const files = new DataTransfer();
  files.items.add(new File([text], name, {type: "application/xml"}));
  const target = document.querySelector("footer") || document.body;
  for (const type of ["dragenter", "dragover", "drop"]) {
    target.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: files}));
  }
}"""


# The bar's highest value is kept where the test can read it once the batch page has opened.
KEEP_BAR = """() => {
  const bar = document.querySelector('[data-upload-progress]');
  const keep = () => sessionStorage.setItem('bar', Math.max(bar.value, sessionStorage.getItem('bar') || 0));
  new MutationObserver(keep).observe(bar, {attributes: true});
}"""


@pytest.mark.django_db(transaction=True)
def test_a_file_dropped_outside_the_zone_is_uploaded_with_a_progress_bar(
    company_a, celery_worker_process, web_server, browser_page
):
    make_member("erin", company_a, Role.ACCOUNTANT)
    page = browser_page
    log_in(page, web_server, "erin", PASSWORD)
    page.goto(f"{web_server}/capture/")
    xml = digital_invoice_xml(replace(DIGITAL_SPEC, buyer_name="甲商贸有限公司", buyer_tin=TIN_A)).decode()
    page.evaluate(DROP, ["掉落的发票.xml", xml])
    assert page.locator("input[name=files]").evaluate("input => input.files.length") == 1
    assert page.locator("[data-dropzone-list]").inner_text() == "已选择 1 个文件： 掉落的发票.xml"
    page.evaluate(KEEP_BAR)
    with page.expect_navigation(url=f"{web_server}/capture/batches/*/"):
        page.click("#upload-form button[type=submit]")
    batch = IngestBatch.objects.get(company=company_a)
    assert page.url == f"{web_server}/capture/batches/{batch.pk}/"
    assert [job.stored_file.name for job in IngestJob.objects.filter(batch=batch)] == ["掉落的发票.xml"]
    assert page.evaluate("() => sessionStorage.getItem('bar')") == "100"  # the bar showed the bytes sent
    page.screenshot(path=ARTIFACTS / "upload-dropped-file.png", full_page=True)
    assert page.problems == []


@pytest.mark.django_db(transaction=True)
def test_a_file_over_the_limit_is_refused_before_anything_is_sent(company_a, web_server, browser_page):
    make_member("erin", company_a, Role.ACCOUNTANT)
    page = browser_page
    log_in(page, web_server, "erin", PASSWORD)
    page.goto(f"{web_server}/capture/")
    page.evaluate("() => { document.getElementById('upload-form').dataset.maxFile = '100'; }")
    page.set_input_files(
        "input[name=files]", {"name": "大文件.pdf", "mimeType": "application/pdf", "buffer": b"%PDF" * 100}
    )
    page.click("#upload-form button[type=submit]")
    status = page.locator("[data-upload-status]")
    status.wait_for()
    assert status.inner_text() == "大文件.pdf 超过单个文件 50 MB 的上限，未发送任何文件。"
    assert page.url == f"{web_server}/capture/"
    assert IngestBatch.objects.filter(company=company_a).count() == 0
    assert page.problems == []

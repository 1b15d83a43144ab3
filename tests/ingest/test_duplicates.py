"""The same invoice twice — the same bytes again, renamed, another file of it (its XML and its PDF,
an OFD and the XML inside it) — is one invoice: the others end as duplicates linked to the first,
and the review queue holds it once."""

import threading
import time
from dataclasses import replace
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from accounts.roles import Role
from accounts.services import company_create
from ingest import pipeline, selectors, services
from ingest.models import IngestJob, JobState
from invoices.drafts import clean_draft
from invoices.models import Invoice
from tests.conftest import make_member
from tests.fixtures import einvoices
from tests.fixtures.einvoices import DIGITAL_SPEC
from tests.fixtures.invoice_pdfs import standard_pdf
from tests.fixtures.samples import sample_path
from tests.ingest.test_pipeline import receive, run_all, zipped
from tests.ingest.test_worker import merged_reading

# A legacy OFD of the public samples and the invoice XML its Doc_0/Attachs carries.
GUIZHOU_OFD = "ofd/easyofd_dzzp_guizhou_052002100113_00008006.ofd"
GUIZHOU_XML = "xml/easyofd_dzzp_guizhou_052002100113_00008006__original_invoice.xml"
GUIZHOU_BUYER = ("中国移动通信集团贵州有限公司黔南分公司", "91522701709696623X")


def reviewed_company(name: str, tin: str):
    """A company that reviews every card, so the first copy is still waiting when the next comes."""
    company = company_create(name=name, tin=tin)
    company.auto_confirm_capture = False
    company.save()
    return company


@pytest.fixture
def buyer(db):
    return reviewed_company(DIGITAL_SPEC.buyer_name, DIGITAL_SPEC.buyer_tin)


@pytest.fixture
def guizhou(db):
    return reviewed_company(*GUIZHOU_BUYER)


def sample(relative: str) -> tuple[str, bytes]:
    path = sample_path(relative)
    return path.name, path.read_bytes()


def states(company) -> list[tuple[str, str]]:
    return sorted(IngestJob.objects.filter(company=company).values_list("state", "reason_code"))


def test_the_same_bytes_again_while_the_first_waits_for_review_end_as_its_duplicate_at_upload(buyer):
    data = einvoices.digital_invoice_xml()
    [first] = run_all(receive(buyer, ("发票.xml", data)))
    assert first.state == JobState.NEEDS_REVIEW
    again = receive(buyer, ("发票.xml", data)).jobs.get()
    renamed = receive(buyer, ("copy of 发票 (1).xml", data)).jobs.get()
    for job in (again, renamed):  # decided at upload: nothing for a worker to read
        assert (job.state, job.reason_code, job.duplicate_of) == (JobState.DUPLICATE, "same_file", first)
        assert job.reason_params["name"] == "发票.xml"
    assert renamed.display_name == "copy of 发票 (1).xml"
    assert list(selectors.review_queue(company=buyer)) == [first]


def test_the_same_bytes_after_the_first_was_confirmed_link_to_its_invoice(buyer):
    buyer.auto_confirm_capture = True
    buyer.save()
    data = einvoices.digital_invoice_xml()
    [first] = run_all(receive(buyer, ("a.xml", data)))
    renamed = receive(buyer, ("b.xml", data)).jobs.get()
    assert (renamed.state, renamed.invoice, renamed.duplicate_of) == (
        JobState.DUPLICATE,
        first.invoice,
        first,
    )
    assert Invoice.objects.count() == 1


def test_a_file_rejected_before_is_read_again(buyer):
    data = einvoices.digital_invoice_xml()
    [first] = run_all(receive(buyer, ("a.xml", data)))
    services.job_reject(job=first, by=None, reason="看错了")
    [again] = run_all(receive(buyer, ("a.xml", data)))
    assert again.state == JobState.NEEDS_REVIEW


def xml_of(pdf_invoice) -> bytes:
    """The 数电 XML of the invoice a generated PDF prints: other bytes, the same invoice."""
    lines = tuple(
        einvoices.Line(line.item_name, line.amount, Decimal(line.rate.rstrip("%")) / 100, unit=line.unit)
        for line in pdf_invoice.lines
    )
    spec = replace(
        DIGITAL_SPEC,
        number=pdf_invoice.number,
        issue_date=pdf_invoice.issue_date,
        seller_name=pdf_invoice.seller_name,
        seller_tin=pdf_invoice.seller_tin,
        buyer_name=pdf_invoice.buyer_name,
        buyer_tin=pdf_invoice.buyer_tin,
        lines=lines,
    )
    return einvoices.digital_invoice_xml(spec)


def test_the_pdf_of_an_invoice_whose_xml_waits_for_review_ends_as_its_duplicate(db):
    pdf = standard_pdf("digital_special")
    printed = pdf.invoices[0]
    company = reviewed_company(printed.buyer_name, printed.buyer_tin)
    [from_xml] = run_all(receive(company, ("发票.xml", xml_of(printed))))
    [from_pdf] = run_all(receive(company, ("发票.pdf", pdf.data)))
    assert from_xml.state == JobState.NEEDS_REVIEW
    assert (from_pdf.state, from_pdf.reason_code, from_pdf.duplicate_of) == (
        JobState.DUPLICATE,
        "duplicate_job",
        from_xml,
    )
    assert from_pdf.reason_params == {"identity": printed.number, "name": "发票.xml"}
    assert list(selectors.review_queue(company=company)) == [from_xml]


def test_an_ofd_and_its_embedded_xml_uploaded_apart_are_one_invoice(guizhou):
    [ofd] = run_all(receive(guizhou, sample(GUIZHOU_OFD)))
    [xml] = run_all(receive(guizhou, sample(GUIZHOU_XML)))
    assert ofd.state == JobState.NEEDS_REVIEW
    assert (xml.state, xml.duplicate_of, xml.reason_params["identity"]) == (
        JobState.DUPLICATE,
        ofd,
        "052002100113:00008006",
    )
    assert selectors.review_queue(company=guizhou).count() == 1


def test_an_ofd_and_its_embedded_xml_in_one_selection_are_one_card(guizhou):
    jobs = run_all(receive(guizhou, sample(GUIZHOU_OFD), sample(GUIZHOU_XML)))
    assert sorted(job.state for job in jobs) == [JobState.DUPLICATE, JobState.NEEDS_REVIEW]
    [card] = selectors.review_queue(company=guizhou)
    [duplicate] = [job for job in jobs if job.state == JobState.DUPLICATE]
    assert duplicate.duplicate_of == card


def test_an_ofd_and_its_embedded_xml_in_one_zip_are_one_card_and_confirming_it_empties_the_queue(
    guizhou, browser_as
):
    accountant = make_member("dora", guizhou, Role.ACCOUNTANT)
    archive = zipped(dict([sample(GUIZHOU_OFD), sample(GUIZHOU_XML)]))
    jobs = run_all(receive(guizhou, ("贵州.zip", archive)))
    assert sorted(job.state for job in jobs[1:]) == [JobState.DUPLICATE, JobState.NEEDS_REVIEW]
    [card] = selectors.review_queue(company=guizhou)
    client = browser_as(accountant)
    form = client.get(reverse("capture_job", args=[card.pk])).context["form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update({"lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"})
    response = client.post(reverse("capture_job", args=[card.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    assert not selectors.review_queue(company=guizhou).exists()
    assert Invoice.objects.filter(company=guizhou, identity="052002100113:00008006").count() == 1


def test_confirming_a_card_settles_another_card_of_the_same_invoice(buyer):
    """Two cards of one invoice (read before this rule, or corrected to the same number): the second
    ends as the duplicate of the first once it is in the ledger."""
    [first] = run_all(receive(buyer, ("a.xml", einvoices.digital_invoice_xml())))
    other = replace(DIGITAL_SPEC, number="26352000000012345679")
    [second] = run_all(receive(buyer, ("b.xml", einvoices.digital_invoice_xml(other))))
    IngestJob.objects.filter(pk=first.pk).update(identity="")
    IngestJob.objects.filter(pk=second.pk).update(identity=DIGITAL_SPEC.number)
    values, lines = pipeline.draft_values(merged_reading(first), buyer.tin)
    invoice = services.job_confirm(job=first, by=None, draft=clean_draft(values, lines), source="xml")
    second.refresh_from_db()
    assert (second.state, second.invoice, second.duplicate_of) == (JobState.DUPLICATE, invoice, first)
    assert not selectors.review_queue(company=buyer).exists()


def test_a_zip_member_uploaded_before_ends_as_its_duplicate(buyer):
    data = einvoices.digital_invoice_xml()
    [first] = run_all(receive(buyer, ("a.xml", data)))
    jobs = run_all(receive(buyer, ("all.zip", zipped({"a.xml": data}))))
    assert (jobs[1].state, jobs[1].reason_code, jobs[1].duplicate_of) == (
        JobState.DUPLICATE,
        "same_file",
        first,
    )


def test_the_job_page_links_a_duplicate_to_the_first_job(buyer, browser_as):
    accountant = make_member("dora", buyer, Role.ACCOUNTANT)
    data = einvoices.digital_invoice_xml()
    [first] = run_all(receive(buyer, ("a.xml", data)))
    renamed = receive(buyer, ("b.xml", data)).jobs.get()
    client = browser_as(accountant)
    page = client.get(reverse("capture_job", args=[renamed.pk]))
    assert reverse("capture_job", args=[first.pk]) in page.text
    assert "同一文件之前已上传过（a.xml" in page.text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("capture_job", args=[renamed.pk]))
    assert "The same file was uploaded before (a.xml" in page.text
    batch_page = client.get(reverse("capture_batch", args=[renamed.batch_id]))
    assert reverse("capture_job", args=[first.pk]) in batch_page.text
    assert "b.xml" in batch_page.text
    api = client.get(f"/api/capture/jobs/{renamed.pk}/").json()
    assert (api["state"], api["duplicate_of"], api["file"]) == ("duplicate", first.pk, "b.xml")


@pytest.mark.django_db(transaction=True)
def test_two_workers_taking_the_same_invoice_at_once_leave_one_holder():
    """The second worker looks before the first has committed, so it sees no holder; the unique
    constraint makes it wait for the first and then tells it whose the invoice is."""
    company = reviewed_company(DIGITAL_SPEC.buyer_name, DIGITAL_SPEC.buyer_tin)
    other_bytes = einvoices.digital_invoice_xml(replace(DIGITAL_SPEC, remark="第二份"))
    batch = receive(company, ("a.xml", einvoices.digital_invoice_xml()), ("b.xml", other_bytes))
    first, second = batch.jobs.order_by("pk")
    held, release, answers = threading.Event(), threading.Event(), {}

    def first_worker():
        try:
            with transaction.atomic():
                answers["first"] = services.hold_identity(first, DIGITAL_SPEC.number)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    def second_worker():
        try:
            held.wait(10)
            answers["second"] = services.hold_identity(second, DIGITAL_SPEC.number)
        finally:
            connection.close()

    workers = [threading.Thread(target=first_worker), threading.Thread(target=second_worker)]
    for worker in workers:
        worker.start()
    time.sleep(0.5)  # the second is now waiting on the first's uncommitted identity
    release.set()
    for worker in workers:
        worker.join(15)
    assert answers == {"first": None, "second": first}
    assert list(IngestJob.objects.exclude(identity="").values_list("pk", flat=True)) == [first.pk]

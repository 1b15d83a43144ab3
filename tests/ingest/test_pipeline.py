"""A capture job from file to ledger record, review card or failure, run in-process."""

import hashlib
import zipfile
from dataclasses import replace
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ingest import pipeline, services, sniff, storage
from ingest.extract import registry
from ingest.extract.base import Extraction
from ingest.extract.xml_einvoice import extract_xml
from ingest.messages import reason_text
from ingest.models import IngestJob, JobState, StoredFile
from invoices.models import Invoice
from tests.fixtures import einvoices
from tests.fixtures.einvoices import DIGITAL_SPEC

# The generated invoices are bought by this company (einvoices.DIGITAL_SPEC's buyer).
BUYER_TIN = DIGITAL_SPEC.buyer_tin


@pytest.fixture
def buyer(db, settings, tmp_path):
    from accounts.services import company_create

    settings.DATA_DIR = tmp_path
    settings.OCR_ENGINE = "off"
    return company_create(name=DIGITAL_SPEC.buyer_name, tin=BUYER_TIN)


def receive(company, *files: tuple[str, bytes], by=None):
    uploads = [services.Upload(name, data) for name, data in files]
    return services.receive_files(company=company, by=by, channel="command", uploads=uploads)


def run_all(batch) -> list[IngestJob]:
    """What the workers do: every queued job of the batch, until none is left."""
    while queued := list(batch.jobs.filter(state=JobState.QUEUED).values_list("pk", flat=True)):
        for job_id in queued:
            pipeline.process_job(job_id)
    return list(batch.jobs.order_by("pk"))


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_digital_xml_becomes_a_ledger_record_linked_to_its_original(
    buyer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as sent:
        batch = receive(buyer, ("发票.xml", einvoices.digital_invoice_xml()))
    assert len(sent) == 1  # the worker is only told after the upload committed
    [job] = run_all(batch)
    assert (job.state, job.created_invoice) == (JobState.DONE, True)
    invoice = job.invoice
    assert (invoice.identity, invoice.source, invoice.original_file) == (
        DIGITAL_SPEC.number,
        "xml",
        job.stored_file,
    )
    assert str(invoice.total) == str(DIGITAL_SPEC.total)
    assert invoice.lines.count() == len(DIGITAL_SPEC.lines)
    assert invoice.events.get().action == "create"
    assert job.extraction["fields"]["number"]["source"] == "xml"


def test_the_original_is_kept_under_its_hash_and_read_only(buyer):
    data = einvoices.digital_invoice_xml()
    batch = receive(buyer, ("a.xml", data))
    stored = batch.jobs.get().stored_file
    path = storage.blob_path(stored.sha256)
    assert path.read_bytes() == data
    assert path.stat().st_mode & 0o777 == 0o400  # read-only, and for the owner only
    for directory in (path.parent, path.parent.parent, path.parent.parent.parent):
        assert directory.stat().st_mode & 0o777 == 0o700, directory


def test_an_altered_stored_copy_is_replaced_by_the_reuploads_good_bytes(buyer, caplog):
    data = einvoices.digital_invoice_xml()
    sha256 = storage.store_blob(data)
    path = storage.blob_path(sha256)
    altered = bytearray(data)
    altered[-20] ^= 0x01  # same size, one bit flipped
    path.chmod(0o600)
    path.write_bytes(bytes(altered))

    receive(buyer, ("again.xml", data))

    assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name == sha256
    assert path.stat().st_mode & 0o777 == 0o400
    assert [record.levelname for record in caplog.records if sha256 in record.getMessage()] == ["WARNING"]
    assert not list(path.parent.glob(".incoming-*"))


def test_an_intact_stored_copy_is_kept_as_it_is(buyer):
    data = einvoices.digital_invoice_xml()
    path = storage.blob_path(storage.store_blob(data))
    before = path.stat().st_ino
    storage.store_blob(data)
    assert path.stat().st_ino == before  # not rewritten


def test_the_same_bytes_twice_are_one_file_and_the_second_job_a_duplicate(buyer):
    data = einvoices.digital_invoice_xml()
    first = run_all(receive(buyer, ("a.xml", data)))[0]
    second = run_all(receive(buyer, ("again.xml", data)))[0]
    assert StoredFile.objects.count() == 1
    assert second.stored_file == first.stored_file
    assert (second.state, second.invoice, second.created_invoice) == (
        JobState.DUPLICATE,
        first.invoice,
        False,
    )
    assert Invoice.objects.count() == 1


def test_the_same_invoice_as_ofd_and_xml_is_one_invoice_and_one_duplicate(buyer):
    jobs = run_all(
        receive(buyer, ("a.xml", einvoices.digital_invoice_xml()), ("a.ofd", einvoices.ofd_with_custom_tag()))
    )
    assert sorted(job.state for job in jobs) == [JobState.DONE, JobState.DUPLICATE]
    assert Invoice.objects.count() == 1


def test_a_zip_is_unpacked_into_jobs_of_its_own(buyer):
    other = replace(
        DIGITAL_SPEC, number="26352000000012345679", issue_date=DIGITAL_SPEC.issue_date + timedelta(1)
    )
    archive = zipped(
        {
            "一月/a.xml": einvoices.digital_invoice_xml(),
            "b.xml": einvoices.digital_invoice_xml(other),
            "__MACOSX/._a.xml": b"junk",
        }
    )
    jobs = run_all(receive(buyer, ("发票.zip", archive)))
    parent = jobs[0]
    assert (parent.state, parent.reason_code, parent.reason_params) == (
        JobState.DONE,
        "unpacked",
        {"count": "2"},
    )
    assert [job.state for job in jobs[1:]] == [JobState.DONE, JobState.DONE]
    assert {job.parent_id for job in jobs[1:]} == {parent.pk}
    assert {job.stored_file.name for job in jobs[1:]} == {"a.xml", "b.xml"}


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("random.pdf", bytes(range(256)) * 8, "unknown_format"),
        ("xxe.xml", einvoices.xxe_xml(), "unsafe_xml"),
        ("laughs.xml", einvoices.billion_laughs_xml(), "unsafe_xml"),
        ("bomb.ofd", einvoices.ofd_zip_bomb(), "unsafe_archive"),
        ("slip.ofd", einvoices.ofd_with_member("../evil"), "unsafe_archive"),
        ("broken.ofd", einvoices.truncated_ofd(), "corrupt"),
    ],
)
def test_bad_input_fails_with_a_reason_and_keeps_the_file(buyer, name, data, code):
    [job] = run_all(receive(buyer, (name, data)))
    assert (job.state, job.reason_code) == (JobState.FAILED, code)
    assert storage.blob_path(job.stored_file.sha256).read_bytes() == data
    assert not Invoice.objects.exists()


def test_an_empty_member_of_a_zip_fails_alone_and_the_others_are_read(buyer):
    archive = zipped({"a.xml": einvoices.digital_invoice_xml(), "空.pdf": b""})
    jobs = run_all(receive(buyer, ("发票.zip", archive)))
    members = {job.display_name: (job.state, job.reason_code) for job in jobs[1:]}
    assert members == {"a.xml": (JobState.DONE, ""), "空.pdf": (JobState.FAILED, "empty")}


def test_a_zip_with_a_path_leaving_its_folder_is_refused(buyer):
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("../../etc/evil.xml", einvoices.digital_invoice_xml())
    [job] = run_all(receive(buyer, ("slip.zip", archive.getvalue())))
    assert (job.state, job.reason_code) == (JobState.FAILED, "unsafe_archive")


def test_running_a_job_twice_creates_one_invoice(buyer):
    batch = receive(buyer, ("a.xml", einvoices.digital_invoice_xml()))
    job = batch.jobs.get()
    pipeline.process_job(job.pk)
    IngestJob.objects.filter(pk=job.pk).update(state=JobState.QUEUED)  # a redelivered message
    pipeline.process_job(job.pk)
    assert Invoice.objects.count() == 1
    assert IngestJob.objects.get(pk=job.pk).state == JobState.DUPLICATE


def test_without_auto_confirm_a_job_waits_for_review(buyer):
    buyer.auto_confirm_capture = False
    buyer.save()
    [job] = run_all(receive(buyer, ("a.xml", einvoices.digital_invoice_xml())))
    assert (job.state, job.reason_code) == (JobState.NEEDS_REVIEW, "uncertain")
    assert not Invoice.objects.exists()


def test_an_invoice_not_issued_to_the_company_waits_for_review(buyer):
    spec = replace(DIGITAL_SPEC, buyer_tin="91330106MACKX4QG4Y")
    [job] = run_all(receive(buyer, ("a.xml", einvoices.digital_invoice_xml(spec))))
    assert job.state == JobState.NEEDS_REVIEW


def test_a_stuck_job_is_queued_once_more_then_failed(buyer):
    batch = receive(buyer, ("a.xml", einvoices.digital_invoice_xml()))
    job = batch.jobs.get()
    long_ago = timezone.now() - timedelta(hours=1)
    IngestJob.objects.filter(pk=job.pk).update(state=JobState.PROCESSING, started_at=long_ago, attempts=1)
    assert pipeline.sweep_stuck_jobs() == (1, 0)
    assert IngestJob.objects.get(pk=job.pk).state == JobState.QUEUED
    IngestJob.objects.filter(pk=job.pk).update(state=JobState.PROCESSING, started_at=long_ago, attempts=2)
    assert pipeline.sweep_stuck_jobs() == (0, 1)
    job.refresh_from_db()
    assert (job.state, job.reason_code) == (JobState.FAILED, "stuck")


def test_a_failed_job_can_be_retried(buyer):
    [job] = run_all(receive(buyer, ("x.xml", einvoices.xxe_xml())))
    services.job_retry(job=job, by=None)
    job.refresh_from_db()
    assert (job.state, job.reason_code, job.attempts) == (JobState.QUEUED, "", 0)
    with pytest.raises(ValidationError):
        services.job_retry(job=job, by=None)


def test_a_full_disk_refuses_the_upload_and_keeps_nothing(buyer, monkeypatch):
    def full(data):
        raise storage.StorageFull(28, "no space left")

    monkeypatch.setattr(storage, "store_blob", full)
    with pytest.raises(ValidationError) as caught:
        receive(buyer, ("a.xml", einvoices.digital_invoice_xml()))
    assert caught.value.error_dict["file"][0].code == "storage_full"
    assert not StoredFile.objects.exists()
    assert not IngestJob.objects.exists()


def test_a_pdf_with_two_invoices_gets_a_job_for_each(buyer):
    from tests.fixtures.invoice_pdfs import two_invoices

    generated = two_invoices()
    jobs = run_all(receive(buyer, (generated.name, generated.data)))
    assert [job.part for job in jobs] == [0, 1]
    assert jobs[1].parent == jobs[0]
    numbers = [job.extraction["fields"]["number"]["value"] for job in jobs]
    assert numbers == [invoice.number for invoice in generated.invoices]
    assert {job.extraction["fields"]["number"]["source"] for job in jobs} == {"pdf_text"}
    # issued to other buyers, so they wait for a person rather than going into the ledger
    assert {job.state for job in jobs} == {JobState.NEEDS_REVIEW}


def test_a_text_pdf_issued_to_the_company_goes_straight_into_the_ledger(db, settings):
    from accounts.services import company_create
    from tests.fixtures.invoice_pdfs import standard_pdf

    generated = standard_pdf("digital_special")
    invoice = generated.invoices[0]
    company = company_create(name=invoice.buyer_name, tin=invoice.buyer_tin)
    [job] = run_all(receive(company, (generated.name, generated.data)))
    assert job.state == JobState.DONE, job.extraction
    assert (job.invoice.source, job.invoice.number) == ("pdf", invoice.number)


def _bad_files():
    from tests.fixtures import invoice_images, invoice_pdfs

    bomb = zipped({"bomb.xml": b"0" * (20 * 1024 * 1024)})
    return [
        ("truncated.pdf", invoice_pdfs.truncated_pdf(), "corrupt"),
        ("locked.pdf", invoice_pdfs.encrypted_pdf().data, "encrypted"),
        ("huge.png", invoice_images.bomb_png(), "too_large"),
        ("bomb.zip", bomb, "unsafe_archive"),
        ("parts.ofd", einvoices.ofd_without_ofd_xml(), "unknown_format"),
        ("holiday.jpg", invoice_images.no_invoice_photo(), "not_invoice"),
    ]


@pytest.mark.parametrize(
    ("name", "data", "code"), _bad_files(), ids=lambda value: value if isinstance(value, str) else ""
)
def test_hostile_and_useless_files_fail_with_a_reason(buyer, name, data, code):
    [job] = run_all(receive(buyer, (name, data)))
    assert (job.state, job.reason_code) == (JobState.FAILED, code)
    assert storage.blob_path(job.stored_file.sha256).read_bytes() == data


# Extractors the registry does not ship, for the pipeline's branches real files do not reach. They
# live at module level: the pipeline sends the reader to its reading process by qualified name.


class FaultyReader:
    """An extractor with a bug: it raises what no extractor is meant to raise."""

    def __call__(self, data: bytes, ocr) -> list[list[Extraction]]:
        raise RuntimeError("a bug in the faulty extractor")


class XmlAndQrReader:
    """The XML's own reading, and a QR code's of the same invoice that reads `qr_total` as its total
    (None: the XML's total, so the two agree)."""

    def __init__(self, qr_total: str | None = None):
        self.qr_total = qr_total

    def __call__(self, data: bytes, ocr) -> list[list[Extraction]]:
        xml = extract_xml(data)
        qr = Extraction("qr")
        for name in ("number", "issue_date", "amount", "total"):
            qr.put(name, xml.fields[name].value)
        if self.qr_total is not None:
            qr.put("total", self.qr_total)
        return [[xml, qr]]


@pytest.fixture
def xml_read_by(monkeypatch):
    """Registers a reader for XML files in the registry, for this test only."""

    def register(reader) -> None:
        monkeypatch.setitem(registry.READERS, sniff.XML, reader)

    return register


def test_an_extractor_that_breaks_fails_the_job_keeps_the_file_and_can_be_retried(buyer, xml_read_by, caplog):
    data = einvoices.digital_invoice_xml()
    xml_read_by(FaultyReader())
    [job] = run_all(receive(buyer, ("a.xml", data)))
    assert (job.state, job.reason_code, job.reason_params) == (JobState.FAILED, "internal", {})
    assert reason_text(job.reason_code, job.reason_params) == "读取此文件时出错，已记录。请稍后重试。"
    assert storage.blob_path(job.stored_file.sha256).read_bytes() == data
    assert not Invoice.objects.exists()
    [logged] = [
        record for record in caplog.records if record.getMessage() == f"job {job.pk} failed unexpectedly"
    ]
    assert logged.exc_info[0] is RuntimeError and str(logged.exc_info[1]) == "a bug in the faulty extractor"

    xml_read_by(XmlAndQrReader())  # the extractor is fixed
    services.job_retry(job=job, by=None)
    [job] = run_all(job.batch)
    assert (job.state, job.created_invoice, job.invoice.identity) == (
        JobState.DONE,
        True,
        DIGITAL_SPEC.number,
    )


def test_sources_that_agree_go_into_the_ledger(buyer, xml_read_by):
    xml_read_by(XmlAndQrReader())
    [job] = run_all(receive(buyer, ("a.xml", einvoices.digital_invoice_xml())))
    assert (job.state, job.extraction["sources"], job.extraction["conflicts"]) == (
        JobState.DONE,
        ["xml", "qr"],
        [],
    )


def test_sources_that_disagree_send_the_invoice_to_review_naming_the_difference(
    buyer, xml_read_by, browser_as
):
    from tests.conftest import make_member

    clerk = make_member("clerk", buyer, "accountant")
    xml_read_by(XmlAndQrReader(qr_total="9999.00"))
    [job] = run_all(receive(buyer, ("a.xml", einvoices.digital_invoice_xml())))
    assert (job.state, job.reason_code, job.created_invoice) == (JobState.NEEDS_REVIEW, "uncertain", False)
    assert not Invoice.objects.exists()
    assert job.extraction["conflicts"] == [
        {
            "name": "total",
            "chosen": {"value": str(DIGITAL_SPEC.total), "source": "xml", "confidence": 1.0},
            "other": {"value": "9999.00", "source": "qr", "confidence": 1.0},
        }
    ]
    card = browser_as(clerk).get(f"/capture/jobs/{job.pk}/")
    assert card.status_code == 200
    assert '数电 XML · 100% · <span class="conflict">二维码: 9999.00</span>' in card.content.decode()

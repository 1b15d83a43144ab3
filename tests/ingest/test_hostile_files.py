"""Files made to crash or exhaust the readers, through the import page, the bureau import, the
capture pipeline and the page previews: each is refused with a message, and the next ordinary
file is read as usual by the same process. The readers run in child processes (sandbox/)."""

import os
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ingest import sniff
from ingest.extract import registry
from ingest.models import JobState
from ingest.services import store_file
from invoices.importing import import_ledger
from invoices.models import Invoice
from reconcile import services as reconcile_services
from reconcile.models import BureauImport
from sandbox import Limits
from tests.fixtures import einvoices
from tests.fixtures.hostile import (
    FAR_CELL_TAGS,
    far_cell_xlsx,
    guard_passing_xlsx,
    pdf_of_pages,
    referenceless_cells_xlsx,
)
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx
from tests.fixtures.spreadsheets import bureau_xlsx
from tests.ingest.test_pipeline import receive, run_all

HEADER = ("发票号码", "开票日期", "金额", "税额", "销方识别号", "购方识别号")
ROW = ("12345678", "2026-01-05", "100.00", "13.00", "91310115MA1K4D8X0B", "91110108MA01A2B3CF")


def engine_abort(data: bytes, *args, **kwargs):
    """What calamine does on a grid it cannot allocate, for a test to put in the reader's place."""
    os.abort()


class AbortingReader:
    """A capture reader whose library dies on the file."""

    def __call__(self, data: bytes, ocr):
        os.abort()


@pytest.mark.parametrize("tag", FAR_CELL_TAGS)
def test_a_far_cell_however_its_reference_is_written_is_refused_on_the_import_page(
    bob, company_a, browser_as, tag
):
    hostile = SimpleUploadedFile("台账.xlsx", far_cell_xlsx(HEADER, ROW, FAR_CELL_TAGS[tag]))
    client = browser_as(bob)

    response = client.post(reverse("invoice_import"), {"file": hostile, "direction": "auto"})

    assert response.status_code == 200
    assert response.context["report"] is None
    assert "1048576" in response.content.decode()
    ordinary = SimpleUploadedFile("发票基础信息.xlsx", bureau_xlsx(3, seed=7))
    after = client.post(reverse("invoice_import"), {"file": ordinary, "direction": "auto"})
    assert after.context["report"].added == 3
    assert Invoice.objects.filter(company=company_a).count() == 3


def test_thirty_million_cells_without_references_are_refused_before_they_are_read(company_a):
    data = referenceless_cells_xlsx()
    assert len(data) < 2_000_000
    started = time.monotonic()

    with pytest.raises(ValidationError) as refused:
        import_ledger(company=company_a, by=None, data=data)

    assert refused.value.code == "sheet_too_large"
    assert time.monotonic() - started < 20  # it took 26 s and 2.1 GB of the web process to say "no header"


def test_a_sheet_that_passes_the_guards_and_kills_the_engine_is_refused_safely(company_a):
    with pytest.raises(ValidationError) as refused:
        import_ledger(company=company_a, by=None, data=guard_passing_xlsx())

    assert (refused.value.code, refused.value.messages) == ("unsafe_file", ["文件无法安全读取。"])
    assert import_ledger(company=company_a, by=None, data=bureau_xlsx(2, seed=3)).added == 2


def test_a_reader_that_aborts_ends_as_a_refusal_of_the_ledger_file(company_a, monkeypatch):
    monkeypatch.setattr("invoices.importing.read_table", engine_abort)

    with pytest.raises(ValidationError) as refused:
        import_ledger(company=company_a, by=None, data=bureau_xlsx(2, seed=3))

    assert refused.value.code == "unsafe_file"
    assert Invoice.objects.filter(company=company_a).count() == 0


def bureau_import(company, data: bytes) -> BureauImport:
    created, _new = reconcile_services.bureau_import_create(
        company=company, by=None, name="全量发票查询.xlsx", data=data
    )
    reconcile_services.read_import(created.pk)  # as the worker does
    return BureauImport.objects.get(pk=created.pk)


@pytest.mark.parametrize(
    ("hostile", "code"),
    [
        (lambda: far_cell_xlsx(("数电发票号码", "开票日期"), ("1", "2026-01-05"), FAR_CELL_TAGS["newline"]),
         "sheet_too_large"),
        (referenceless_cells_xlsx, "sheet_too_large"),
        (guard_passing_xlsx, "unsafe_file"),
    ],
    ids=["far_cell", "thirty_million_cells", "passes_the_guards"],
)  # fmt: skip
def test_a_hostile_bureau_export_fails_its_import_and_the_next_one_is_read(company_a, hostile, code):
    refused = bureau_import(company_a, hostile())

    assert (refused.state, refused.error_code) == (BureauImport.State.FAILED, code)
    world = scenario(30, seed=4, company_tin=company_a.tin)
    ordinary = bureau_import(company_a, write_xlsx(basic_rows(world)))
    assert (ordinary.state, ordinary.row_count) == (BureauImport.State.DONE, len(world.bureau))


def test_a_bureau_reader_that_aborts_fails_the_import_with_the_refusal(company_a, monkeypatch):
    monkeypatch.setattr(reconcile_services, "read_bureau_file", engine_abort)

    refused = bureau_import(company_a, write_xlsx(basic_rows(scenario(5, seed=2, company_tin=company_a.tin))))

    assert (refused.state, refused.error_code) == (BureauImport.State.FAILED, "unsafe_file")
    assert reconcile_services.import_failure_message(refused) == "文件无法安全读取。"


@pytest.fixture
def buyer(db, settings):
    from accounts.services import company_create

    settings.OCR_ENGINE = "off"
    return company_create(name=einvoices.DIGITAL_SPEC.buyer_name, tin=einvoices.DIGITAL_SPEC.buyer_tin)


def test_a_capture_whose_reader_aborts_fails_alone_and_the_next_file_is_read(buyer, monkeypatch):
    monkeypatch.setitem(registry.READERS, sniff.PDF, AbortingReader())

    [crashed] = run_all(receive(buyer, ("发票.pdf", b"%PDF-1.7\n" + b"0" * 100)))
    [read] = run_all(receive(buyer, ("发票.xml", einvoices.digital_invoice_xml())))

    assert (crashed.state, crashed.reason_code) == (JobState.FAILED, "unsafe_file")
    assert (read.state, read.created_invoice) == (JobState.DONE, True)


def test_a_capture_that_outgrows_its_memory_limit_is_refused(buyer, settings):
    settings.PARSER_LIMITS = {
        **settings.PARSER_LIMITS,
        "capture": Limits.of(memory_mb=900, cpu_seconds=60, timeout=120),
    }

    [job] = run_all(receive(buyer, ("大.pdf", pdf_of_pages(8))))  # 8 pages of 40 million pixels

    assert (job.state, job.reason_code) == (JobState.FAILED, "unsafe_file")


@pytest.fixture
def oversized_pdf(company_a, alice):
    stored, _created = store_file(company=company_a, by=alice, name="大.pdf", data=pdf_of_pages(21))
    return stored


def test_previewing_the_last_page_of_an_oversized_pdf_renders_that_page_alone(
    alice, browser_as, oversized_pdf, settings
):
    # All 21 pages at preview resolution took 3.8 GB; one page fits in far less.
    settings.PARSER_LIMITS = {
        **settings.PARSER_LIMITS,
        "preview": Limits.of(memory_mb=800, cpu_seconds=20, timeout=60),
    }
    started = time.monotonic()

    response = browser_as(alice).get(reverse("stored_file_page", args=[oversized_pdf.pk, 20]))

    assert (response.status_code, response["Content-Type"]) == (200, "image/png")
    assert response.content.startswith(b"\x89PNG")
    assert time.monotonic() - started < 15


def test_a_page_the_original_does_not_have_is_a_404_that_says_so(alice, browser_as, oversized_pdf):
    response = browser_as(alice).get(reverse("stored_file_page", args=[oversized_pdf.pk, 21]))

    assert response.status_code == 404
    assert response.content.decode() == "原件没有第 22 页。"


def test_a_file_without_pictures_shows_a_blank_first_page_and_no_second(alice, browser_as, company_a):
    stored, _created = store_file(
        company=company_a, by=alice, name="发票.xml", data=einvoices.digital_invoice_xml()
    )
    client = browser_as(alice)

    assert client.get(reverse("stored_file_page", args=[stored.pk, 0])).status_code == 200
    assert client.get(reverse("stored_file_page", args=[stored.pk, 1])).status_code == 404

"""Capturing the original of a 数电 invoice the ledger holds without its kind (a hand-kept ledger
had no 票种) fills the kind in, with an event naming the file; the capture ends as a duplicate."""

import pytest

from ingest import pipeline, services
from ingest.models import JobState
from invoices.fapiao import Kind
from invoices.models import InvoiceEvent
from tests.fixtures import einvoices
from tests.fixtures.einvoices import DIGITAL_SPEC
from tests.fixtures.invoices import make_invoice


@pytest.fixture
def buyer(db, settings, tmp_path):
    from accounts.services import company_create

    settings.DATA_DIR = tmp_path
    settings.OCR_ENGINE = "off"
    return company_create(name=DIGITAL_SPEC.buyer_name, tin=DIGITAL_SPEC.buyer_tin)


def capture(company, name: str, data: bytes):
    batch = services.receive_files(
        company=company, by=None, channel="command", uploads=[services.Upload(name, data)]
    )
    for job in batch.jobs.filter(state=JobState.QUEUED):
        pipeline.process_job(job.pk)
    return batch.jobs.get()


def ledger_invoice(company, kind: str):
    return make_invoice(
        company,
        kind=kind,
        number=DIGITAL_SPEC.number,
        issue_date=DIGITAL_SPEC.issue_date,
        seller_name=DIGITAL_SPEC.seller_name,
        seller_tin=DIGITAL_SPEC.seller_tin,
        lines=[],
        total_in_words="",
    )


@pytest.mark.parametrize(("special", "kind"), [(True, Kind.DIGITAL_SPECIAL), (False, Kind.DIGITAL_ORDINARY)])
def test_the_captured_original_tells_the_kind_the_ledger_lacked(buyer, special, kind):
    invoice = ledger_invoice(buyer, Kind.DIGITAL_UNKNOWN)
    assert any(item["code"] == "kind_unconfirmed" for item in invoice.findings)
    spec = einvoices.InvoiceSpec(special=special)
    job = capture(buyer, "原件.xml", einvoices.digital_invoice_xml(spec))
    assert (job.state, job.invoice_id) == (JobState.DUPLICATE, invoice.pk)
    invoice.refresh_from_db()
    assert invoice.kind == kind
    assert not any(item["code"] == "kind_unconfirmed" for item in invoice.findings)
    event = InvoiceEvent.objects.filter(invoice=invoice).order_by("-seq").first()
    assert event.changes == {"kind": [Kind.DIGITAL_UNKNOWN, kind]}
    assert "原件.xml" in event.reason


def test_a_known_kind_is_left_as_the_ledger_has_it(buyer):
    invoice = ledger_invoice(buyer, Kind.DIGITAL_ORDINARY)
    events = InvoiceEvent.objects.filter(invoice=invoice).count()
    job = capture(buyer, "原件.xml", einvoices.digital_invoice_xml())
    assert job.state == JobState.DUPLICATE
    invoice.refresh_from_db()
    assert invoice.kind == Kind.DIGITAL_ORDINARY
    assert InvoiceEvent.objects.filter(invoice=invoice).count() == events

import json
from dataclasses import replace
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Membership
from accounts.roles import Role
from ingest.models import IngestJob, JobState
from invoices.models import Invoice
from tests.fixtures import einvoices
from tests.fixtures.einvoices import DIGITAL_SPEC
from tests.ingest.test_pipeline import run_all


@pytest.fixture
def company(company_a):
    """Company A buys the generated invoices."""
    return company_a


@pytest.fixture
def spec(company):
    return replace(DIGITAL_SPEC, buyer_name=company.name, buyer_tin=company.tin)


@pytest.fixture
def accountant(company, django_user_model, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.OCR_ENGINE = "off"
    user = django_user_model.objects.create_user("dora", password="x")
    Membership.objects.create(company=company, user=user, role=Role.ACCOUNTANT)
    return user


def upload(client, *files):
    return client.post(
        reverse("capture"), {"files": [SimpleUploadedFile(name, data) for name, data in files]}
    )


def test_an_accountant_uploads_files_and_watches_them_being_read(
    accountant, company, spec, browser_as, django_capture_on_commit_callbacks
):
    client = browser_as(accountant)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(
            client, ("a.xml", einvoices.digital_invoice_xml(spec)), ("b.ofd", einvoices.truncated_ofd())
        )
    assert response.status_code == 302
    batch_page = client.get(response["Location"])
    assert "a.xml" in batch_page.text and "b.ofd" in batch_page.text
    run_all(batch_page.context["batch"])
    progress = client.get(response["Location"] + "progress/")
    assert progress.context["counts"]["finished"] == 2
    assert 'hx-trigger="every 2s"' not in progress.text  # finished: no more polling
    assert spec.number in progress.text
    failed = client.get(reverse("capture_failed"))
    assert "b.ofd" in failed.text


def test_a_clerk_cannot_upload(bob, browser_as):
    assert browser_as(bob).get(reverse("capture")).status_code == 403


def test_a_reviewer_corrects_and_confirms_a_card(accountant, company, spec, browser_as):
    company.auto_confirm_capture = False
    company.save()
    client = browser_as(accountant)
    upload(client, ("a.xml", einvoices.digital_invoice_xml(spec)))
    [job] = run_all(IngestJob.objects.get().batch)
    card = client.get(reverse("capture_job", args=[job.pk]))
    form = card.context["form"]
    assert form.initial["number"] == spec.number
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update(
        {"drawer": "赵六", "reason": "核对无误", "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"}
    )
    response = client.post(reverse("capture_job", args=[job.pk]), data)
    assert response.status_code == 302
    job.refresh_from_db()
    invoice = Invoice.objects.get()
    assert (job.state, job.invoice, job.reviewed_by) == (JobState.DONE, invoice, accountant)
    assert (invoice.drawer, invoice.original_file, invoice.source) == ("赵六", job.stored_file, "xml")


def test_a_reviewer_rejects_a_card_with_a_reason(accountant, company, spec, browser_as):
    company.auto_confirm_capture = False
    company.save()
    client = browser_as(accountant)
    upload(client, ("a.xml", einvoices.digital_invoice_xml(spec)))
    [job] = run_all(IngestJob.objects.get().batch)
    client.post(reverse("capture_job_reject", args=[job.pk]), {"reason": "不是发票"})
    job.refresh_from_db()
    assert (job.state, job.reason_params) == (JobState.REJECTED, {"reason": "不是发票"})


def test_the_original_is_served_only_to_its_company(accountant, charlie, company, spec, browser_as):
    data = einvoices.digital_invoice_xml(spec)
    upload(browser_as(accountant), ("a.xml", data))
    stored = IngestJob.objects.get().stored_file
    response = browser_as(accountant).get(reverse("stored_file", args=[stored.pk]))
    assert response.content == data
    assert "sandbox" in response["Content-Security-Policy"]
    assert browser_as(charlie).get(reverse("stored_file", args=[stored.pk])).status_code == 404


def test_the_invoice_page_shows_its_original(accountant, company, spec, browser_as):
    upload(browser_as(accountant), ("a.xml", einvoices.digital_invoice_xml(spec)))
    run_all(IngestJob.objects.get().batch)
    invoice = Invoice.objects.get()
    page = browser_as(accountant).get(reverse("invoice_detail", args=[invoice.pk]))
    assert reverse("stored_file", args=[invoice.original_file.pk]) in page.text


def test_the_api_takes_files_and_reports_each(accountant, company, spec, api_as):
    client = api_as(accountant)
    response = client.post(
        "/api/capture/uploads/",
        {"files": [SimpleUploadedFile("a.xml", einvoices.digital_invoice_xml(spec))]},
        format="multipart",
    )
    assert response.status_code == 202
    batch_id = response.json()["id"]
    run_all(IngestJob.objects.get().batch)
    body = client.get(f"/api/capture/batches/{batch_id}/").json()
    [job] = body["jobs"]
    assert (job["state"], job["media"]) == ("done", "xml")
    assert (
        client.get(f"/api/capture/jobs/{job['id']}/").json()["extraction"]["fields"]["number"]["value"]
        == spec.number
    )


def test_the_ingest_command_reads_a_folder(company, spec, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    settings.OCR_ENGINE = "off"
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.xml").write_bytes(einvoices.digital_invoice_xml(spec))
    (folder / "bad.xml").write_bytes(einvoices.xxe_xml())
    out = StringIO()
    call_command("ingest", str(folder), "--company", company.tin, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-1].endswith("2 files: 1 done, 1 failed")
    assert any(line.startswith("a.xml\tdone\t" + spec.number) for line in lines)


def test_the_extract_command_prints_json_lines(tmp_path, db, settings):
    settings.OCR_ENGINE = "off"
    good, bad = tmp_path / "a.xml", tmp_path / "b.xml"
    good.write_bytes(einvoices.digital_invoice_xml())
    bad.write_bytes(einvoices.billion_laughs_xml())
    out = StringIO()
    call_command("extract", str(good), str(bad), "--json", stdout=out)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["status"] == "ok" and first["error"] is None
    assert first["fields"]["number"] == DIGITAL_SPEC.number
    assert first["fields"]["total"] == str(DIGITAL_SPEC.total)
    assert first["fields"]["check_code"] is None
    assert first["sources"]["number"] == "xml"
    assert (second["status"], second["error"]) == ("failed", "unsafe_xml")


def test_the_ingest_command_names_an_empty_file_and_reads_the_others(company, spec, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.xml").write_bytes(einvoices.digital_invoice_xml(spec))
    (folder / "b.pdf").write_bytes(b"")
    out = StringIO()
    call_command("ingest", str(folder), "--company", company.tin, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-1].endswith("2 files: 1 done, 1 refused")
    assert "b.pdf\trefused\t\tb.pdf 是空文件（0 字节），没有可读取的内容。" in lines

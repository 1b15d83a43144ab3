"""A selection of files with one that cannot be kept (empty): that one is refused alone and named,
in Chinese and English, on the page and by the API; the others are kept and read."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ingest.models import IngestBatch, IngestJob, JobState
from tests.fixtures.samples import sample_path
from tests.ingest.test_pipeline import run_all

SAMPLES = ("pdf/kd_hubei_042002300111_17379385.pdf", "ofd/ofdsharp_jiangsu_032001900311.ofd")


def selection() -> list[SimpleUploadedFile]:
    """Two real invoices and, between them, a file that came through empty (a sync client's stub)."""
    first, second = (sample_path(relative) for relative in SAMPLES)
    return [
        SimpleUploadedFile(first.name, first.read_bytes()),
        SimpleUploadedFile("三月报销.pdf", b""),
        SimpleUploadedFile(second.name, second.read_bytes()),
    ]


@pytest.fixture
def accountant(company_a, alice):
    return alice


def test_the_page_keeps_the_good_files_and_names_the_empty_one(accountant, company_a, browser_as):
    client = browser_as(accountant)
    response = client.post(reverse("capture"), {"files": selection()}, follow=True)
    batch = IngestBatch.objects.get(company=company_a)
    assert response.redirect_chain[-1][0] == reverse("capture_batch", args=[batch.pk])
    assert sorted(batch.jobs.values_list("file_name", flat=True)) == sorted(
        sample_path(relative).name for relative in SAMPLES
    )
    assert "三月报销.pdf 是空文件（0 字节），没有可读取的内容。" in response.text
    assert "1 个文件未保存，其余文件已接收" in response.text
    jobs = run_all(batch)
    assert {job.state for job in jobs} <= {JobState.NEEDS_REVIEW, JobState.DONE}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("capture_batch", args=[batch.pk]))
    assert "三月报销.pdf is empty (0 bytes): there is nothing in it to read." in page.text


def test_a_selection_of_only_an_empty_file_is_refused_by_name(accountant, company_a, browser_as):
    response = browser_as(accountant).post(reverse("capture"), {"files": [SimpleUploadedFile("空.pdf", b"")]})
    assert response.status_code == 200
    assert response.context["form"].errors["files"] == ["空.pdf 是空文件（0 字节），没有可读取的内容。"]
    assert not IngestBatch.objects.exists() and not IngestJob.objects.exists()


def test_the_api_keeps_the_good_files_and_names_the_empty_one(accountant, company_a, api_as):
    response = api_as(accountant).post(
        "/api/capture/uploads/", {"files": selection()}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 202
    body = response.json()
    assert len(body["jobs"]) == 2
    assert body["refused"] == [
        {
            "file": "三月报销.pdf",
            "code": "empty",
            "reason": "三月报销.pdf is empty (0 bytes): there is nothing in it to read.",
        }
    ]
    assert IngestJob.objects.filter(company=company_a).count() == 2


def test_the_api_refuses_a_selection_of_only_empty_files_naming_each(accountant, api_as):
    response = api_as(accountant).post(
        "/api/capture/uploads/",
        {"files": [SimpleUploadedFile("a.pdf", b""), SimpleUploadedFile("b.ofd", b"")]},
        format="multipart",
    )
    assert response.status_code == 400
    messages = [finding["message"] for finding in response.json()["findings"]]
    assert messages == [
        "a.pdf 是空文件（0 字节），没有可读取的内容。",
        "b.ofd 是空文件（0 字节），没有可读取的内容。",
    ]
    assert not IngestJob.objects.exists()

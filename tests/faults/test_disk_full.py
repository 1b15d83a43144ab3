"""The data disk is full while an upload is being stored: a clear refusal in Chinese and English,
nothing recorded, no partial file left, and the same upload goes through once there is room.

The data directory is a small real filesystem (tmpfs) mounted for the test, so the write fails the
way it does on a full disk: ENOSPC part-way through the file."""

import hashlib
import os
import subprocess

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ingest.models import IngestBatch, IngestJob, StoredFile
from reconcile.models import BureauImport
from tests.fixtures import einvoices
from tests.fixtures.einvoices import DIGITAL_SPEC
from tests.fixtures.recon_scenarios import basic_rows, scenario, write_xlsx

pytestmark = pytest.mark.django_db

ROOM = 96 * 1024  # what is left on the disk: a 数电 XML fits, a 300 KB scan does not


@pytest.fixture
def full_disk(settings):
    """DATA_DIR on a 1 MB filesystem filled to ROOM bytes; yields a function that makes room."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem for the data directory needs root")
    data_dir = settings.DATA_DIR
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(data_dir)], check=True)
    filler = data_dir / "filler"
    try:
        free = os.statvfs(data_dir).f_bavail * os.statvfs(data_dir).f_frsize
        filler.write_bytes(b"\0" * (free - ROOM))
        yield lambda: filler.unlink()
    finally:
        subprocess.run(["umount", str(data_dir)], check=True)


def files_on_disk() -> list:
    return [path for path in settings.DATA_DIR.rglob("*") if path.is_file() and path.name != "filler"]


def assert_nothing_half_written():
    for path in files_on_disk():
        assert not path.name.startswith(".incoming-"), f"a partial file was left: {path}"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name  # every kept file is whole


def a_scan() -> bytes:
    return os.urandom(300 * 1024)


def an_xml() -> bytes:
    return einvoices.digital_invoice_xml(DIGITAL_SPEC)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_api_upload_to_a_full_disk_is_refused_and_nothing_is_recorded(
    full_disk, company_a, alice, api_as, language
):
    client = api_as(alice)
    files = [SimpleUploadedFile("a.xml", an_xml()), SimpleUploadedFile("scan.png", a_scan())]
    response = client.post(
        "/api/capture/uploads/", {"files": files}, format="multipart", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    [finding] = response.json()["findings"]
    assert finding["code"] == "storage_full"
    assert (
        finding["message"]
        == {
            "zh-hans": "服务器磁盘已满，scan.png 未能保存。请通知管理员。",
            "en": "The server's disk is full; scan.png was not kept. Tell your admin.",
        }[language]
    )
    assert not (IngestBatch.objects.exists() or IngestJob.objects.exists() or StoredFile.objects.exists())
    assert_nothing_half_written()

    full_disk()  # the admin makes room; the same upload goes through
    files = [SimpleUploadedFile("a.xml", an_xml()), SimpleUploadedFile("scan.png", a_scan())]
    assert client.post("/api/capture/uploads/", {"files": files}, format="multipart").status_code == 202
    assert IngestJob.objects.count() == 2
    assert_nothing_half_written()


def test_an_upload_page_on_a_full_disk_says_so(full_disk, company_a, alice, browser_as):
    page = browser_as(alice).post(reverse("capture"), {"files": [SimpleUploadedFile("scan.png", a_scan())]})
    assert page.status_code == 200
    assert "服务器磁盘已满，scan.png 未能保存。请通知管理员。" in page.content.decode()
    assert not IngestJob.objects.exists()
    assert_nothing_half_written()


def test_a_bureau_export_to_a_full_disk_is_refused(full_disk, company_a, alice, api_as):
    export = write_xlsx(basic_rows(scenario(2000, seed=3)))
    assert len(export) > ROOM
    response = api_as(alice).post(
        "/api/reconcile/imports/",
        {"file": SimpleUploadedFile("全量发票查询.xlsx", export)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["findings"][0]["code"] == "storage_full"
    assert not BureauImport.objects.exists()
    assert_nothing_half_written()


def test_the_reconcile_page_on_a_full_disk_says_so(full_disk, company_a, alice, browser_as):
    export = SimpleUploadedFile("全量发票查询.xlsx", write_xlsx(basic_rows(scenario(2000, seed=3))))
    page = browser_as(alice).post(reverse("reconcile"), {"file": export, "direction": ""})
    assert page.status_code == 200
    assert "服务器磁盘已满，全量发票查询.xlsx 未能保存。请通知管理员。" in page.content.decode()
    assert not BureauImport.objects.exists()
    assert_nothing_half_written()

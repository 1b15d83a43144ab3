"""An altered original that a good re-upload replaced is not just logged: the altered bytes are kept
aside and the integrity check reports them until someone who looked into it deletes them."""

import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from ingest import storage
from ingest.services import store_file
from monitor.integrity_check import run_integrity
from monitor.messages import sentence, title
from monitor.models import Anomaly

pytestmark = pytest.mark.django_db

ORIGINAL = b"%PDF-1.7 the seller's invoice"


def altered_on_disk(sha256: str) -> bytes:
    path = storage.blob_path(sha256)
    path.chmod(0o600)
    altered = bytearray(path.read_bytes())
    altered[3] ^= 0x01
    path.write_bytes(bytes(altered))
    return bytes(altered)


def test_a_replaced_copy_is_kept_and_reported_until_deleted(company_a, settings):
    stored, _created = store_file(company=company_a, by=None, name="scan.pdf", data=ORIGINAL)
    altered = altered_on_disk(stored.sha256)

    assert storage.store_blob(ORIGINAL) == stored.sha256  # the same file uploaded again
    assert storage.read_blob(stored.sha256) == ORIGINAL
    (kept,) = (settings.DATA_DIR / "replaced").iterdir()
    assert kept.read_bytes() == altered and kept.name.startswith(f"{stored.sha256}.")
    assert hashlib.sha256(kept.read_bytes()).hexdigest() != stored.sha256

    result = run_integrity()
    assert [(row["kind"], row["subject"]) for row in result.rows] == [("file_replaced", str(kept))]
    (anomaly,) = Anomaly.objects.filter(kind="file_replaced", state="open")
    assert (anomaly.company, anomaly.severity) == (company_a, "warning")
    assert (anomaly.details["sha256"], anomaly.details["kept"]) == (stored.sha256, str(kept))
    kept_at = datetime.strptime(kept.name.split(".")[1], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    assert (
        anomaly.details["at"] == f"{kept_at.astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M:%S}"
    )  # Beijing time
    with translation.override("zh-hans"):
        assert title(anomaly) == "被改动的原件已用完好的上传替换"
        assert sentence(anomaly).startswith(f"{stored.sha256} 的已保存副本与其哈希不再一致，已于 ")
    with translation.override("en"):
        assert f"the altered copy is kept at {kept}." in sentence(anomaly)

    run_integrity()
    assert Anomaly.objects.filter(kind="file_replaced").count() == 1  # seen again, not again opened
    kept.unlink()  # looked into and deleted
    assert run_integrity().ok
    assert Anomaly.objects.get(kind="file_replaced").state == "resolved"


def test_an_intact_copy_uploaded_again_sets_nothing_aside(company_a, settings):
    store_file(company=company_a, by=None, name="scan.pdf", data=ORIGINAL)
    storage.store_blob(ORIGINAL)
    assert not (settings.DATA_DIR / "replaced").exists()
    assert run_integrity().ok

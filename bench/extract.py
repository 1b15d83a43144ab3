"""Capture accuracy and speed. Prints, per source, the share of key fields read right and the time
per file or page, on generated files with ground truth and on the real public samples; then sends a
batch of 500 mixed files through a real Celery worker with 2 processes and prints the throughput
and each worker process's peak memory.

Targets: XML, OFD and text PDFs 100% of key fields; scans with a readable QR 100% of the QR's fields
and ≥ 95% of the others; scans without a QR ≥ 90%; XML/OFD ≤ 20 ms a file, text PDF ≤ 30 ms a page,
QR ≤ 100 ms a page, OCR ≤ 3 s a page (RapidOCR; tesseract printed beside it)."""

import json
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
django.setup()

from django.conf import settings
from django.db import connection, transaction
from django.test.utils import setup_test_environment

from ingest.extract.base import KEY_FIELDS, ExtractError
from ingest.extract.engines import get_engine
from ingest.extract.images import prepare_for_ocr
from ingest.extract.ocr import extract_ocr
from ingest.extract.ofd import extract_ofd
from ingest.extract.pdf_text import extract_pdf_text
from ingest.extract.qr import extract_qr, read_qr_payloads
from ingest.extract.xml_einvoice import extract_xml
from tests.fixtures import einvoices, invoice_images, invoice_pdfs
from tests.fixtures.samples import missing_reason, samples_dir

SAMPLES = samples_dir()
# What a QR code carries (docs/fapiao-rules.md §QR): 数电 codes the tax-inclusive total, legacy ones the amount.
DIGITAL_QR_FIELDS = ("number", "issue_date", "total")
LEGACY_QR_FIELDS = ("code", "number", "issue_date", "check_code", "amount")


class Score:
    def __init__(self, label: str):
        self.label, self.right, self.checked, self.seconds, self.units = label, Counter(), Counter(), [], 0

    def compare(self, fields: dict, truth: dict, names=KEY_FIELDS) -> None:
        for name in names:
            if truth.get(name):
                self.checked[name] += 1
                self.right[name] += fields.get(name) == truth[name]

    def timed(self, function, *args, units: int = 1):
        started = time.perf_counter()
        result = function(*args)
        self.seconds.append((time.perf_counter() - started) / max(units, 1))
        self.units += units
        return result

    def print(self, unit: str = "file") -> None:
        total_right, total = sum(self.right.values()), sum(self.checked.values())
        share = f"{100 * total_right / total:.1f}% ({total_right}/{total})" if total else "—"
        median = statistics.median(self.seconds) * 1000 if self.seconds else 0
        worst = max(self.seconds) * 1000 if self.seconds else 0
        print(f"{self.label:<28}{share:>22}   {median:8.1f} ms/{unit} median, {worst:8.1f} max")
        wrong = {
            name: self.checked[name] - self.right[name]
            for name in self.checked
            if self.right[name] < self.checked[name]
        }
        if wrong:
            print(f"{'':<28}fields wrong: {wrong}")


def values(extraction) -> dict:
    return {name: field.value for name, field in extraction.fields.items()}


def truth_json() -> dict:
    """The corpus's ground truth, or nothing (the real-sample rows are then left out) without it."""
    if not SAMPLES.is_dir():
        print(f"real samples left out: {missing_reason()}")
        return {}
    return json.loads((SAMPLES / "truth.json").read_text())


def bench_structured(truths: dict) -> None:
    xml, ofd = Score("XML (generated)"), Score("OFD (generated)")
    for index in range(40):
        spec = replace(
            einvoices.DIGITAL_SPEC,
            number=f"2635200000001{index:07d}",
            issue_date=date(2026, 1, 1) + timedelta(index),
            special=index % 2 == 0,
        )
        xml.compare(values(xml.timed(extract_xml, einvoices.digital_invoice_xml(spec))), spec.fields())
        for builder in (einvoices.ofd_with_custom_tag, einvoices.ofd_with_custom_datas):
            fields = values(ofd.timed(extract_ofd, builder(spec)))
            ofd.compare(fields, spec.fields(), names=[name for name in KEY_FIELDS if name != "kind"])
        legacy = replace(einvoices.LEGACY_SPEC, number=f"{index:08d}")
        ofd.compare(values(ofd.timed(extract_ofd, einvoices.ofd_with_attachment(legacy))), legacy.fields())
    real_xml, real_ofd = Score("XML (real samples)"), Score("OFD (real samples)")
    for name, entry in truths.items():
        path = SAMPLES / name
        if name.startswith("xml/"):
            real_xml.compare(
                values(real_xml.timed(extract_xml, path.read_bytes())), sample_truth(truths, name)
            )
        elif name.startswith("ofd/") and path.suffix == ".ofd":
            real_ofd.compare(
                values(real_ofd.timed(extract_ofd, path.read_bytes())), clean_truth(entry["fields"])
            )
    for score in (xml, real_xml, ofd, real_ofd):
        score.print()


def clean_truth(fields: dict) -> dict:
    """truth.json notes some values ("00000002 (placeholder)"): compare the value before the note;
    a field it records as absent (None) is not compared."""
    return {name: str(value).split(" (")[0] for name, value in fields.items() if value is not None}


def sample_truth(truths: dict, name: str) -> dict:
    """An XML unzipped from an OFD has the OFD's fields (truth.json names the OFD in `source`)."""
    fields = truths[name]["fields"]
    if not fields and (match := re.search(r"`(ofd/[^`]+)`", truths[name]["source"])):
        fields = truths.get(match.group(1), {}).get("fields", {})
    return clean_truth(fields)


def bench_pdf(truths: dict) -> None:
    generated, real = Score("PDF text (generated)"), Score("PDF text (real samples)")
    for name in invoice_pdfs.STANDARD:
        pdf = invoice_pdfs.standard_pdf(name)
        pages = sum(len(pages) for pages in pdf.pages)
        extractions = generated.timed(extract_pdf_text, pdf.data, units=pages)
        for extraction, invoice in zip(extractions, pdf.invoices, strict=False):
            generated.compare(values(extraction), invoice.truth())
    for name, entry in truths.items():
        if name.startswith("pdf/"):
            data = (SAMPLES / name).read_bytes()
            extractions = real.timed(extract_pdf_text, data)
            real.compare(values(extractions[0]) if extractions else {}, clean_truth(entry["fields"]))
    generated.print("page")
    real.print("page")


def bench_scans() -> None:
    qr, ocr_with_qr, ocr_without_qr = (
        Score("QR (generated scans)"),
        Score("OCR, scans with QR"),
        Score("OCR, scans without QR"),
    )
    tesseract = Score("OCR tesseract (5 scans)")
    rapid = get_engine("rapidocr")
    rapid.read(prepare_for_ocr(invoice_images.generated_scan(0).image))  # models loaded before timing
    scans = invoice_images.scan_set(24, seed=300)
    for scan in scans:
        payloads = qr.timed(read_qr_payloads, scan.image)
        fields = {}
        for payload in payloads:
            try:
                fields.update(values(extract_qr(payload)))
            except ExtractError:
                continue
        if "qr_payload" in scan.truth:
            digital = len(scan.truth["number"]) == 20
            qr.compare(fields, scan.truth, DIGITAL_QR_FIELDS if digital else LEGACY_QR_FIELDS)
        prepared = prepare_for_ocr(scan.image)
        score = ocr_with_qr if "qr_payload" in scan.truth else ocr_without_qr
        read = values(score.timed(extract_ocr, prepared, rapid))
        merged = {**read, **fields}  # the pipeline's precedence: QR over OCR
        score.compare(merged, scan.truth)
    engine = get_engine("tesseract")
    for scan in scans[:5]:
        tesseract.compare(
            values(tesseract.timed(extract_ocr, prepare_for_ocr(scan.image), engine)), scan.truth
        )
    for score in (qr, ocr_with_qr, ocr_without_qr, tesseract):
        score.print("page")


def mixed_files(count: int) -> list[tuple[str, bytes]]:
    """XML, OFD, text PDFs and scans in the proportions an office sends them."""
    files = []
    for index in range(count):
        kind = index % 10
        spec = replace(
            einvoices.DIGITAL_SPEC,
            number=f"2635200000009{index:07d}",
            issue_date=date(2026, 1, 1) + timedelta(index % 300),
        )
        if kind < 4:
            files.append((f"{index}.xml", einvoices.digital_invoice_xml(spec)))
        elif kind < 6:
            files.append((f"{index}.ofd", einvoices.ofd_with_custom_tag(spec)))
        elif kind < 9:
            pdf = invoice_pdfs.generated_pdf(f"p{index}", [invoice_pdfs.digital_invoice(index)])
            files.append((f"{index}.pdf", pdf.data))
        else:
            scan = invoice_images.generated_scan(index)
            files.append((f"{index}.jpg", invoice_images.image_bytes(scan.image, "JPEG", quality=85)))
    return files


def child_pids(parent: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if fields[1] == str(parent):
            children.append(int(stat.parent.name))
    return children


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench_batch(count: int = 500) -> None:
    import subprocess

    from accounts.services import company_create
    from config.celery import app
    from ingest import services
    from ingest.models import IngestJob, JobState

    files = mixed_files(count)
    company = company_create(name=einvoices.DIGITAL_SPEC.buyer_name, tin=einvoices.DIGITAL_SPEC.buyer_tin)
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATA_DIR": str(settings.DATA_DIR),
        "OCR_ENGINE": "rapidocr",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    app.control.purge()
    name = f"bench-{os.getpid()}@localhost"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            "2",
            "-n",
            name,
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not app.control.ping(destination=[name], timeout=0.5):
            time.sleep(0.5)
        started = time.perf_counter()
        with transaction.atomic():
            batch = services.receive_files(
                company=company, by=None, channel="api", uploads=[services.Upload(n, d) for n, d in files]
            )
        received = time.perf_counter() - started
        waiting = IngestJob.objects.filter(batch=batch, state__in=[JobState.QUEUED, JobState.PROCESSING])
        while waiting.exists():
            time.sleep(1)
        elapsed = time.perf_counter() - started
        memory = [f"{peak_memory_mb(pid):.0f} MB" for pid in child_pids(worker.pid)]
        states = Counter(IngestJob.objects.filter(batch=batch).values_list("state", flat=True))
        print(
            f"batch of {count} mixed files through a worker with 2 processes: {elapsed:.1f} s "
            f"({count / elapsed:.1f} files/s; storing them took {received:.1f} s)"
        )
        print(f"  outcomes: {dict(states)}; peak memory per worker process: {', '.join(memory)}")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(60)


def main() -> None:
    truths = truth_json()
    print(f"{'source':<28}{'key fields right':>22}   speed")
    bench_structured(truths)
    bench_pdf(truths)
    bench_scans()
    setup_test_environment()
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    settings.DATA_DIR = Path(tempfile.mkdtemp(prefix="fapiao-bench-"))
    try:
        bench_batch()
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()

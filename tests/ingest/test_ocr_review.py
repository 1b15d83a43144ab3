"""A scan read by OCR through the capture pipeline: an amount or a taxpayer ID nothing confirms
waits on the review card, which says why, in Chinese and in English. The engine is a stand-in that
reads the given text boxes off any page."""

import json
from functools import partial
from io import StringIO
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from ingest import extraction_report, pipeline, services
from ingest.models import IngestJob, JobState
from invoices.fapiao import uscc_check_char
from invoices.models import Invoice
from invoices.services import remember_counterparties
from tests.fixtures.invoice_images import image_bytes
from tests.ingest.test_ocr import WORDS_8681, WORDS_MISREAD, box, total_rows
from tests.ingest.test_pipeline import run_all

SELLER_NAME = "天津嘉禾供应链有限公司"
SELLER_TIN = "92120116MABYUJBEX9"
SEALED = "92120116MABYEX9"  # SELLER_TIN with UJB lost under a seal
# A real early code that fails its check character (docs/fapiao-rules.md §TaxpayerIDs).
PILOT_TIN = "91350100M0001TGQXM"
SUMMED = ("¥7682.44", "¥998.72", "¥8681.16", WORDS_MISREAD)
UNSUMMED = ("¥7682.44", "¥99.72", "¥8881.16", WORDS_MISREAD)


class BoxesEngine:
    name = "boxes"

    def __init__(self, boxes):
        self.boxes = boxes

    def read(self, image):
        return self.boxes


def digital_page(company, *, seller_tin: str = SELLER_TIN, buyer_tin: str = "", amounts=SUMMED) -> list:
    """A 数电 page as RapidOCR reads one, bought by `company` (whose TIN it reads as `buyer_tin`)."""
    return [
        box("电子发票", 638, 72, 835, 124),
        box("(增值税专用发票)", 851, 69, 1219, 125),
        box("发票号码：26122417776317066907", 1321, 65, 1729, 94),
        box("开票日期：2026年05月17日", 1320, 122, 1633, 149),
        box("购买方信息", 44, 243, 81, 398),
        box("销售方信息", 946, 241, 986, 398),
        box(f"名称：{company.name}", 100, 269, 467, 300),
        box(f"名称：{SELLER_NAME}", 1006, 269, 1373, 300),
        box(f"统一社会信用代码/纳税人识别号：{buyer_tin or company.tin}", 99, 345, 768, 379),
        box(f"统一社会信用代码/纳税人识别号：{seller_tin}", 1004, 346, 1687, 380),
        box("项目名称", 208, 420, 319, 456),
        *total_rows(*amounts),
        box("开票人：刘洋", 153, 1008, 311, 1042),
    ]


@pytest.fixture
def scan(company_a, alice, settings, tmp_path, monkeypatch):
    """Uploads a blank page whose OCR reads the given boxes, runs the job, and returns it."""
    settings.DATA_DIR = tmp_path
    page = image_bytes(Image.new("RGB", (1890, 1102), "white"))

    def scanned(boxes) -> IngestJob:
        # A partial of a module-level class: the engine goes by pickle to the process reading the file.
        monkeypatch.setattr(pipeline, "ocr_factory", lambda: partial(BoxesEngine, boxes))
        batch = services.receive_files(
            company=company_a, by=alice, channel="command", uploads=[services.Upload("扫描件.png", page)]
        )
        [job] = run_all(batch)
        return job

    return scanned


def doubt_codes(job: IngestJob) -> dict[str, str]:
    fields = job.extraction["fields"]
    return {name: reading["doubt"]["code"] for name, reading in fields.items() if "doubt" in reading}


def card(browser_as, user, job, language: str) -> str:
    client = browser_as(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("capture_job", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_amounts_that_add_up_no_way_wait_for_review_saying_why(scan, company_a, alice, browser_as):
    job = scan(digital_page(company_a, amounts=UNSUMMED))

    assert (job.state, Invoice.objects.count()) == (JobState.NEEDS_REVIEW, 0)
    assert doubt_codes(job) == {
        "amount": "sum_unconfirmed",
        "tax": "sum_unconfirmed",
        "total": "total_unconfirmed",
        "total_in_words": "words_disagree",
    }
    chinese, english = card(browser_as, alice, job, "zh-hans"), card(browser_as, alice, job, "en")
    assert "价税合计没有第二处读数印证" in chinese
    assert "识别出的金额加税额不等于价税合计" in chinese
    assert "No second reading confirms the total" in english
    assert "Amount plus tax does not give the total as read" in english


def test_amounts_the_arithmetic_confirms_carry_no_doubt(scan, company_a):
    job = scan(digital_page(company_a))

    assert job.extraction["fields"]["total"]["value"] == "8681.16"
    assert job.extraction["fields"]["total_in_words"]["value"] == WORDS_8681
    assert doubt_codes(job) == {}


@pytest.mark.parametrize(
    ("read", "code", "chinese", "english"),
    [
        (
            "921201MABYUJBEX",
            "tin_unproven",
            "只识别出 15 位",
            "Only 15 characters were read",
        ),
        (
            PILOT_TIN,
            "tin_check_failed",
            f"该纳税人识别号的校验位不符（应为 {uscc_check_char(PILOT_TIN[:17])}）",
            f"does not match ({uscc_check_char(PILOT_TIN[:17])} expected)",
        ),
    ],
    ids=["15 characters", "check fails"],
)
def test_a_seller_tin_nothing_proves_waits_for_review_saying_why(
    scan, company_a, alice, browser_as, read, code, chinese, english
):
    job = scan(digital_page(company_a, seller_tin=read))

    assert (job.state, job.extraction["fields"]["seller_tin"]["value"]) == (JobState.NEEDS_REVIEW, read)
    assert doubt_codes(job) == {"seller_tin": code}
    assert chinese in card(browser_as, alice, job, "zh-hans")
    assert english in card(browser_as, alice, job, "en")


@pytest.mark.parametrize("read", ["921201MABYUJBEX", PILOT_TIN], ids=["15 characters", "check fails"])
def test_a_seller_tin_nothing_proves_is_accepted_when_it_is_a_known_counterparty(scan, company_a, read):
    remember_counterparties(
        company_a, [SimpleNamespace(counterparty_tin=read, counterparty_name=SELLER_NAME)]
    )

    seller_tin = scan(digital_page(company_a, seller_tin=read)).extraction["fields"]["seller_tin"]

    assert seller_tin["value"] == read
    assert "doubt" not in seller_tin
    assert seller_tin["confidence"] >= 0.9


def test_a_damaged_tin_is_offered_as_the_one_the_counterparty_of_that_name_has(
    scan, company_a, alice, browser_as
):
    remember_counterparties(
        company_a, [SimpleNamespace(counterparty_tin=SELLER_TIN, counterparty_name=SELLER_NAME)]
    )

    job = scan(digital_page(company_a, seller_tin=SEALED))

    seller_tin = job.extraction["fields"]["seller_tin"]
    assert (seller_tin["value"], seller_tin["doubt"]) == (
        SELLER_TIN,
        {"code": "tin_known_fits", "params": {"name": SELLER_NAME, "read": SEALED}},
    )
    assert f"这里显示的是台账中{SELLER_NAME}的纳税人识别号" in card(browser_as, alice, job, "zh-hans")


def test_a_damaged_tin_is_not_offered_one_a_counterparty_of_another_name_has(scan, company_a):
    remember_counterparties(
        company_a, [SimpleNamespace(counterparty_tin=SELLER_TIN, counterparty_name="另一家公司")]
    )

    seller_tin = scan(digital_page(company_a, seller_tin=SEALED)).extraction["fields"]["seller_tin"]

    assert (seller_tin["value"], seller_tin["doubt"]["code"]) == (SEALED, "tin_unproven")


def test_a_counterparty_of_another_company_does_not_prove_a_tin(scan, company_a, company_b):
    remember_counterparties(
        company_b, [SimpleNamespace(counterparty_tin=PILOT_TIN, counterparty_name=SELLER_NAME)]
    )

    job = scan(digital_page(company_a, seller_tin=PILOT_TIN))

    assert doubt_codes(job) == {"seller_tin": "tin_check_failed"}


def test_a_buyer_tin_nothing_proves_is_accepted_when_it_is_the_companys_own(scan, company_a):
    misread = company_a.tin.replace("8", "B")  # 91310115MA1K4DBX0B: checks once the B is an 8 again

    buyer_tin = scan(digital_page(company_a, buyer_tin=misread)).extraction["fields"]["buyer_tin"]

    assert (buyer_tin["value"], "doubt" in buyer_tin) == (company_a.tin, False)


def test_the_extract_command_says_what_nothing_confirmed(company_a, tmp_path, monkeypatch, settings):
    settings.OCR_ENGINE = "rapidocr"
    monkeypatch.setattr(
        extraction_report, "get_engine", lambda name: BoxesEngine(digital_page(company_a, amounts=UNSUMMED))
    )
    scan = tmp_path / "扫描件.png"
    scan.write_bytes(image_bytes(Image.new("RGB", (1890, 1102), "white")))
    out = StringIO()

    call_command("extract", str(scan), "--json", stdout=out)

    assert json.loads(out.getvalue())["doubts"] == {
        "amount": "sum_unconfirmed",
        "tax": "sum_unconfirmed",
        "total": "total_unconfirmed",
        "total_in_words": "words_disagree",
    }

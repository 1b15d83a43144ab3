"""The viewer of an original: pages pictured once and kept, OFD pages drawn, a 数电 XML shown as
its invoice, and the original downloaded under the name it was uploaded with."""

import io
from dataclasses import replace

import pytest
from django.urls import reverse
from PIL import Image

from ingest import preview_cache
from ingest.downloads import download_name
from ingest.models import IngestJob, StoredFile
from tests.fixtures import einvoices
from tests.fixtures.einvoices import DIGITAL_SPEC, LEGACY_SPEC
from tests.ingest.test_pipeline import run_all
from tests.ingest.test_views import accountant, company, upload  # noqa: F401 (fixtures)


@pytest.mark.parametrize(
    ("name", "media", "downloaded"),
    [
        ("三月发票.ofd", "ofd", "三月发票.ofd"),
        ("scan.JPEG", "jpeg", "scan.JPEG"),
        ("invoice.txt", "xml", "invoice.xml"),
        ("noext", "pdf", "noext.pdf"),
        ("C:\\Users\\clerk\\发票.pdf", "pdf", "发票.pdf"),
    ],
)
def test_an_original_downloads_under_its_own_name(name, media, downloaded):
    assert download_name(StoredFile(name=name, media=media)) == downloaded


def test_the_download_keeps_the_chinese_name(accountant, company, browser_as):  # noqa: F811
    client = browser_as(accountant)
    upload(client, ("发票.ofd", einvoices.ofd_with_attachment(replace(LEGACY_SPEC, buyer_tin=company.tin))))
    stored = IngestJob.objects.get().stored_file
    response = client.get(reverse("stored_file", args=[stored.pk]))
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%8F%91%E7%A5%A8.ofd"


def test_an_ofd_page_is_drawn_once_and_kept(accountant, company, browser_as, monkeypatch):  # noqa: F811
    client = browser_as(accountant)
    upload(client, ("发票.ofd", einvoices.ofd_with_attachment(replace(LEGACY_SPEC, buyer_tin=company.tin))))
    stored = IngestJob.objects.get().stored_file
    url = reverse("stored_file_page", args=[stored.pk, 0])
    first = client.get(url)
    assert (first.status_code, first["Content-Type"]) == (200, "image/png")
    picture = Image.open(io.BytesIO(first.content))
    assert picture.width > 1000  # a page at a readable size, not a blank placeholder
    assert len(set(picture.convert("L").getdata())) > 2  # something is drawn on it

    drawn = []
    original = preview_cache.run_isolated
    monkeypatch.setattr(preview_cache, "run_isolated", lambda *a, **k: drawn.append(a) or original(*a, **k))
    again = client.get(url)
    assert (again.content, drawn) == (first.content, [])  # kept: the original is not decoded again

    thumb = client.get(url + "?size=thumb")
    assert thumb["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.content)).size) == preview_cache.THUMB_SIDE
    assert client.get(reverse("stored_file_page", args=[stored.pk, 3])).status_code == 404
    assert preview_cache.pages_of(stored) == 1  # counted once, then read from beside the pictures
    assert (preview_cache._folder(stored.sha256) / "pages").read_text() == "1"
    bad = client.get(url + "?size=huge")
    assert (bad.status_code, bad.content.decode()) == (400, "未知的图片尺寸：请选择 full 或 thumb。")


def test_a_stranger_gets_no_picture(accountant, company, charlie, browser_as):  # noqa: F811
    upload(
        browser_as(accountant),
        ("发票.ofd", einvoices.ofd_with_attachment(replace(LEGACY_SPEC, buyer_tin=company.tin))),
    )
    stored = IngestJob.objects.get().stored_file
    response = browser_as(charlie).get(reverse("stored_file_page", args=[stored.pk, 0]) + "?size=thumb")
    assert response.status_code == 404
    assert not (preview_cache._folder(stored.sha256)).exists()


def test_an_xml_card_shows_the_invoice_it_states(accountant, company, browser_as):  # noqa: F811
    company.auto_confirm_capture = False
    company.save()
    client = browser_as(accountant)
    spec = replace(DIGITAL_SPEC, buyer_name=company.name, buyer_tin=company.tin)
    upload(client, ("数电.xml", einvoices.digital_invoice_xml(spec)))
    [job] = run_all(IngestJob.objects.get().batch)
    page = client.get(reverse("capture_job", args=[job.pk])).text
    article = page[page.index('<article class="xml-invoice"') : page.index("</article>")]
    assert spec.number in article and spec.seller_name in article and str(spec.total) in article
    assert 'download="数电.xml"' in page


def test_the_viewer_turns_as_many_pages_as_a_pdf_has(accountant, company, browser_as):  # noqa: F811
    from tests.fixtures.invoice_pdfs import digital_invoice, generated_pdf

    company.auto_confirm_capture = False
    company.save()
    client = browser_as(accountant)
    invoices = [
        replace(digital_invoice(index), buyer_tin=company.tin, buyer_name=company.name) for index in (1, 2)
    ]
    upload(client, ("两张.pdf", generated_pdf("bought", invoices).data))
    jobs = run_all(IngestJob.objects.get().batch)
    card = next(job for job in jobs if job.state == "needs_review")
    page = client.get(reverse("capture_job", args=[card.pk])).text
    assert 'data-pages="2"' in page

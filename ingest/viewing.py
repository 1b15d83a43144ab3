"""What the viewer of an original shows: the pages of a PDF, an image or an OFD as pictures, or
a 数电 XML as the invoice it states (it has no pages to draw)."""

from django.urls import reverse

from ingest import preview_cache, sniff
from ingest.downloads import download_name
from ingest.models import StoredFile
from invoices.rates import rate_percent

PICTURED = (sniff.PDF, sniff.OFD, *sniff.IMAGES)


def viewer_context(stored: StoredFile, *, first_page: int = 0, values: dict | None = None, lines=()) -> dict:
    page_url, pages = "", 1
    if stored.media in PICTURED:
        pages = preview_cache.pages_of(stored)
        page_url = reverse("stored_file_page", args=[stored.pk, 0]).replace("/0.png", "/__PAGE__.png")
    xml = None
    if stored.media == sniff.XML and values is not None:
        xml = {
            **values,
            "lines": [{**line, "rate_percent": rate_percent(str(line.get("rate", "")))} for line in lines],
        }
    return {
        "first_page": min(first_page, pages - 1),
        "pages": pages,
        "page_url": page_url,
        "first_src": page_url.replace("__PAGE__", str(first_page)),
        "download_url": reverse("stored_file", args=[stored.pk]),
        "download_name": download_name(stored),
        "xml": xml,
    }

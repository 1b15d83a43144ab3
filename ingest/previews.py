"""Pictures of an original for the viewer: a page of a PDF, TIFF or OFD, or the image itself.
Pure: no Django; the view runs it in a child process (sandbox/), as every reader of uploaded bytes.

Only the page asked for is decoded, whatever the file's size or number of pages. Pages of a PDF or
an OFD are PNG (sharp print); photos and scans are JPEG, a tenth of the size at the same look."""

import io

from PIL import Image, ImageDraw

from ingest import sniff
from ingest.extract.base import ExtractError
from ingest.extract.images import load_image_page, pdf_page_count, render_pdf_page
from ingest.extract.ofd import page_layout
from ingest.ofd_picture import cjk_font, ofd_page_image

PREVIEW_DPI = 150
MAX_SIDE = 2400
MAX_VIEWER_PAGES = 500


def preview_picture(data: bytes, media: str, page: int) -> tuple[bytes, str] | None:
    """(bytes, "png" or "jpeg") of page `page` (0-based); None when the file has no such page. A
    数电 XML has no pages: its one picture is a label for the queue's thumbnail (the viewer shows
    it as a formatted invoice). A file too damaged to draw gets a blank page."""
    try:
        if media == sniff.PDF:
            # Never more pixels than the preview shows: a page of 200 inches renders as quickly as A4.
            image = render_pdf_page(data, page, dpi=PREVIEW_DPI, max_pixels=MAX_SIDE * MAX_SIDE)
        elif media in sniff.IMAGES:
            image = load_image_page(data, page)
        elif media == sniff.OFD:
            image = ofd_page_image(data, page)
        else:
            image = _label("数电 XML") if page == 0 else None
    except ExtractError:
        image = _blank()
    if image is None:
        return None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    kind = "jpeg" if media in sniff.IMAGES else "png"
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=kind.upper(), **({"quality": 85} if kind == "jpeg" else {}))
    return buffer.getvalue(), kind


def page_count(data: bytes, media: str) -> int:
    """How many pages the viewer can turn: a PDF's, a TIFF's or an OFD's pages, one for anything
    else; 1 for a file too damaged to count (its one page is then blank)."""
    try:
        if media == sniff.PDF:
            return max(1, pdf_page_count(data))
        if media == sniff.TIFF:
            pages = 0
            while load_image_page(data, pages) is not None and pages < MAX_VIEWER_PAGES:
                pages += 1
            return max(1, pages)
        if media == sniff.OFD:
            return max(1, len(page_layout(data)[1]))
    except ExtractError:
        return 1
    return 1


def _label(text: str) -> Image.Image:
    image = Image.new("RGB", (480, 320), (255, 253, 247))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 471, 311), outline=(200, 160, 120), width=3)
    font = cjk_font(56)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((480 - right + left) / 2, (320 - bottom + top) / 2), text, fill=(138, 59, 18), font=font)
    return image


def _blank() -> Image.Image:
    return Image.new("RGB", (10, 10), "white")

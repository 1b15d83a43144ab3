"""Pictures of an original for the reviewer: a page of a PDF or TIFF, or the image itself, as PNG.
Pure: no Django; the view runs it in a child process (sandbox/), as every reader of uploaded bytes.

Only the page asked for is decoded, whatever the file's size or number of pages."""

import io

from PIL import Image

from ingest import sniff
from ingest.extract.base import ExtractError
from ingest.extract.images import load_image_page, render_pdf_page

PREVIEW_DPI = 110
MAX_SIDE = 1800


def preview_png(data: bytes, media: str, page: int) -> bytes | None:
    """PNG bytes of page `page` (0-based); None when the file has no such page. A file that has no
    picture (XML, OFD), or one too damaged to show, gets a blank page."""
    try:
        if media == sniff.PDF:
            # Never more pixels than the preview shows: a page of 200 inches renders as quickly as A4.
            image = render_pdf_page(data, page, dpi=PREVIEW_DPI, max_pixels=MAX_SIDE * MAX_SIDE)
        elif media in sniff.IMAGES:
            image = load_image_page(data, page)
        else:
            image = _blank() if page == 0 else None
    except ExtractError:
        image = _blank()
    if image is None:
        return None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _blank() -> Image.Image:
    return Image.new("RGB", (10, 10), "white")

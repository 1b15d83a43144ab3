"""Pictures of an original for the viewer: a page of a PDF, TIFF or OFD, or the image itself.
Pure: no Django; the view runs it in a child process (sandbox/), as every reader of uploaded bytes.

Only the page asked for is decoded, whatever the file's size or number of pages. Pages of a PDF or
an OFD are PNG (sharp print); photos and scans are JPEG, a tenth of the size at the same look."""

import io

from PIL import Image

from ingest import sniff
from ingest.extract.base import ExtractError
from ingest.extract.images import load_image_page, render_pdf_page
from ingest.ofd_picture import ofd_page_image

PREVIEW_DPI = 150
MAX_SIDE = 2400


def preview_picture(data: bytes, media: str, page: int) -> tuple[bytes, str] | None:
    """(bytes, "png" or "jpeg") of page `page` (0-based); None when the file has no such page or
    no page at all (XML, which the viewer shows as a formatted invoice instead). A file too
    damaged to draw gets a blank page."""
    try:
        if media == sniff.PDF:
            # Never more pixels than the preview shows: a page of 200 inches renders as quickly as A4.
            image = render_pdf_page(data, page, dpi=PREVIEW_DPI, max_pixels=MAX_SIDE * MAX_SIDE)
        elif media in sniff.IMAGES:
            image = load_image_page(data, page)
        elif media == sniff.OFD:
            image = ofd_page_image(data, page)
        else:
            return None
    except ExtractError:
        image = _blank()
    if image is None:
        return None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    kind = "jpeg" if media in sniff.IMAGES else "png"
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=kind.upper(), **({"quality": 85} if kind == "jpeg" else {}))
    return buffer.getvalue(), kind


def _blank() -> Image.Image:
    return Image.new("RGB", (10, 10), "white")

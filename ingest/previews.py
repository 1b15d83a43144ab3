"""Pictures of an original for the reviewer: a page of a PDF or TIFF, or the image itself, as PNG."""

import io

from PIL import Image

from ingest import sniff
from ingest.extract.base import ExtractError
from ingest.extract.images import load_images, render_pdf_pages
from ingest.models import StoredFile
from ingest.storage import read_blob

PREVIEW_DPI = 110
MAX_SIDE = 1800


def preview_png(stored: StoredFile, page: int) -> bytes:
    """PNG bytes of one page; a file that has no picture (XML, OFD) gets a blank page."""
    data = read_blob(stored.sha256)
    try:
        if stored.media == sniff.PDF:
            images = render_pdf_pages(data, dpi=PREVIEW_DPI, max_pages=page + 1)
        elif stored.media in sniff.IMAGES:
            images = load_images(data)
        else:
            images = []
    except ExtractError:
        images = []
    image = images[page] if 0 <= page < len(images) else None
    if image is None:
        image = Image.new("RGB", (10, 10), "white")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()

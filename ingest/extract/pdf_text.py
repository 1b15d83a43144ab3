"""The text layer of a PDF e-invoice, read from where each character sits on the page. Pure: no Django.

pdfium gives each printed character and its box; geometry.py groups them into words and rows and
page_fields.py reads the invoice's fields and lines from them (docs/fapiao-rules.md §Identifiers, §Kinds,
§Amounts), trusting nothing of the order the text was drawn in.

One invoice per page, unless a page shows no invoice number of its own (a 销货清单, the second page
of a long line list) or repeats the number of the invoice before it: then it continues that invoice,
its lines appended and its fields filling what the earlier pages lacked.
"""

from collections.abc import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.extract.base import ExtractError, Extraction
from ingest.extract.geometry import Glyph
from ingest.extract.page_fields import read_page

SOURCE = "pdf_text"
MAX_PAGE_CHARS = 20_000  # an invoice page has a few thousand; a page with more is not one (a map, a drawing)
PDF_HEAD_WINDOW = 1024  # readers accept junk before %PDF- and after %%EOF within about this much
PDF_TAIL_WINDOW = 2048


# Reading the page.


def _page_glyphs(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[Glyph]:
    """The printed characters in content-stream order, with their loose boxes (the font's full
    height, so that glyphs of one line line up whatever their shape), as the page is shown."""
    upright = _upright(page)
    box = pdfium_c.FS_RECTF()
    glyphs: list[Glyph] = []
    spaced = False
    count = pdfium_c.FPDFText_CountChars(textpage)
    if count > MAX_PAGE_CHARS:
        return []
    for index in range(count):
        char = _char(pdfium_c.FPDFText_GetUnicode(textpage, index))
        if char.isspace():
            spaced = spaced or not pdfium_c.FPDFText_IsGenerated(textpage, index)
            continue
        if not char or not char.isprintable():
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(textpage, index, box):
            continue
        x0, y0, x1, y1 = upright(box.left, box.bottom, box.right, box.top)
        if not y1 > y0:  # a glyph of no height (or a box of NaNs) has no line to belong to
            continue

        glyphs.append(Glyph.drawn(char, (x0, y0, x1, y1), len(glyphs), spaced))
        spaced = False
    return glyphs


def _upright(page: pdfium.PdfPage):
    """Turns a box from the page's own coordinates into those of the page as shown: a page with
    /Rotate 90 holds a landscape invoice whose text runs up the unrotated page."""
    left, bottom, right, top = page.get_cropbox()
    rotation = page.get_rotation()
    if rotation == 90:
        return lambda x0, y0, x1, y1: (y0 - bottom, right - x1, y1 - bottom, right - x0)
    if rotation == 180:
        return lambda x0, y0, x1, y1: (right - x1, top - y1, right - x0, top - y0)
    if rotation == 270:
        return lambda x0, y0, x1, y1: (top - y1, x0 - left, top - y0, x1 - left)
    return lambda x0, y0, x1, y1: (x0, y0, x1, y1)


def _char(code: int) -> str:
    """The character pdfium reports; "" for a lone surrogate or a value beyond Unicode, which
    broken ToUnicode maps produce."""
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return ""
    return chr(code)


def _continues_invoice(invoice: Extraction, page: Extraction) -> bool:
    """A page without a number of its own, or repeating the number of the invoice before it."""
    number, invoice_number = page.fields.get("number"), invoice.fields.get("number")
    return number is None or (invoice_number is not None and number.value == invoice_number.value)


def _grouped(pages: list[Extraction]) -> list[Extraction]:
    invoices: list[Extraction] = []
    for page in pages:
        if invoices and _continues_invoice(invoices[-1], page):
            invoice = invoices[-1]
            invoice.pages = (*invoice.pages, *page.pages)
            invoice.lines.extend(page.lines)
            for name, value in page.fields.items():
                invoice.fields.setdefault(name, value)
        elif page.fields:
            invoices.append(page)
    return invoices


def _looks_like_pdf(data: bytes) -> bool:
    """A PDF header near the start and an end-of-file mark near the end: a file cut short in
    transfer lacks the mark, and pdfium would otherwise quietly read what is left."""
    return b"%PDF-" in data[:PDF_HEAD_WINDOW] and b"%%EOF" in data[-PDF_TAIL_WINDOW:]


def _open(data: bytes) -> pdfium.PdfDocument:
    if not data:
        raise ExtractError("empty")
    if not _looks_like_pdf(data):
        raise ExtractError("corrupt")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise ExtractError("encrypted") from None
        raise ExtractError("corrupt") from None


def _document_glyphs(document: pdfium.PdfDocument) -> Iterator[list[Glyph]]:
    for index in range(len(document)):
        page = document[index]
        try:
            textpage = page.get_textpage()
            try:
                yield _page_glyphs(page, textpage)
            finally:
                textpage.close()
        finally:
            page.close()


def extract_pdf_text(data: bytes, *, max_pages: int = 50) -> list[Extraction]:
    """The invoices in a PDF's text layer, one Extraction (source "pdf_text") each, with the pages
    it spans. A PDF without a text layer (a scan) gives [], for the pipeline to render and OCR.

    Raises ExtractError: "empty", "corrupt" (not a PDF, truncated or damaged), "encrypted" (a user
    password is needed) or "too_large" (more than `max_pages` pages)."""
    document = _open(data)
    try:
        if len(document) > max_pages:
            raise ExtractError("too_large", pages=len(document), limit=max_pages)
        pages = [
            read_page(glyphs, source=SOURCE, index=index)
            for index, glyphs in enumerate(_document_glyphs(document))
        ]
    except pdfium.PdfiumError:
        raise ExtractError("corrupt") from None
    finally:
        document.close()
    return _grouped(pages)

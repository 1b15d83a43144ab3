"""Which extractors read which kind of file, and in what order. Pure: no Django.

`read_invoices` returns, for every invoice found in the file, the extractions of each source that
read it; `merge` then makes one reading of each. ZIP archives are not read here: the pipeline
unpacks them into files of their own.

The pipeline picks the reader here (`reader_for`) and runs it in a child process (`read_with`
under sandbox/), so a reader travels by pickle: by its qualified name, which a module-level
function or class instance has, and a lambda has not."""

from collections.abc import Callable
from functools import partial

from ingest import sniff
from ingest.extract.base import ExtractError, Extraction
from ingest.extract.engines import OcrEngine
from ingest.extract.images import load_images, prepare_for_ocr, render_pdf_pages
from ingest.extract.ocr import extract_ocr
from ingest.extract.ofd import extract_ofd
from ingest.extract.pdf_text import extract_pdf_text
from ingest.extract.qr import extract_qr, read_qr_payloads
from ingest.extract.xml_einvoice import extract_xml

OcrFactory = Callable[[], OcrEngine] | None  # loads the engine only when a page needs OCR
Reader = Callable[[bytes, OcrFactory], list[list[Extraction]]]


def _read_structured(
    extract: Callable[[bytes], Extraction], data: bytes, ocr: OcrFactory
) -> list[list[Extraction]]:
    return [[extract(data)]]


def _structured(extract: Callable[[bytes], Extraction]) -> Reader:
    return partial(_read_structured, extract)


def _qr_readings(image) -> list[Extraction]:
    readings = []
    for payload in read_qr_payloads(image):
        try:
            readings.append(extract_qr(payload))
        except ExtractError:  # a QR code that is not an invoice's (a shop's, a URL) says nothing
            continue
    return readings


def _pages(images, ocr: OcrFactory) -> list[list[Extraction]]:
    """Scanned pages: one invoice per page, a page that shows no invoice number of its own
    belonging to the invoice before it."""
    invoices: list[list[Extraction]] = []
    for index, image in enumerate(images):
        readings = _qr_readings(image)
        if ocr is not None:
            readings.append(extract_ocr(prepare_for_ocr(image), ocr()))
        for reading in readings:
            reading.pages = (index,)
        if invoices and not any("number" in reading.fields for reading in readings):
            _continue_invoice(invoices[-1], readings, index)
        else:
            invoices.append(readings)
    return [readings for readings in invoices if any(reading.fields for reading in readings)]


def _continue_invoice(invoice: list[Extraction], readings: list[Extraction], page: int) -> None:
    """A page without a number of its own carries more lines of the invoice before it."""
    for reading in readings:
        same_source = next((earlier for earlier in invoice if earlier.source == reading.source), None)
        if same_source is not None:
            same_source.lines.extend(reading.lines)
            same_source.pages = (*same_source.pages, page)


def _read_pdf(data: bytes, ocr: OcrFactory) -> list[list[Extraction]]:
    texts = extract_pdf_text(data)
    images = render_pdf_pages(data)
    if not texts:
        return _pages(images, ocr)
    invoices = []
    for text in texts:
        qr = [reading for page in text.pages if page < len(images) for reading in _qr_readings(images[page])]
        invoices.append([text, *qr])
    return invoices


def _read_image(data: bytes, ocr: OcrFactory) -> list[list[Extraction]]:
    return _pages(load_images(data), ocr)


READERS: dict[str, Reader] = {
    sniff.XML: _structured(extract_xml),
    sniff.OFD: _structured(extract_ofd),
    sniff.PDF: _read_pdf,
    sniff.JPEG: _read_image,
    sniff.PNG: _read_image,
    sniff.TIFF: _read_image,
}


def read_invoices(data: bytes, media: str, *, ocr: OcrFactory) -> list[list[Extraction]]:
    """The invoices in one file, each as the extractions of the sources that read it. Raises
    ExtractError when the file cannot be read or holds no invoice."""
    return read_with(reader_for(data, media), data, ocr)


def reader_for(data: bytes, media: str) -> Reader:
    """The reader of a file of this kind. Raises ExtractError("empty") or ("unknown_format")."""
    if not data:
        raise ExtractError("empty")
    reader = READERS.get(media)
    if reader is None:
        raise ExtractError("unknown_format")
    return reader


def read_with(reader: Reader, data: bytes, ocr: OcrFactory) -> list[list[Extraction]]:
    """What `reader` finds in the file; ExtractError("not_invoice") when that is nothing."""
    invoices = reader(data, ocr)
    if not invoices:
        raise ExtractError("not_invoice")
    return invoices

"""Page images from uploaded scans and PDFs, and their preparation for OCR. Pure: no Django.

These are the pages the QR reader (docs/fapiao-rules.md §QR) and OCR (the identifiers of §Identifiers, the
amounts of §Amounts) look at. Uploaded files are hostile until decoded: the pixel count is checked from the
header before any pixel is decoded (decompression bombs), and every decoding failure becomes an ExtractError.
"""

import io
import math

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps

from ingest.extract.base import ExtractError

MAX_PIXELS = 40_000_000
MAX_PAGES = 20
OCR_MIN_LONG_SIDE = 1600
MAX_SKEW_DEGREES = 5.0
MIN_SKEW_DEGREES = 0.3  # below this a rotation blurs more than it straightens

_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),  # BigTIFF
    (b"MM\x00+", "TIFF"),
)
_PDF_ENCRYPTED = (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY)
_SKEW_WIDTH = 1000  # the skew is measured on a copy this wide: enough lines, little time


def load_images(
    data: bytes, *, max_pixels: int = MAX_PIXELS, max_pages: int = MAX_PAGES
) -> list[Image.Image]:
    """The pages of a JPEG, PNG or TIFF (every page), upright as their EXIF orientation says, in RGB.

    Raises ExtractError: "empty", "unknown_format", "corrupt", or "too_large" when a page has more
    than max_pixels pixels or a TIFF more than max_pages pages."""
    if not data:
        raise ExtractError("empty")
    image_format = _sniff_format(data)
    try:
        with Image.open(io.BytesIO(data), formats=[image_format]) as image:
            if image_format != "TIFF":
                return [_decoded_page(image, max_pixels)]
            return [_decoded_page(image, max_pixels) for _ in _tiff_pages(image, max_pages)]
    except ExtractError:
        raise
    except Image.DecompressionBombError:
        raise ExtractError("too_large") from None
    except Exception as error:
        # Decoders raise many types on damaged input (OSError, SyntaxError, ValueError, struct and
        # zlib errors, ...); for the clerk they all mean the same thing.
        raise ExtractError("corrupt") from error


def _sniff_format(data: bytes) -> str:
    for signature, image_format in _SIGNATURES:
        if data.startswith(signature):
            return image_format
    raise ExtractError("unknown_format")


def _tiff_pages(image: Image.Image, max_pages: int):
    """Seek through the pages one by one: n_frames would walk a hostile chain of thousands first."""
    page = 0
    while True:
        try:
            image.seek(page)
        except EOFError:
            return
        if page >= max_pages:
            raise ExtractError("too_large", pages=f"more than {max_pages}")
        yield page
        page += 1


def _decoded_page(image: Image.Image, max_pixels: int) -> Image.Image:
    width, height = image.size
    if width * height > max_pixels:
        raise ExtractError("too_large", pixels=str(width * height))
    image.load()
    return _as_rgb(ImageOps.exif_transpose(image))


def _as_rgb(image: Image.Image) -> Image.Image:
    """RGB, with transparency flattened onto white paper (a transparent screenshot is not black)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return image.convert("RGB")


def render_pdf_pages(
    data: bytes, *, dpi: int = 200, max_pages: int = MAX_PAGES, max_pixels: int = MAX_PIXELS
) -> list[Image.Image]:
    """Every page of a PDF rendered in RGB at dpi; a page that would exceed max_pixels is rendered
    at the lower resolution that fits.

    Raises ExtractError: "empty", "unknown_format", "encrypted", "corrupt", or "too_large" when the
    PDF has more than max_pages pages."""
    document = _opened_pdf(data)
    try:
        if len(document) > max_pages:
            raise ExtractError("too_large", pages=str(len(document)))
        if not len(document):
            raise ExtractError("corrupt")
        return [_rendered_page(document, index, dpi, max_pixels) for index in range(len(document))]
    except pdfium.PdfiumError as error:
        raise ExtractError("corrupt") from error
    finally:
        document.close()


def render_pdf_page(data: bytes, index: int, *, dpi: int, max_pixels: int = MAX_PIXELS) -> Image.Image | None:
    """Page `index` (0-based) alone, as render_pdf_pages renders each; None when there is no such
    page. Raises ExtractError as render_pdf_pages does, but never "too_large"."""
    document = _opened_pdf(data)
    try:
        return _rendered_page(document, index, dpi, max_pixels) if 0 <= index < len(document) else None
    except pdfium.PdfiumError as error:
        raise ExtractError("corrupt") from error
    finally:
        document.close()


def load_image_page(data: bytes, index: int, *, max_pixels: int = MAX_PIXELS) -> Image.Image | None:
    """Page `index` (0-based) of a JPEG, PNG or TIFF alone, as load_images decodes each; None when
    there is no such page. Raises ExtractError as load_images does."""
    if not data:
        raise ExtractError("empty")
    image_format = _sniff_format(data)
    try:
        with Image.open(io.BytesIO(data), formats=[image_format]) as image:
            if index and image_format != "TIFF":
                return None
            try:
                image.seek(index)
            except EOFError:
                return None
            return _decoded_page(image, max_pixels)
    except ExtractError:
        raise
    except Image.DecompressionBombError:
        raise ExtractError("too_large") from None
    except Exception as error:
        raise ExtractError("corrupt") from error


def pdf_page_count(data: bytes) -> int:
    document = _opened_pdf(data)
    try:
        return len(document)
    finally:
        document.close()


def _opened_pdf(data: bytes) -> pdfium.PdfDocument:
    if not data:
        raise ExtractError("empty")
    if b"%PDF-" not in data[:1024]:
        raise ExtractError("unknown_format")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        code = "encrypted" if error.err_code in _PDF_ENCRYPTED else "corrupt"
        raise ExtractError(code) from None


def _rendered_page(document: pdfium.PdfDocument, index: int, dpi: int, max_pixels: int) -> Image.Image:
    width, height = document.get_page_size(index)
    if width <= 0 or height <= 0:
        raise ExtractError("corrupt")
    scale = min(dpi / 72, _fitting_scale(width, height, max_pixels))
    page = document[index]
    try:
        bitmap = page.render(scale=scale)
        try:
            return bitmap.to_pil().convert("RGB")  # a copy: the bitmap's buffer is freed below
        finally:
            bitmap.close()
    finally:
        page.close()


def _fitting_scale(width: float, height: float, max_pixels: int) -> float:
    """The largest scale at which a page stays within max_pixels even when both sides round up:
    the root of (width·s + 1)(height·s + 1) = max_pixels."""
    area, perimeter = width * height, width + height
    return (math.sqrt(perimeter**2 + 4 * area * (max_pixels - 1)) - perimeter) / (2 * area)


def prepare_for_ocr(image: Image.Image) -> Image.Image:
    """Grayscale, straightened by the dominant text-line angle (up to ±5°), and small scans enlarged
    so their long side is OCR_MIN_LONG_SIDE: OCR models misread characters under ~20 px high."""
    gray = np.asarray(image.convert("L"))
    angle = _skew_angle(gray)
    if abs(angle) >= MIN_SKEW_DEGREES:
        gray = _rotated(gray, angle, fill=255)
    long_side = max(gray.shape)
    if long_side < OCR_MIN_LONG_SIDE:
        factor = OCR_MIN_LONG_SIDE / long_side
        gray = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return Image.fromarray(gray)


def _skew_angle(gray: np.ndarray) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines horizontal: the angle whose
    row profile of ink is sharpest, searched coarse then fine."""
    factor = min(1.0, _SKEW_WIDTH / gray.shape[1])
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else gray
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    coarse = _sharpest_angle(ink, np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01, 0.5))
    return _sharpest_angle(ink, np.arange(coarse - 0.4, coarse + 0.41, 0.1))


def _sharpest_angle(ink: np.ndarray, angles: np.ndarray) -> float:
    return float(max(angles, key=lambda angle: _profile_sharpness(_rotated(ink, angle, fill=0))))


def _profile_sharpness(ink: np.ndarray) -> float:
    rows = ink.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def _rotated(pixels: np.ndarray, angle: float, *, fill: int) -> np.ndarray:
    """Rotated about the centre on a canvas grown to keep the corners."""
    height, width = pixels.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width, new_height = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += (new_width - width) / 2
    matrix[1, 2] += (new_height - height) / 2
    return cv2.warpAffine(pixels, matrix, (new_width, new_height), flags=cv2.INTER_LINEAR, borderValue=fill)

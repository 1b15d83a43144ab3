"""The fapiao QR code: decoding it from a page image, and its fields (docs/fapiao-rules.md §QR).
Pure: no Django.

The payload is read by invoices.fapiao.parse_qr. Its amount is 价税合计 (tax-inclusive) for 数电
invoices and 合计金额 (tax-exclusive) for legacy ones, so it fills "total" or "amount" accordingly.
"""

import re

import cv2
import numpy as np
import zxingcpp
from PIL import Image

from ingest.extract.base import ExtractError, Extraction
from invoices.fapiao import FapiaoParseError, kind_from_qr, normalize_id, parse_qr

ENLARGE_UP_TO = 1600  # a page rendered at 200 dpi or more already gives QR modules enough pixels
_DASHED_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATE_FIELD = 5


def read_qr_payloads(image: Image.Image) -> list[str]:
    """The texts of the QR codes on a page, in the order found, without repeats. When nothing
    decodes as is, the page is tried again enlarged, then enlarged and binarised."""
    gray = np.asarray(image.convert("L"))
    payloads = _decoded(gray)
    if payloads:
        return payloads
    enlarged = _enlarged(gray)
    if enlarged is not gray and (payloads := _decoded(enlarged)):
        return payloads
    return _decoded(_binarised(enlarged))


def _decoded(gray: np.ndarray) -> list[str]:
    barcodes = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    return list(dict.fromkeys(barcode.text for barcode in barcodes if barcode.valid and barcode.text))


def _enlarged(gray: np.ndarray) -> np.ndarray:
    """Twice the size: a QR code scanned at 100-150 dpi has modules of 1.5-3 px, too few for the
    decoder's sampling grid; interpolation restores their edges."""
    if max(gray.shape) > ENLARGE_UP_TO:
        return gray
    return cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)


def _binarised(gray: np.ndarray) -> np.ndarray:
    """A threshold over a wide neighbourhood: blurred or unevenly lit modules come out solid where
    the decoder's own binariser leaves them grey."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 10)


def extract_qr(payload: str) -> Extraction:
    """The fields a fapiao QR payload carries, from the source "qr" with confidence 1.0.

    Raises ExtractError("not_invoice") for a payload that is not a fapiao QR (a shop's link, a
    WeChat code): the caller decides whether to ignore it."""
    try:
        qr = parse_qr(_tidied(payload))
    except FapiaoParseError as error:
        raise ExtractError("not_invoice") from error
    extraction = Extraction(source="qr")
    kind = kind_from_qr(qr.type_code, qr.code)
    extraction.put("kind", kind.value if kind else None)
    extraction.put("code", normalize_id(qr.code))
    extraction.put("number", normalize_id(qr.number))
    extraction.put("issue_date", qr.issue_date.isoformat() if qr.issue_date else None)
    extraction.put("check_code", normalize_id(qr.check_code))
    extraction.put("total" if qr.amount_is_tax_inclusive else "amount", f"{qr.amount:.2f}")
    extraction.put("qr_payload", payload)
    return extraction


def _tidied(payload: str) -> str:
    """Variations seen on real invoices (samples/qr_payloads.txt), put in the §QR form: empty fields
    written as one space, and the date written 2025-11-08."""
    if "?" in payload:
        return payload
    fields = [field.strip() for field in payload.strip().split(",")]
    if len(fields) > _DATE_FIELD:
        fields[_DATE_FIELD] = _DASHED_DATE_RE.sub(r"\1\2\3", fields[_DATE_FIELD])
    return ",".join(fields)

"""What a file is, from its first bytes, never its name. Pure."""

import io
import zipfile
from typing import BinaryIO

PDF, JPEG, PNG, TIFF, XML, OFD, ZIP, UNKNOWN = "pdf", "jpeg", "png", "tiff", "xml", "ofd", "zip", "unknown"
IMAGES = (JPEG, PNG, TIFF)
CONTENT_TYPES = {
    PDF: "application/pdf",
    JPEG: "image/jpeg",
    PNG: "image/png",
    TIFF: "image/tiff",
    XML: "application/xml",
    OFD: "application/ofd",
    ZIP: "application/zip",
    UNKNOWN: "application/octet-stream",
}


def sniff(data: bytes) -> str:
    head = data[:1024]
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head.startswith(b"PK\x03\x04"):
        return OFD if _is_ofd(data) else ZIP
    if _looks_like_xml(head):
        return XML
    return UNKNOWN


def sniff_file(file: BinaryIO) -> str:
    """The same from a file, reading its first bytes (and, for a zip, its directory) only."""
    file.seek(0)
    head = file.read(1024)
    if not head.startswith(b"PK\x03\x04"):
        return sniff(head)
    return OFD if _is_ofd(file) else ZIP


def _is_ofd(data: bytes | BinaryIO) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as archive:
            # An OFD names its root OFD.xml; one that lost it still has its Doc_0 folder.
            return any(
                name.lower() == "ofd.xml" or name.lower().startswith("doc_0/") for name in archive.namelist()
            )
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _looks_like_xml(head: bytes) -> bool:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<?xml") or (text.startswith(b"<") and b"Invoice" in text[:400])

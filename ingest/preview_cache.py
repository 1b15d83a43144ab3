"""Pages of originals, pictured once: each picture is kept under DATA_DIR/previews by the file's
hash, the page and the size, so the viewer, the review card and the queue's thumbnails show it
without decoding the original again. An original never changes under its hash, so neither does
its picture; the folder can be emptied at any time and is not part of a backup."""

import io
import os
from pathlib import Path

from django.conf import settings
from PIL import Image

from ingest.models import StoredFile
from ingest.previews import page_count, preview_picture
from ingest.storage import private_directory, read_blob
from sandbox import UnsafeFile, run_isolated

THUMB_SIDE = 360
SIZES = ("full", "thumb")
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}


def _folder(sha256: str) -> Path:
    return settings.DATA_DIR / "previews" / sha256[:2] / sha256


def _kept(sha256: str, page: int, size: str) -> tuple[bytes, str] | None:
    for kind in CONTENT_TYPES:
        path = _folder(sha256) / f"{page}-{size}.{kind}"
        if path.is_file():
            return path.read_bytes(), kind
    return None


def _keep(sha256: str, page: int, size: str, picture: tuple[bytes, str]) -> None:
    folder = _folder(sha256)
    private_directory(folder)
    data, kind = picture
    path = folder / f"{page}-{size}.{kind}"
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(data)
    partial.replace(path)


def page_picture(stored: StoredFile, page: int, size: str = "full") -> tuple[bytes, str] | None:
    """(bytes, "png" or "jpeg") of a page of the original, drawn once; None when it has no such
    page. Raises sandbox.UnsafeFile when the original cannot be drawn safely."""
    kept = _kept(stored.sha256, page, size)
    if kept is not None:
        return kept
    if size == "thumb":
        full = page_picture(stored, page, "full")
        if full is None:
            return None
        picture = _thumbnail(*full)  # our own picture, of bounded size: no child process needed
    else:
        limits = settings.PARSER_LIMITS["preview"]
        picture = run_isolated(preview_picture, read_blob(stored.sha256), stored.media, page, limits=limits)
        if picture is None:
            return None
    _keep(stored.sha256, page, size, picture)
    return picture


def pages_of(stored: StoredFile) -> int:
    """How many pages the original has, counted once (in a child process) and kept beside its
    pictures."""
    kept = _folder(stored.sha256) / "pages"
    if kept.is_file():
        return int(kept.read_text())
    limits = settings.PARSER_LIMITS["preview"]
    try:
        count = run_isolated(page_count, read_blob(stored.sha256), stored.media, limits=limits)
    except UnsafeFile:
        return 1
    private_directory(kept.parent)
    partial = kept.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(str(count))
    partial.replace(kept)
    return count


def _thumbnail(data: bytes, kind: str) -> tuple[bytes, str]:
    image = Image.open(io.BytesIO(data))
    image.thumbnail((THUMB_SIDE, THUMB_SIDE))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=80)
    return buffer.getvalue(), "jpeg"

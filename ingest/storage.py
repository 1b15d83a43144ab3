"""The original files, written once and never changed: content-addressed by SHA-256 under
DATA_DIR/files/ab/cd/<sha256>. A file is written to a temporary name, flushed to disk and only then
renamed into place, so a crash or a full disk never leaves a half-written original. Originals are
readable by their owner only (0400, directories 0700): they are a company's invoices. An upload is
hashed and copied from its temporary file a megabyte at a time, never read whole."""

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from monitor.integrity import file_sha256

logger = logging.getLogger(__name__)

ORIGINAL_MODE = 0o400
PRIVATE_DIRECTORY_MODE = 0o700
CHUNK_BYTES = 1024 * 1024

Content = bytes | BinaryIO  # the bytes themselves, or a file (an upload's temporary file) to read them from


class StorageFull(OSError):
    """The data disk had no room for the file; nothing was kept."""


def blob_path(sha256: str) -> Path:
    return settings.DATA_DIR / "files" / sha256[:2] / sha256[2:4] / sha256


def private_directory(path: Path) -> None:
    """Create `path` and its missing parents readable by the owner only."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=PRIVATE_DIRECTORY_MODE, exist_ok=True)


def blob_is_intact(sha256: str) -> bool:
    """The stored copy exists and its bytes still hash to its name."""
    path = blob_path(sha256)
    return path.is_file() and file_sha256(path) == sha256


def content_size(content: Content) -> int:
    if isinstance(content, bytes):
        return len(content)
    return content.seek(0, os.SEEK_END)


def _chunks(content: Content) -> Iterator[bytes]:
    if isinstance(content, bytes):
        yield content
        return
    content.seek(0)
    while chunk := content.read(CHUNK_BYTES):
        yield chunk


def store_blob(content: Content) -> str:
    """Keep the bytes (once) and return their SHA-256. A stored copy that no longer hashes to its name
    (altered or damaged on disk) is replaced by these good bytes; the altered copy is kept aside, where
    the integrity check reports it."""
    digest = hashlib.sha256()
    for chunk in _chunks(content):
        digest.update(chunk)
    sha256 = digest.hexdigest()
    path = blob_path(sha256)
    if path.exists():
        if blob_is_intact(sha256):
            return sha256
        kept = _set_aside(path)
        logger.warning("stored original %s did not match its hash; kept at %s and replaced", sha256, kept)
    private_directory(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as file:
            for chunk in _chunks(content):
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        Path(temporary).chmod(ORIGINAL_MODE)
        Path(temporary).replace(path)
        _fsync_directory(path.parent)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        if error.errno == 28:  # ENOSPC
            raise StorageFull(error.errno, "no space left for the file") from None
        raise
    return sha256


def _set_aside(path: Path) -> Path:
    """Keep an altered copy under DATA_DIR/replaced/<sha256>.<UTC time>, for whoever looks into it.
    A second link to it: the altered bytes stay in place until the good ones replace them."""
    folder = settings.DATA_DIR / "replaced"
    private_directory(folder)
    kept = folder / f"{path.name}.{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}"
    os.link(path, kept)
    return kept


def read_blob(sha256: str) -> bytes:
    return blob_path(sha256).read_bytes()


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

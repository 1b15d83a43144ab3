"""The original files, written once and never changed: content-addressed by SHA-256 under
DATA_DIR/files/ab/cd/<sha256>. A file is written to a temporary name, flushed to disk and only then
renamed into place, so a crash or a full disk never leaves a half-written original."""

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings


class StorageFull(OSError):
    """The data disk had no room for the file; nothing was kept."""


def blob_path(sha256: str) -> Path:
    return settings.DATA_DIR / "files" / sha256[:2] / sha256[2:4] / sha256


def store_blob(data: bytes) -> str:
    """Keep the bytes (once) and return their SHA-256."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = blob_path(sha256)
    if path.exists() and path.stat().st_size == len(data):
        return sha256
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        Path(temporary).chmod(0o440)
        Path(temporary).replace(path)
        _fsync_directory(path.parent)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        if error.errno == 28:  # ENOSPC
            raise StorageFull(error.errno, "no space left for the file") from None
        raise
    return sha256


def read_blob(sha256: str) -> bytes:
    return blob_path(sha256).read_bytes()


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

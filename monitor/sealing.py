"""Backup parts sealed with a key from the environment (BACKUP_KEY): AES-256-GCM, streamed, so a
dump of any size is encrypted and checked without being held in memory. A sealed file is
MAGIC + a 12-byte nonce + the ciphertext + the 16-byte tag; opening it with another key, or after a
single byte changed, fails."""

import base64
import binascii
import os
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MAGIC = b"FDSEAL1\n"
NONCE, TAG, CHUNK = 12, 16, 1024 * 1024


class SealError(Exception):
    """The key is unusable, or a sealed file does not open with it."""


def key_from_text(text: str) -> bytes:
    """The key as BACKUP_KEY gives it: 32 bytes in URL-safe base64 (`openssl rand -base64 32` works too)."""
    try:
        key = base64.urlsafe_b64decode(text.strip().replace("+", "-").replace("/", "_") + "==")
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise SealError("BACKUP_KEY must be 32 bytes in base64, e.g. the output of `openssl rand -base64 32`")
    return key


def seal(source: Path, target: Path, key: bytes) -> None:
    nonce = os.urandom(NONCE)
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    with source.open("rb") as plain, target.open("wb") as sealed:
        sealed.write(MAGIC + nonce)
        while chunk := plain.read(CHUNK):
            sealed.write(encryptor.update(chunk))
        sealed.write(encryptor.finalize() + encryptor.tag)


def opened(source: Path, key: bytes) -> Iterator[bytes]:
    """The plaintext in chunks; raises SealError at the end if the file or the key is wrong, so a
    reader must not trust what it got until the iteration has finished."""
    size = source.stat().st_size
    with source.open("rb") as sealed:
        head = sealed.read(len(MAGIC) + NONCE)
        if not head.startswith(MAGIC) or size < len(head) + TAG:
            raise SealError(f"{source.name} is not a sealed backup part")
        sealed.seek(size - TAG)
        tag = sealed.read(TAG)
        sealed.seek(len(head))
        decryptor = Cipher(algorithms.AES(key), modes.GCM(head[len(MAGIC) :], tag)).decryptor()
        left = size - len(head) - TAG
        while left > 0:
            chunk = sealed.read(min(CHUNK, left))
            left -= len(chunk)
            yield decryptor.update(chunk)
        try:
            decryptor.finalize()
        except InvalidTag:
            raise SealError(f"{source.name} does not open with this BACKUP_KEY, or it was altered") from None


def unseal(source: Path, target: Path, key: bytes) -> None:
    """Write the plaintext to target, which only appears once the whole file checked out."""
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("wb") as plain:
            for chunk in opened(source, key):
                plain.write(chunk)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)

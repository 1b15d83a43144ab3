"""Unpacking a ZIP of invoices safely: no paths leaving the archive, no bombs. Pure: no Django."""

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from ingest.extract.base import ExtractError

MAX_MEMBERS = 500
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed; invoice files compress far less


@dataclass(frozen=True)
class Member:
    name: str
    data: bytes


def _name(info: zipfile.ZipInfo) -> str:
    """The member's name. Archives made on Chinese Windows store GBK names without saying so."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _check(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise ExtractError("too_large", members=str(len(infos)))
    total = 0
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts:
            raise ExtractError("unsafe_archive", member=info.filename)
        if info.file_size > MAX_MEMBER_BYTES:
            raise ExtractError("too_large", member=info.filename)
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise ExtractError("unsafe_archive", member=info.filename)
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise ExtractError("too_large", size=str(total))


def _wanted(info: zipfile.ZipInfo) -> bool:
    parts = PurePosixPath(info.filename.replace("\\", "/")).parts
    return not info.is_dir() and "__MACOSX" not in parts and not parts[-1].startswith(".")


def unpack(data: bytes) -> list[Member]:
    """The files in a ZIP archive, refusing archives that would escape their folder or explode."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [info for info in archive.infolist() if _wanted(info)]
            _check(infos)
            members = []
            for info in infos:
                with archive.open(info) as stream:
                    # The header's size can lie; never read more than it promised.
                    content = stream.read(info.file_size + 1)
                if len(content) > info.file_size:
                    raise ExtractError("unsafe_archive", member=info.filename)
                members.append(Member(PurePosixPath(_name(info).replace("\\", "/")).name, content))
            return members
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, OSError, ValueError):
        raise ExtractError("corrupt") from None

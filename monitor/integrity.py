"""Is every kept original still what it was? Pure: no Django. Re-hashes the content-addressed file
store (DATA_DIR/files/ab/cd/<sha256>, see ingest/storage.py) in a stream, and compares it with the
hashes the database refers to: a file whose bytes no longer hash to its name was altered, a
referenced file that is not there is missing, a file nothing refers to is an orphan. An altered copy
that a good re-upload replaced was kept aside (DATA_DIR/replaced/<sha256>.<UTC time>): each is
listed until someone who looked into it deletes it."""

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

CHUNK = 1024 * 1024
SHA256_NAME = re.compile(r"[0-9a-f]{64}")
REPLACED_NAME = re.compile(r"(?P<sha256>[0-9a-f]{64})\.(?P<at>\d{8}T\d{12}Z)")


@dataclass(frozen=True)
class FileFinding:
    problem: str  # "altered", "missing" or "orphan"
    sha256: str
    path: str


@dataclass
class StoreReport:
    files: int = 0
    bytes: int = 0
    findings: list[FileFinding] | None = None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def stored_files(root: Path) -> Iterator[Path]:
    """The originals under root (files/ab/cd/<sha256>), not the temporary files of a write under way."""
    if not root.is_dir():
        return
    for path in sorted(root.glob("??/??/*")):
        if path.is_file() and SHA256_NAME.fullmatch(path.name):
            yield path


def check_store(root: Path, referenced: Iterable[str]) -> StoreReport:
    """Every file under root re-hashed; every referenced hash looked for."""
    wanted = set(referenced)
    report = StoreReport(findings=[])
    present = set()
    for path in stored_files(root):
        report.files += 1
        report.bytes += path.stat().st_size
        present.add(path.name)
        if file_sha256(path) != path.name:
            report.findings.append(FileFinding("altered", path.name, str(path)))
        if path.name not in wanted:
            report.findings.append(FileFinding("orphan", path.name, str(path)))
    for sha256 in sorted(wanted - present):
        report.findings.append(FileFinding("missing", sha256, str(root / sha256[:2] / sha256[2:4] / sha256)))
    return report


@dataclass(frozen=True)
class ReplacedCopy:
    sha256: str
    path: str
    at: datetime  # UTC, when a good re-upload replaced it


def replaced_copies(folder: Path) -> list[ReplacedCopy]:
    """The altered copies kept aside when good bytes replaced them (ingest/storage.py)."""
    if not folder.is_dir():
        return []
    copies = []
    for path in sorted(folder.iterdir()):
        if match := REPLACED_NAME.fullmatch(path.name):
            at = datetime.strptime(match["at"], "%Y%m%dT%H%M%S%fZ")
            copies.append(ReplacedCopy(match["sha256"], str(path), at))
    return copies

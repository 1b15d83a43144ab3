"""Is every kept original still what it was? Pure: no Django. Re-hashes the content-addressed file
store (DATA_DIR/files/ab/cd/<sha256>, see ingest/storage.py) in a stream, and compares it with the
hashes the database refers to: a file whose bytes no longer hash to its name was altered, a
referenced file that is not there is missing, a file nothing refers to is an orphan."""

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
SHA256_NAME = re.compile(r"[0-9a-f]{64}")


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

"""Owner-only modes for the company's books on disk, including what older versions left open.

New files are created private (umask 077 in scripts/run-embedded and docker/entrypoint.sh; originals
0400 in 0700 directories, ingest/storage.py), but a data directory made by an earlier version keeps
its 0755 directories and 0644 files. At start-up this takes group and other access away from every
directory and file under DATA_DIR and BACKUP_DIR and from the SQLite database and its -wal/-shm
files wherever they are; a stored original (files/ab/cd/<sha256>) becomes 0400 again."""

import logging
import os
import re
import stat
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

DIRECTORY_MODE, ORIGINAL_MODE = 0o700, 0o400
OPEN_BITS = 0o077
SHA256_NAME = re.compile(r"[0-9a-f]{64}")


def tightened_mode(path: Path, mode: int, originals: Path) -> int:
    if stat.S_ISDIR(mode):
        return DIRECTORY_MODE
    if path.parent.parent.parent == originals and SHA256_NAME.fullmatch(path.name):
        return ORIGINAL_MODE
    return stat.S_IMODE(mode) & ~OPEN_BITS


def _tighten(path: Path, originals: Path) -> bool:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(mode):
        return False  # a link's target is not ours to judge
    wanted = tightened_mode(path, mode, originals)
    if stat.S_IMODE(mode) == wanted:
        return False
    try:
        path.chmod(wanted)
    except PermissionError:
        log.warning("cannot make %s owner-only: it belongs to another user", path)
        return False
    return True


def _tree(root: Path) -> list[Path]:
    if not root.is_dir():
        return [root]
    found = [root]
    for directory, subdirectories, files in os.walk(root):
        found.extend(Path(directory) / name for name in [*subdirectories, *files])
    return found


def sqlite_files() -> list[Path]:
    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("sqlite3") or not str(database["NAME"]).strip(":"):
        return []
    path = Path(database["NAME"])
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def tighten_data_permissions() -> int:
    """Make the data owner-only; returns how many files and directories were changed."""
    originals = settings.DATA_DIR / "files"
    paths = dict.fromkeys([*_tree(settings.DATA_DIR), *_tree(settings.BACKUP_DIR), *sqlite_files()])
    return sum(_tighten(path, originals) for path in paths)

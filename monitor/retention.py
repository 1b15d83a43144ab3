"""Which backup snapshots are kept: the newest of each of the last `daily` days, `weekly` ISO weeks
and `monthly` months; where that newest one was never verified, the newest verified one of the
same day, week or month as well; and whatever its age, the newest verified snapshot of all, so a
run of failed backups can never leave nothing to restore."""

import json
import shutil
from datetime import datetime
from pathlib import Path

from django.conf import settings

from monitor.backups import backup_root, is_verified

STAMP = "%Y%m%dT%H%M%S%fZ"


def snapshots(root: Path | None = None) -> list[Path]:
    folder = (root or backup_root()) / "snapshots"
    return (
        sorted(path for path in folder.glob("*Z") if (path / "manifest.json").is_file())
        if folder.is_dir()
        else []
    )


def kept_by_retention(
    stamps: list[str], verified: set[str], *, daily: int = 7, weekly: int = 4, monthly: int = 12
) -> set[str]:
    moments = sorted(((datetime.strptime(stamp, STAMP), stamp) for stamp in stamps), reverse=True)
    kept = {next((stamp for _moment, stamp in moments if stamp in verified), None)} - {None}
    for count, bucket in (
        (daily, lambda m: m.date()),
        (weekly, lambda m: m.isocalendar()[:2]),
        (monthly, lambda m: (m.year, m.month)),
    ):
        newest: dict = {}  # bucket -> [its newest snapshot, its newest verified one]
        for moment, stamp in moments:
            chosen = newest.setdefault(bucket(moment), [stamp, None])
            if chosen[1] is None and stamp in verified:
                chosen[1] = stamp
        for chosen in list(newest.values())[:count]:
            kept.update(stamp for stamp in chosen if stamp)
    return kept


def prune(root: Path | None = None) -> list[str]:
    """Delete the snapshots retention does not keep, then the originals no snapshot needs."""
    root = root or backup_root()
    existing = snapshots(root)
    keep = kept_by_retention(
        [path.name for path in existing],
        {path.name for path in existing if is_verified(path)},
        **settings.BACKUP_RETENTION,
    )
    removed = []
    for path in existing:
        if path.name not in keep:
            shutil.rmtree(path)
            removed.append(path.name)
    needed = set()
    for path in snapshots(root):
        needed.update(json.loads((path / "manifest.json").read_text(encoding="utf-8"))["files"])
    for blob in (root / "blobs").glob("??/??/*"):
        if blob.name.removesuffix(".sealed") not in needed:
            blob.unlink()
    return removed

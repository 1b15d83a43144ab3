"""Retention: the newest snapshot of each day, week and month in the window; beside an unverified
newest one, the newest verified one of the same day; and always the newest verified snapshot."""

import json
from datetime import datetime, timedelta

from monitor.retention import STAMP, kept_by_retention, prune, snapshots

START = datetime(2026, 11, 28, 17, 0)


def stamp(days_ago: int, hour: int) -> str:
    return (START - timedelta(days=days_ago)).replace(hour=hour).strftime(STAMP)


def test_retention_keeps_seven_days_four_weeks_and_twelve_months_of_verified_daily_snapshots():
    stamps = [(START - timedelta(days=day)).strftime(STAMP) for day in range(400)]
    kept = kept_by_retention(stamps, set(stamps), daily=7, weekly=4, monthly=12)
    days = sorted((START - datetime.strptime(kept_stamp, STAMP)).days for kept_stamp in kept)
    assert days[:7] == [0, 1, 2, 3, 4, 5, 6]
    assert len(kept) <= 7 + 4 + 12 and max(days) < 366
    assert kept_by_retention(stamps[:1], set()) == {stamps[0]}


def test_of_several_a_day_the_newest_is_kept_and_the_newest_verified_beside_an_unverified_one():
    stamps = [stamp(day, hour) for day in range(3) for hour in (1, 9, 17)]
    verified = {stamp(0, 1), stamp(0, 9), stamp(1, 1), stamp(1, 9), stamp(1, 17)}
    kept = kept_by_retention(stamps, verified, daily=3, weekly=0, monthly=0)
    assert kept == {
        stamp(0, 17),  # today's newest, unverified: kept, it may hold what nothing else does
        stamp(0, 9),  # and today's newest verified one beside it
        stamp(1, 17),  # yesterday's newest, verified: alone
        stamp(2, 17),  # the day before: nothing verified, its newest
    }


def test_the_newest_verified_snapshot_is_kept_past_the_window_when_every_later_one_failed():
    stamps = [stamp(day, 3) for day in range(30)]
    verified = {stamp(20, 3), stamp(25, 3)}
    kept = kept_by_retention(stamps, verified, daily=7, weekly=0, monthly=0)
    assert kept == {stamp(day, 3) for day in range(7)} | {stamp(20, 3)}


def make_snapshot(root, name: str, *, verified: bool) -> None:
    folder = root / "snapshots" / name
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"files": {}}))
    if verified:
        (folder / "verified.json").write_text("{}")


def test_prune_deletes_on_disk_what_retention_does_not_keep(settings, tmp_path):
    settings.BACKUP_RETENTION = {"daily": 2, "weekly": 0, "monthly": 0}
    for day in range(5):
        for hour in (1, 9, 17):
            make_snapshot(tmp_path, stamp(day, hour), verified=(day, hour) in {(0, 1), (4, 9)})
    removed = prune(tmp_path)
    assert [path.name for path in snapshots(tmp_path)] == sorted([stamp(1, 17), stamp(0, 1), stamp(0, 17)])
    assert len(removed) == 15 - 3
    settings.BACKUP_RETENTION = {"daily": 1, "weekly": 0, "monthly": 0}
    make_snapshot(tmp_path, (START + timedelta(days=1)).strftime(STAMP), verified=False)
    prune(tmp_path)
    assert [path.name for path in snapshots(tmp_path)] == sorted(
        [stamp(0, 1), (START + timedelta(days=1)).strftime(STAMP)]
    )

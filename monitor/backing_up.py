"""The nightly backup as a checked job: snapshot, verify by restoring, prune; recorded as a
CheckRun. A failure is an anomaly until a later backup succeeds, and so is each original the backup
found damaged in the file store: left out of the snapshot when no good copy of it was ever backed
up (critical), or kept as the earlier good copy (an error in the file store, not in the backup)."""

import logging

from monitor import anomalies
from monitor.anomalies import Observation
from monitor.backups import BackupError, Snapshot, create_snapshot, verify
from monitor.checkruns import recorded
from monitor.models import CheckRun, Severity
from monitor.retention import prune

log = logging.getLogger(__name__)

PROBLEM_WORDS = {
    "altered": ("no longer hashes to its name", "内容已被改动"),
    "missing": ("is missing", "已丢失"),
}


def skipped_words(sha256: str, problem: str) -> str:
    english, chinese = PROBLEM_WORDS[problem]
    return (
        f"not backed up / 未备份: the original {sha256} in the file store {english}, and no earlier "
        f"backup holds a good copy / 文件库中的原件{chinese}，之前的备份中也没有完好的副本"
    )


def damaged_words(sha256: str, problem: str) -> str:
    english, chinese = PROBLEM_WORDS[problem]
    return (
        f"the original {sha256} in the file store {english}; the backup keeps its earlier good copy "
        f"(restore_snapshot puts it back) / 文件库中的原件{chinese}，备份保留了之前完好的副本，恢复时会放回"
    )


def backup_and_verify() -> Snapshot:
    with recorded("backup") as run:
        try:
            snapshot = create_snapshot()
            verify(snapshot)
            removed = prune()
        except (BackupError, OSError) as error:
            anomalies.report(
                "backup_failed",
                [Observation("backup", Severity.CRITICAL, details={"error": str(error)[:500]})],
            )
            raise
        run.counts = {
            "files": len(snapshot.manifest["files"]),
            "skipped": len(snapshot.skipped),
            "damaged": len(snapshot.damaged),
            "tables": len(snapshot.manifest["database"]["tables"]),
            "rows": sum(table["rows"] for table in snapshot.manifest["database"]["tables"].values()),
            "pruned": len(removed),
            "path": str(snapshot.path),
        }
        if snapshot.skipped or snapshot.damaged:
            run.outcome = CheckRun.Outcome.PROBLEMS
    anomalies.report("backup_failed", _file_observations(snapshot))
    log.info("backup %s verified", snapshot.path)
    return snapshot


def _file_observations(snapshot: Snapshot) -> list[Observation]:
    return [
        Observation(f"file:{sha256}", Severity.CRITICAL, details={"error": skipped_words(sha256, problem)})
        for sha256, problem in snapshot.skipped.items()
    ] + [
        Observation(f"file:{sha256}", Severity.ERROR, details={"error": damaged_words(sha256, problem)})
        for sha256, problem in snapshot.damaged.items()
    ]

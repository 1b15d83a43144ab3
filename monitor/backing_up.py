"""The nightly backup as a checked job: snapshot, verify by restoring, prune; recorded as a
CheckRun, and a failure is an anomaly until a later backup succeeds."""

import logging

from monitor import anomalies
from monitor.anomalies import Observation
from monitor.backups import BackupError, Snapshot, create_snapshot, prune, verify
from monitor.checkruns import recorded
from monitor.models import Severity

log = logging.getLogger(__name__)


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
            "tables": len(snapshot.manifest["database"]["tables"]),
            "rows": sum(table["rows"] for table in snapshot.manifest["database"]["tables"].values()),
            "pruned": len(removed),
            "path": str(snapshot.path),
        }
    anomalies.report("backup_failed", [])
    log.info("backup %s verified", snapshot.path)
    return snapshot

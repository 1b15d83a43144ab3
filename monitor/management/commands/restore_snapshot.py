from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from monitor.backups import BackupError, load
from monitor.restoring import restore


class Command(BaseCommand):
    help = (
        "Restore a backup snapshot: its manifest is checked first; a database holding data is refused "
        "unless --force, and so is a database a running app holds. Afterwards every table is compared "
        "with the manifest and originals that are missing or damaged are put back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", type=Path, help="the snapshot's folder (the last line backup_snapshot printed)"
        )
        parser.add_argument("--force", action="store_true", help="replace a database that already holds data")

    def handle(self, *args, path: Path, force: bool, **options):
        try:
            snapshot = load(path)
            restored = restore(snapshot, force=force)
        except BackupError as error:
            raise CommandError(f"not restored / 未恢复: {error}") from None
        for sha256 in restored.repaired:
            self.stdout.write(f"replaced the damaged original {sha256} with the snapshot's good copy")
        for sha256 in snapshot.skipped:
            self.stderr.write(
                f"not in this snapshot / 此快照中没有: the original {sha256} was already damaged when it "
                "was taken"
            )
        self.stdout.write(
            f"restored {path.name}: {restored.rows} rows in {restored.tables} tables, each as the manifest "
            f"says; {len(snapshot.manifest['files'])} files ({len(restored.written)} written back, "
            f"{len(restored.repaired)} damaged ones replaced, {restored.intact} already intact)"
        )

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from monitor.backups import BackupError, load, restore


class Command(BaseCommand):
    help = (
        "Restore a backup snapshot: its manifest is checked first; a database holding data is refused "
        "unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", type=Path, help="the snapshot's folder (the last line backup_snapshot printed)"
        )
        parser.add_argument("--force", action="store_true", help="replace a database that already holds data")

    def handle(self, *args, path: Path, force: bool, **options):
        try:
            snapshot = load(path)
            restore(snapshot, force=force)
        except BackupError as error:
            raise CommandError(f"not restored / 未恢复: {error}") from None
        self.stdout.write(f"restored {path.name}: {len(snapshot.manifest['files'])} files")

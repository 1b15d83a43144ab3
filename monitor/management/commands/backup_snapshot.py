from django.core.management.base import BaseCommand, CommandError

from monitor.backing_up import backup_and_verify
from monitor.backups import BackupError
from monitor.locks import single_run


class Command(BaseCommand):
    help = (
        "Take a backup snapshot (database and stored originals), verify it by restoring it, prune old ones."
    )

    def handle(self, *args, **options):
        with single_run("backup", timeout=4 * 3600) as held:
            if not held:
                raise CommandError("a backup is already under way / 备份正在进行中")
            try:
                snapshot = backup_and_verify()
            except BackupError as error:
                raise CommandError(f"backup failed / 备份失败: {error}") from None
        manifest = snapshot.manifest
        rows = sum(table["rows"] for table in manifest["database"]["tables"].values())
        tables, files = len(manifest["database"]["tables"]), len(manifest["files"])
        self.stdout.write(f"{rows} rows in {tables} tables, {files} files; verified")
        self.stdout.write(str(snapshot.path))

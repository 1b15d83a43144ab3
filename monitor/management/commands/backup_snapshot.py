from django.core.management.base import BaseCommand, CommandError

from monitor.backing_up import backup_and_verify, damaged_words, skipped_words
from monitor.backups import BackupError
from monitor.locks import single_run


class Command(BaseCommand):
    help = (
        "Take a backup snapshot (database and stored originals), verify it by restoring it, prune old "
        "ones. An original damaged in the file store is never copied; the output names each one, and "
        "the exit status is 1 when one had to be left out."
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
        for sha256, problem in snapshot.damaged.items():
            self.stderr.write(damaged_words(sha256, problem))
        for sha256, problem in snapshot.skipped.items():
            self.stderr.write(skipped_words(sha256, problem))
        rows = sum(table["rows"] for table in manifest["database"]["tables"].values())
        tables, files = len(manifest["database"]["tables"]), len(manifest["files"])
        left_out = f", {len(snapshot.skipped)} left out" if snapshot.skipped else ""
        self.stdout.write(f"{rows} rows in {tables} tables, {files} files{left_out}; verified")
        self.stdout.write(str(snapshot.path))
        if snapshot.skipped:
            raise CommandError(
                f"backup incomplete / 备份不完整: {len(snapshot.skipped)} originals could not be backed up "
                "(named above); the snapshot holds everything else"
            )

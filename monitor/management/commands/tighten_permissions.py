from django.core.management.base import BaseCommand

from config.permissions import tighten_data_permissions


class Command(BaseCommand):
    help = (
        "Make the data owner-only (directories 0700, files 0600, originals 0400): DATA_DIR, BACKUP_DIR "
        "and the SQLite database with its -wal/-shm. Run at every start; older versions left them open."
    )

    def handle(self, *args, **options):
        changed = tighten_data_permissions()
        if changed:
            self.stdout.write(f"made {changed} files and directories readable by their owner only")

from django.core.management.base import BaseCommand, CommandError

from monitor.integrity_check import run_integrity
from monitor.locks import single_run


class Command(BaseCommand):
    help = "Re-hash every stored file, verify the audit chains and look for duplicate invoice identities."

    def handle(self, *args, **options):
        with single_run("integrity") as held:
            if not held:
                raise CommandError("an integrity check is already under way / 完整性检查正在进行中")
            result = run_integrity()
        counts = result.run.counts
        self.stdout.write(
            f"{counts['files']} files ({counts['bytes'] / 1e6:.1f} MB), {counts['invoices_events']} invoice "
            f"events, {counts['decisions_events']} decision events, {counts['invoices']} invoices "
            f"checked in {result.run.seconds:.1f} s"
        )
        if result.ok:
            self.stdout.write("no problems / 未发现问题")
            return
        self.stdout.write(f"{'problem':<20} {'company':<20} subject")
        for row in result.rows:
            company = row["company"].tin if row["company"] else "—"
            self.stdout.write(f"{row['kind']:<20} {company:<20} {row['subject']}")
        raise CommandError(f"{len(result.rows)} problems found / 发现 {len(result.rows)} 个问题")

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Company
from invoices.audit_trail import verify_company_trail
from invoices.management.commands._company import company_from_option

PROBLEMS = {
    "altered": "its content no longer matches its hash (edited in the database) / 内容与哈希不符（被改动）",
    "relinked": "it does not follow the previous event's hash / 与上一事件的哈希不衔接",
    "gap": "events before it are missing / 之前的事件缺失",
}


class Command(BaseCommand):
    help = "Check the hash chain of the invoice audit trail of one company, or of every company."

    def add_arguments(self, parser):
        parser.add_argument("--company", help="the company's taxpayer ID (default: every company)")

    def handle(self, *args, company=None, **options):
        companies = [company_from_option(company)] if company else Company.objects.order_by("pk")
        broken = 0
        for each in companies:
            count, breaks = verify_company_trail(each)
            if not breaks:
                self.stdout.write(f"{each.tin} {each.name}: {count} events, chain intact / 审计链完整")
                continue
            broken += 1
            self.stdout.write(
                self.style.ERROR(f"{each.tin} {each.name}: {count} events, {len(breaks)} broken")
            )
            for chain_break in breaks:
                self.stdout.write(
                    f"  event #{chain_break.seq} (id {chain_break.event_id}): {PROBLEMS[chain_break.problem]}"
                )
        if broken:
            raise CommandError(f"the audit trail of {broken} company(ies) is broken / 审计链已损坏")

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from accounts.demo import DEMO_COMPANIES, demo_roles, load_demo
from accounts.models import User
from accounts.selectors import company_get_by_tin
from invoices.demo import load_demo_invoices
from reconcile.demo import load_demo_reconciliation

DEMO_LEDGERS = {"91310115MA1K4D8X0B": (200, 2026), "91110108MA01A2B3CF": (40, 2027)}


class Command(BaseCommand):
    help = "Load the demo companies, users and ledgers (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        logins_file = settings.DATA_DIR / "demo-logins.json"
        passwords = load_demo(logins_file)
        alice = User.objects.get(username="alice")
        for tin, (count, seed) in DEMO_LEDGERS.items():
            added = load_demo_invoices(company_get_by_tin(tin=tin), alice, count=count, seed=seed)
            if added:
                self.stdout.write(f"{DEMO_COMPANIES[tin]}: {added} demo invoices added")
        shanghai = company_get_by_tin(tin="91310115MA1K4D8X0B")
        for run in load_demo_reconciliation(shanghai, alice):
            self.stdout.write(f"{shanghai.name}: {run.bureau_import.stored_file.name} reconciled")
        with translation.override("zh-hans"):
            roles = demo_roles()
        self.stdout.write(f"Demo logins (kept in {logins_file}):")
        for username, password in passwords.items():
            self.stdout.write(f"  {username:<8} {password:<18} {roles.get(username, '')}")

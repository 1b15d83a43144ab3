from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.demo import demo_roles, load_demo


class Command(BaseCommand):
    help = "Load the demo companies and users (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        logins_file = settings.DATA_DIR / "demo-logins.json"
        passwords = load_demo(logins_file)
        roles = demo_roles()
        self.stdout.write(f"Demo logins (kept in {logins_file}):")
        for username, password in passwords.items():
            self.stdout.write(f"  {username:<8} {password:<18} {roles.get(username, '')}")

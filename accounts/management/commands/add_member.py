from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.i18n import error_in_both_languages, in_both_languages
from accounts.roles import Role
from accounts.services import member_add
from invoices.fapiao import normalize_id


class Command(BaseCommand):
    help = "Give a user a role in a company, creating the user when the username is new."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="the company's taxpayer ID")
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", help="for a new user; generated and printed when left out")
        parser.add_argument("--email", default="")

    def handle(self, *args, company, username, role, password, email, **options):
        tin = normalize_id(company)
        found = selectors.company_get_by_tin(tin=tin)
        if found is None:
            raise CommandError(
                in_both_languages(lambda: _("No company has the taxpayer ID %(tin)s.") % {"tin": tin})
            )
        try:
            added = member_add(
                company=found, username=username, role=role, password=password, email=email, by=None
            )
        except ValidationError as error:
            raise CommandError(error_in_both_languages(error)) from None
        account = "new user" if added.user_created else "existing user"
        self.stdout.write(f"added {account} {username} to {found.name} ({found.tin}) as {role}")
        if added.password:
            self.stdout.write(f"password for {username}: {added.password}")

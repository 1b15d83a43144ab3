from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.i18n import error_in_both_languages, in_both_languages
from accounts.services import company_create
from accounts.tin import tin_message


class Command(BaseCommand):
    help = "Create a company (a taxpayer) from its name and 统一社会信用代码."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--tin", required=True, help="统一社会信用代码 or an old-style 纳税人识别号")
        parser.add_argument(
            "--accept-tin-warning",
            action="store_true",
            help="accept a code whose check character fails (some early pilot codes are real)",
        )

    def handle(self, *args, name, tin, accept_tin_warning, **options):
        try:
            company = company_create(name=name, tin=tin, accept_tin_warning=accept_tin_warning)
        except ValidationError as error:
            raise CommandError(error_in_both_languages(error)) from None
        self.stdout.write(f"created company {company.name} ({company.tin}), id {company.pk}")
        if company.tin_check.problem:
            self.stdout.write(self.style.WARNING(in_both_languages(lambda: tin_message(company.tin_check))))

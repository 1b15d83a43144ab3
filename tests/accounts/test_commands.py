from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Company, Membership
from tests.conftest import TIN_A


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_company_prints_what_it_did(db):
    output = run("create_company", "--name", "甲商贸有限公司", "--tin", TIN_A.lower())
    company = Company.objects.get(tin=TIN_A)
    assert output.startswith(f"created company 甲商贸有限公司 ({TIN_A}), id {company.pk}")


def test_create_company_explains_a_bad_tin_in_both_languages(db):
    with pytest.raises(CommandError) as caught:
        run("create_company", "--name", "甲", "--tin", "91310115MA1K4D8X")
    message = str(caught.value)
    assert "纳税人识别号应为 18 位" in message
    assert "A taxpayer ID has 18 characters" in message
    assert not Company.objects.exists()


def test_create_company_needs_the_flag_for_a_failing_check_character(db):
    with pytest.raises(CommandError, match="would be R"):
        run("create_company", "--name", "试点", "--tin", "91350211M0000XUF46")
    output = run("create_company", "--name", "试点", "--tin", "91350211M0000XUF46", "--accept-tin-warning")
    assert "would be R" in output
    assert Company.objects.filter(tin="91350211M0000XUF46").exists()


def test_create_company_warns_about_a_legacy_tin(db):
    output = run("create_company", "--name", "老公司", "--tin", "110108700000123")
    assert "old-style taxpayer ID" in output


def test_add_member_creates_the_user_and_prints_the_generated_password(company_a):
    output = run("add_member", "--company", TIN_A, "--username", "gina", "--role", "accountant")
    membership = Membership.objects.get(user__username="gina", company=company_a)
    password = output.split("password for gina: ")[1].strip()
    assert membership.user.check_password(password)
    assert "added new user gina to 甲商贸有限公司" in output


def test_add_member_uses_the_given_password(company_a):
    run(
        "add_member",
        "--company",
        TIN_A,
        "--username",
        "gina",
        "--role",
        "clerk",
        "--password",
        "s3cret-Pass-42",
    )
    assert Membership.objects.get(user__username="gina").user.check_password("s3cret-Pass-42")


def test_add_member_names_an_unknown_company(db):
    with pytest.raises(CommandError, match="No company has the taxpayer ID 91110108MA01A2B3CF"):
        run("add_member", "--company", "91110108MA01A2B3CF", "--username", "x", "--role", "clerk")


def test_add_member_refuses_an_unknown_role(company_a):
    with pytest.raises(CommandError, match="invalid choice: 'owner'"):
        run("add_member", "--company", TIN_A, "--username", "x", "--role", "owner")

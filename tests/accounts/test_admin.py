import re

import pytest
from django.test import Client

from accounts.models import Membership, User
from accounts.passwords import member_password_reset


@pytest.fixture
def superuser_client(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "x"))
    return client


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/accounts/company/", "/admin/accounts/company/add/", "/admin/accounts/user/"],
)
def test_a_superuser_opens_the_admin(superuser_client, alice, path):
    assert superuser_client.get(path).status_code == 200


def test_a_superuser_sees_a_companys_members(superuser_client, alice, bob, company_a):
    page = superuser_client.get(f"/admin/accounts/company/{company_a.pk}/change/")
    assert page.status_code == 200
    assert Membership.objects.filter(company=company_a).count() == 2
    assert "bob" in page.text


def test_a_company_admin_is_not_a_superuser(alice, browser_as):
    assert browser_as(alice).get("/admin/").status_code == 302


def test_the_operator_sees_and_clears_a_temporary_password_flag(superuser_client, alice, bob, company_a):
    member_password_reset(membership=Membership.objects.get(user=bob, company=company_a), by=alice)
    page = superuser_client.get(f"/admin/accounts/user/{bob.pk}/change/")
    assert page.status_code == 200
    (checkbox,) = re.findall(r'<input [^>]*name="must_change_password"[^>]*>', page.text)
    assert " checked" in checkbox
    assert User.objects.get(pk=bob.pk).must_change_password is True

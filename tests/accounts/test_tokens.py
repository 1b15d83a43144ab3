"""API tokens: named, listed with their last use, revocable one by one by their owner only, and all of a
user's tokens end when the password is changed or reset, whichever way it is set."""

from datetime import timedelta

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import selectors, services
from accounts.models import TokenInfo
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-new-passphrase-of-2026"


def api_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/me/").status_code


def token_keys(user) -> list[str]:
    return sorted(token.token_key for token in selectors.token_list(user=user))


@pytest.fixture
def alice_key(alice):
    _token, key = services.token_create(user=alice, name="用友 U8 同步")
    assert api_status(key) == 200
    return key


def test_changing_the_password_on_its_page_ends_the_users_tokens(alice, bob, alice_key, browser_as):
    _token, bob_key = services.token_create(user=bob, name="bob's script")
    response = browser_as(alice).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.url == reverse("password_change_done")
    assert api_status(alice_key) == 401
    assert token_keys(alice) == []
    assert api_status(bob_key) == 200


def test_a_reset_password_ends_the_users_tokens(alice, alice_key):
    form = SetPasswordForm(alice, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()
    assert api_status(alice_key) == 401


def test_a_password_set_in_code_ends_the_users_tokens(alice, alice_key):
    alice.set_password(NEW_PASSWORD)
    alice.save()
    assert api_status(alice_key) == 401


def test_a_password_set_in_the_admin_ends_the_users_tokens(alice, alice_key, django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "x"))
    response = client.post(
        f"/admin/accounts/user/{alice.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert api_status(alice_key) == 401


def test_saving_a_user_without_a_new_password_keeps_the_tokens(alice, alice_key, browser_as):
    alice.first_name = "Alice"
    alice.save()
    Client().post(reverse("login"), {"username": "alice", "password": PASSWORD})
    alice.refresh_from_db()
    assert alice.last_login is not None
    assert api_status(alice_key) == 200


def test_a_token_is_named_and_listed_with_its_times(alice, browser_as):
    client = browser_as(alice)
    created = client.post(reverse("tokens"), {"name": "  金蝶  导出  "})
    assert created.status_code == 200 and created.context["new_key"]
    (token,) = selectors.token_list(user=alice)
    assert token.info.name == "金蝶 导出"
    page = client.get(reverse("tokens"))
    row = page.text.split("金蝶 导出", 1)[1].split("</tr>", 1)[0]
    assert timezone.localtime(token.created).strftime("%Y-%m-%d %H:%M") in row
    assert timezone.localtime(token.expiry).strftime("%Y-%m-%d") in row
    assert "从未使用" in row


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_without_a_usable_name_is_refused(alice, browser_as, name):
    response = browser_as(alice).post(reverse("tokens"), {"name": name})
    assert response.status_code == 400
    assert response.context["new_key"] is None
    assert response.context["name_error"] in response.text
    assert token_keys(alice) == []


def test_the_name_refusal_is_in_english_too(alice, browser_as):
    client = browser_as(alice)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("tokens")})
    response = client.post(reverse("tokens"), {"name": ""})
    assert "Give the token a name: the program or purpose it is for." in response.text


def test_the_last_use_is_recorded_at_most_once_a_minute(alice, alice_key, browser_as):
    info = TokenInfo.objects.get(token__user=alice)
    first = info.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)
    assert api_status(alice_key) == 200
    info.refresh_from_db()
    assert info.last_used_at == first
    TokenInfo.objects.filter(pk=info.pk).update(last_used_at=first - timedelta(minutes=5))
    assert api_status(alice_key) == 200
    info.refresh_from_db()
    assert info.last_used_at > first
    row = browser_as(alice).get(reverse("tokens")).text.split("用友 U8 同步", 1)[1].split("</tr>", 1)[0]
    assert timezone.localtime(info.last_used_at).strftime("%Y-%m-%d %H:%M") in row
    assert "从未使用" not in row


def test_a_token_is_revoked_alone(alice, alice_key, browser_as):
    other, other_key = services.token_create(user=alice, name="second")
    (first_key,) = [key for key in token_keys(alice) if key != other.token_key]
    response = browser_as(alice).post(reverse("token_revoke", args=[first_key]))
    assert response.status_code == 302
    assert api_status(alice_key) == 401
    assert api_status(other_key) == 200
    assert token_keys(alice) == [other.token_key]


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_nobody_else_revokes_a_users_token(alice, bob, charlie, alice_key, browser_as, stranger):
    before = token_keys(alice)
    user = {"bob": bob, "charlie": charlie}[stranger]
    response = browser_as(user).post(reverse("token_revoke", args=[before[0]]))
    assert response.status_code == 404
    assert token_keys(alice) == before
    assert api_status(alice_key) == 200


def test_revoking_needs_a_post_with_the_csrf_token(alice, alice_key):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    key = token_keys(alice)[0]
    assert client.get(reverse("token_revoke", args=[key])).status_code == 405
    assert client.post(reverse("token_revoke", args=[key])).status_code == 403
    assert api_status(alice_key) == 200


def test_a_read_only_token_reads_and_changes_nothing(alice, company_a, browser_as):
    created = browser_as(alice).post(reverse("tokens"), {"name": "报表读取", "read_only": "on"})
    key = created.context["new_key"]
    assert selectors.token_list(user=alice).get().info.read_only
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_X_COMPANY=company_a.tin)
    assert client.get("/api/company/").json()["name"] == "甲商贸有限公司"
    refused = client.patch("/api/company/", {"name": "被改名"}, format="json")
    assert refused.status_code == 403
    assert "只读" in refused.text
    company_a.refresh_from_db()
    assert company_a.name == "甲商贸有限公司"
    assert "只读" in browser_as(alice).get(reverse("tokens")).text


def test_a_token_for_reading_and_writing_changes(alice, company_a):
    _token, key = services.token_create(user=alice, name="同步")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_X_COMPANY=company_a.tin)
    assert client.patch("/api/company/", {"name": "甲新名"}, format="json").status_code == 200
    company_a.refresh_from_db()
    assert company_a.name == "甲新名"

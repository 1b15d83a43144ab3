"""An admin gives a member of her company a temporary password; the member must change it."""

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken

from accounts import passwords
from accounts.models import Membership, MembershipEvent, User
from accounts.roles import Role
from accounts.services import company_create, token_create
from tests.conftest import PASSWORD, TIN_B, make_member
from tests.pages import visible_text

TEMPORARY = "a-temporary-passphrase-77"


def password_hash(user: User) -> str:
    return User.objects.get(pk=user.pk).password


def membership_of(user, company) -> Membership:
    return Membership.objects.get(user=user, company=company)


def logs_in(username: str, password: str) -> bool:
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def lock_out(username: str) -> None:
    client = Client()
    for _attempt in range(5):
        client.post(reverse("login"), {"username": username, "password": "wrong"})


def test_it_shows_a_generated_password_once_that_logs_the_member_in(alice, bob, company_a, browser_as):
    url = reverse("member_password", args=[membership_of(bob, company_a).pk])
    response = browser_as(alice).post(url, {"password": ""})
    assert response.status_code == 200
    generated = response.context["reset"].password
    assert len(generated) == 16
    assert f'<code class="secret" id="temporary-password">{generated}</code>' in response.text
    assert "已为 bob 设置临时密码；其 API 令牌已全部撤销，下次登录时必须设置新密码。" in response.text
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert logs_in("bob", generated)
    assert not logs_in("bob", PASSWORD)
    again = browser_as(alice).get(reverse("members"))
    assert generated not in again.text


def test_a_typed_password_is_set_and_recorded_with_who_did_it(alice, bob, company_a, browser_as):
    url = reverse("member_password", args=[membership_of(bob, company_a).pk])
    response = browser_as(alice).post(url, {"password": TEMPORARY})
    assert response.status_code == 200
    bob.refresh_from_db()
    assert bob.check_password(TEMPORARY)
    assert bob.must_change_password is True
    event = MembershipEvent.objects.of(company_a).get(kind="password_reset")
    assert (event.username, event.by_username, event.role) == ("bob", "alice", Role.CLERK)
    members = browser_as(alice).get(reverse("members"))
    assert "管理员重置了密码" in members.text


def test_a_weak_typed_password_is_refused_and_nothing_changes(alice, bob, company_a, browser_as):
    before = password_hash(bob)
    url = reverse("member_password", args=[membership_of(bob, company_a).pk])
    response = browser_as(alice).post(url, {"password": "12345678"})
    assert response.status_code == 400
    assert response.context["form"].has_error("password", "password_entirely_numeric")
    assert password_hash(bob) == before
    assert not MembershipEvent.objects.filter(kind="password_reset").exists()


def test_it_revokes_the_members_tokens_and_lifts_the_lock_out(alice, bob, company_a, browser_as):
    token_create(user=bob, name="sync")
    lock_out("bob")
    assert AccessAttempt.objects.filter(username="bob").count() == 1
    assert Client().post(reverse("login"), {"username": "bob", "password": PASSWORD}).status_code == 429
    passwords.member_password_reset(membership=membership_of(bob, company_a), by=alice, password=TEMPORARY)
    assert AuthToken.objects.filter(user=bob).count() == 0
    assert AccessAttempt.objects.filter(username="bob").count() == 0
    login = Client().post(reverse("login"), {"username": "bob", "password": TEMPORARY})
    assert login.status_code == 302


def test_the_members_open_session_is_signed_out(alice, bob, company_a, browser_as):
    bobs = browser_as(bob)
    assert bobs.get(reverse("home")).status_code == 200
    passwords.member_password_reset(membership=membership_of(bob, company_a), by=alice, password=TEMPORARY)
    response = bobs.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_the_member_must_change_it_before_any_other_page(alice, bob, company_a):
    passwords.member_password_reset(membership=membership_of(bob, company_a), by=alice, password=TEMPORARY)
    client = Client()
    login = client.post(reverse("login"), {"username": "bob", "password": TEMPORARY}, follow=True)
    assert login.redirect_chain == [("/", 302), ("/accounts/password/", 302)]
    assert "管理员为您设置了临时密码" in login.text
    for path in ("/", "/invoices/", "/accounts/tokens/", "/accounts/profile/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, "/accounts/password/")
    api = client.get("/api/me/")
    assert api.status_code == 403
    assert api.json() == {
        "detail": "管理员重置了您的密码：请先设置您自己的密码。",
        "code": "password_change_required",
    }
    changed = client.post(
        reverse("password_change"),
        {
            "old_password": TEMPORARY,
            "new_password1": "bobs-own-new-secret-91",
            "new_password2": "bobs-own-new-secret-91",
        },
    )
    assert (changed.status_code, changed["Location"]) == (302, "/accounts/password/done/")
    bob.refresh_from_db()
    assert bob.must_change_password is False
    assert bob.check_password("bobs-own-new-secret-91")
    assert client.get("/").status_code == 200


def test_charlie_cannot_reset_a_member_of_company_a(alice, bob, charlie, company_a, browser_as):
    before = password_hash(bob)
    url = reverse("member_password", args=[membership_of(bob, company_a).pk])
    client = browser_as(charlie)
    assert client.get(url).status_code == 404
    response = client.post(url, {"password": TEMPORARY})
    assert response.status_code == 404
    assert "bob" not in visible_text(response.text)
    assert password_hash(bob) == before
    assert User.objects.get(pk=bob.pk).must_change_password is False
    assert not MembershipEvent.objects.filter(kind="password_reset").exists()


def test_charlie_cannot_reset_through_the_service_either(alice, bob, charlie, company_a):
    before = password_hash(bob)
    with pytest.raises(ValidationError) as refused:
        passwords.member_password_reset(
            membership=membership_of(bob, company_a), by=charlie, password=TEMPORARY
        )
    assert refused.value.error_dict["password"][0].code == "reset_not_allowed"
    assert password_hash(bob) == before


def test_a_clerk_cannot_reset_anyone(alice, bob, company_a, browser_as):
    before = password_hash(alice)
    url = reverse("member_password", args=[membership_of(alice, company_a).pk])
    assert browser_as(bob).post(url, {"password": TEMPORARY}).status_code == 403
    assert password_hash(alice) == before


def test_a_member_of_another_company_too_is_left_to_the_operator(alice, bob, company_a, browser_as):
    company_b = company_create(name="乙科技有限公司", tin=TIN_B)
    make_member("bob", company_b, Role.CLERK)
    before = password_hash(bob)
    url = reverse("member_password", args=[membership_of(bob, company_a).pk])
    response = browser_as(alice).post(url, {"password": TEMPORARY})
    assert response.status_code == 400
    assert (
        "无法在这里重置 bob 的密码：该账户还属于您不是管理员的公司，或者是站点管理账户。请联系站点运维人员。"
        in response.text
    )
    assert password_hash(bob) == before


def test_a_staff_account_is_left_to_the_operator(alice, bob, company_a):
    User.objects.filter(pk=bob.pk).update(is_staff=True)
    before = password_hash(bob)
    with pytest.raises(ValidationError) as refused:
        passwords.member_password_reset(
            membership=membership_of(bob, company_a), by=alice, password=TEMPORARY
        )
    assert refused.value.error_dict["password"][0].code == "reset_not_allowed"
    assert password_hash(bob) == before


def test_an_admin_of_both_companies_may_reset(alice, bob, company_a, company_a2):
    Membership.objects.create(company=company_a2, user=bob, role=Role.CLERK)
    reset = passwords.member_password_reset(membership=membership_of(bob, company_a), by=alice, password="")
    assert User.objects.get(pk=bob.pk).check_password(reset.password)
    assert reset.generated is True


def test_an_admin_does_not_reset_her_own_password_here(alice, company_a, browser_as):
    before = password_hash(alice)
    url = reverse("member_password", args=[membership_of(alice, company_a).pk])
    response = browser_as(alice).post(url, {"password": TEMPORARY})
    assert response.status_code == 400
    assert "请在“修改密码”页面修改您自己的密码。" in response.text
    assert password_hash(alice) == before


def test_the_members_page_links_to_the_reset_for_others_only(alice, bob, company_a, browser_as):
    page = browser_as(alice).get(reverse("members"))
    bobs = reverse("member_password", args=[membership_of(bob, company_a).pk])
    alices = reverse("member_password", args=[membership_of(alice, company_a).pk])
    assert f'href="{bobs}"' in page.text
    assert f'href="{alices}"' not in page.text


def test_the_temporary_password_cannot_be_kept_as_the_new_one(alice, bob, company_a, browser_as):
    passwords.member_password_reset(membership=membership_of(bob, company_a), by=alice, password=TEMPORARY)
    client = browser_as(User.objects.get(pk=bob.pk))
    response = client.post(
        reverse("password_change"),
        {"old_password": TEMPORARY, "new_password1": TEMPORARY, "new_password2": TEMPORARY},
    )
    assert response.status_code == 200
    assert "请设置您自己的密码，不要沿用临时密码。" in response.text
    assert User.objects.get(pk=bob.pk).must_change_password is True
    assert client.get("/")["Location"] == "/accounts/password/"


def test_a_typed_password_too_long_is_a_400_and_nothing_changes(alice, bob, company_a, browser_as):
    before = password_hash(bob)
    url = reverse("member_password", args=[membership_of(bob, company_a).pk])
    response = browser_as(alice).post(url, {"password": "x" * 129})
    assert response.status_code == 400
    assert response.context["form"].has_error("password", "max_length")
    assert password_hash(bob) == before

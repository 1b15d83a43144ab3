from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Company, Invitation, Membership, User
from accounts.roles import Role
from tests.conftest import PASSWORD, TIN_A
from tests.pages import visible_text


def test_the_login_page_speaks_chinese_even_to_an_english_browser(db):
    response = Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert "登录发票台" in response.text
    assert '<html lang="zh-hans">' in response.text


def test_the_language_switch_turns_the_pages_english(db):
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get(reverse("login"))
    assert "Log in to Fapiao Desk" in page.text
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_alice_logs_in_with_her_password_and_lands_on_her_company(alice, company_a):
    client = Client()
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert company_a.name in response.text
    assert company_a.tin in response.text


def test_logging_in_rotates_the_session_key(alice):
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert client.session.session_key != before


def test_repeated_wrong_passwords_lock_the_username_from_that_address(alice):
    client = Client()
    for _attempt in range(5):
        response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 429
    locked = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.text
    other_address = Client(REMOTE_ADDR="10.9.8.7").post(
        reverse("login"), {"username": "alice", "password": PASSWORD}
    )
    assert other_address.status_code == 302


def test_pages_need_a_login(db):
    response = Client().get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_user_without_a_company_is_told_to_ask_an_admin(django_user_model, browser_as):
    loner = django_user_model.objects.create_user("loner", password=PASSWORD)
    response = browser_as(loner).get(reverse("home"))
    assert response.status_code == 403
    assert "您还不是任何公司的成员" in response.text


def test_alice_switches_companies_and_sees_only_each_ones_members(
    alice, bob, company_a, company_a2, browser_as
):
    dora = Membership.objects.create(
        company=company_a2,
        role=Role.CLERK,
        user=type(alice).objects.create_user("dora", password=PASSWORD),
    ).user
    client = browser_as(alice)
    client.post(reverse("company_switch"), {"company": company_a.pk})
    first = client.get(reverse("members"))
    assert [m.user.username for m in first.context["members"]] == ["alice", "bob"]
    assert [m.company for m in first.context["my_memberships"]] == [company_a2, company_a]
    switched = client.post(reverse("company_switch"), {"company": company_a2.pk}, follow=True)
    assert company_a2.name in switched.text
    second = client.get(reverse("members"))
    assert [m.user.username for m in second.context["members"]] == ["alice", dora.username]
    assert "bob" not in visible_text(second.text)


def test_the_switcher_lists_only_the_users_companies(alice, company_a2, company_b, browser_as):
    page = browser_as(alice).get(reverse("home")).text
    assert company_a2.name in page
    assert company_b.name not in page


def test_charlie_cannot_switch_into_company_a(charlie, company_a, browser_as):
    client = browser_as(charlie)
    assert client.post(reverse("company_switch"), {"company": company_a.pk}).status_code == 404
    assert company_a.name not in client.get(reverse("home")).text


def test_a_clerk_may_not_manage_members_or_settings(bob, browser_as):
    client = browser_as(bob)
    assert client.get(reverse("members")).status_code == 403
    assert client.get(reverse("company_settings")).status_code == 403
    nav = client.get(reverse("home")).text
    assert reverse("members") not in nav


def test_an_admin_invites_a_new_name_and_the_account_is_made_with_her_password(alice, company_a, browser_as):
    response = browser_as(alice).post(
        reverse("members"),
        {"username": "erin", "role": Role.ACCOUNTANT, "password": "erin-first-passphrase"},
        follow=True,
    )
    assert response.status_code == 200
    assert "erin" in visible_text(response.text)
    erin = User.objects.get(username="erin")
    assert erin.check_password("erin-first-passphrase")
    assert not Membership.objects.filter(user=erin).exists()
    assert Invitation.objects.get(user=erin).role == Role.ACCOUNTANT


def test_inviting_a_member_twice_shows_the_error_on_the_form(alice, bob, browser_as):
    response = browser_as(alice).post(
        reverse("members"), {"username": "bob", "role": Role.ADMIN, "password": "any-passphrase-1"}
    )
    assert response.status_code == 400
    assert response.context["form"].has_error("username", "already_member")


def test_an_admin_changes_a_role_through_htmx_and_gets_the_row_back(alice, bob, company_a, browser_as):
    membership = Membership.objects.get(user=bob, company=company_a)
    response = browser_as(alice).post(
        reverse("member_role", args=[membership.pk]), {"role": Role.ACCOUNTANT}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.text.strip().startswith(f'<tr id="member-{membership.pk}"')
    membership.refresh_from_db()
    assert membership.role == Role.ACCOUNTANT


def test_the_last_admin_is_kept_and_told_why(alice, company_a, browser_as):
    membership = Membership.objects.get(user=alice, company=company_a)
    response = browser_as(alice).post(
        reverse("member_role", args=[membership.pk]), {"role": Role.CLERK}, HTTP_HX_REQUEST="true"
    )
    assert "公司至少需要一名管理员" in response.text
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_an_admin_removes_a_member(alice, bob, company_a, browser_as):
    membership = Membership.objects.get(user=bob, company=company_a)
    response = browser_as(alice).post(reverse("member_remove", args=[membership.pk]), {"confirm": "on"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_charlie_cannot_touch_company_a_members(alice, bob, charlie, company_a, browser_as):
    membership = Membership.objects.get(user=bob, company=company_a)
    client = browser_as(charlie)
    assert client.post(reverse("member_role", args=[membership.pk]), {"role": "admin"}).status_code == 404
    assert client.post(reverse("member_remove", args=[membership.pk])).status_code == 404
    membership.refresh_from_db()
    assert membership.role == Role.CLERK


def test_settings_ask_to_confirm_a_failing_check_character(alice, company_a, browser_as):
    client = browser_as(alice)
    form = {"name": company_a.name, "tin": "91350100M0001TGQXM", "sync_lag_days": 5}
    refused = client.post(reverse("company_settings"), form)
    assert refused.status_code == 200
    assert refused.context["show_confirmation"]
    assert Company.objects.get(pk=company_a.pk).tin == TIN_A
    accepted = client.post(reverse("company_settings"), {**form, "accept_tin_warning": "on"})
    assert accepted.status_code == 302
    company_a.refresh_from_db()
    assert (company_a.tin, company_a.sync_lag_days, company_a.tin_warning_accepted_by) == (
        "91350100M0001TGQXM",
        5,
        alice,
    )


def test_settings_reject_a_tin_that_is_not_one(alice, company_a, browser_as):
    response = browser_as(alice).post(
        reverse("company_settings"), {"name": "甲", "tin": "91OOO", "sync_lag_days": 3}
    )
    assert response.context["form"].has_error("tin", "tin_length")


def test_a_user_creates_and_revokes_an_api_token(alice, browser_as):
    client = browser_as(alice)
    created = client.post(reverse("tokens"), {"name": "ERP export"})
    key = created.context["new_key"]
    assert key.startswith("fd_") and key in created.text
    listed = client.get(reverse("tokens"))
    assert key not in listed.text
    token = listed.context["tokens"][0]
    assert client.post(reverse("token_revoke", args=[token.token_key])).status_code == 302
    assert not client.get(reverse("tokens")).context["tokens"]


def test_a_user_cannot_revoke_someone_elses_token(alice, charlie, browser_as):
    browser_as(alice).post(reverse("tokens"), {"name": "ERP export"})
    token_key = browser_as(alice).get(reverse("tokens")).context["tokens"][0].token_key
    assert browser_as(charlie).post(reverse("token_revoke", args=[token_key])).status_code == 404
    assert browser_as(alice).get(reverse("tokens")).context["tokens"]


def test_pages_carry_a_strict_content_security_policy(db):
    response = Client().get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"

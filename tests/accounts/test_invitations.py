"""Membership by invitation: an admin of company B who names an existing user of company A invites
her and learns nothing of her account; the user joins only by accepting, declining or letting it
expire leaves her as she was, and her one-company API integration keeps working once she has two."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Invitation, Membership, MembershipEvent, TokenInfo, User
from accounts.roles import Role
from tests.conftest import PASSWORD, TIN_A, TIN_B
from tests.pages import visible_text

INITIAL_PASSWORD = "a-first-passphrase-2026"
TIMES = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(\+08:00|Z)?")


def companies_of(user) -> list[str]:
    return sorted(Membership.objects.filter(user=user).values_list("company__tin", flat=True))


def invite_on_the_page(client, username: str, **extra):
    data = {"username": username, "role": Role.ACCOUNTANT, "password": INITIAL_PASSWORD, **extra}
    return client.post(reverse("members"), data, follow=True)


def reset_invitations():
    """Back to a company that never invited anyone (the accounts made stay, as they would)."""
    Invitation.objects.all().delete()
    MembershipEvent.objects.all().delete()
    mail.outbox.clear()


def masked(text: str, username: str) -> str:
    return TIMES.sub("<time>", visible_text(text)).replace(username, "<name>")


@pytest.fixture
def bob_invited_to_b(bob, charlie, company_b):
    services.member_invite(
        company=company_b, username="bob", role=Role.ACCOUNTANT, by=charlie, password=INITIAL_PASSWORD
    )
    return Invitation.objects.get(user=bob)


def test_charlie_naming_bob_makes_him_no_member_of_b_until_he_accepts(bob, charlie, company_b, browser_as):
    page = invite_on_the_page(browser_as(charlie), "bob")
    assert page.status_code == 200
    assert companies_of(bob) == [TIN_A]
    assert [m.user.username for m in page.context["members"]] == ["charlie"]
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)

    invitations = browser_as(bob).get(reverse("invitations"))
    assert "乙科技有限公司" in invitations.text and "会计" in invitations.text
    (invitation,) = invitations.context["invitations"]
    accepted = browser_as(bob).post(reverse("invitation_accept", args=[invitation.pk]), follow=True)
    assert accepted.redirect_chain[0] == (reverse("home"), 302)
    assert "您已成为乙科技有限公司的成员（会计）。" in accepted.text
    assert companies_of(bob) == sorted([TIN_A, TIN_B])
    assert Membership.objects.get(user=bob, company=company_b).role == Role.ACCOUNTANT
    assert not Invitation.objects.filter(user=bob).exists()
    trail = list(
        MembershipEvent.objects.filter(company=company_b)
        .order_by("pk")
        .values_list("kind", "username", "by_username", "role")
    )
    assert trail == [
        ("invited", "bob", "charlie", "accountant"),
        ("accepted", "bob", "bob", "accountant"),
    ]


def test_the_answer_to_the_admin_reads_the_same_whether_the_name_has_an_account(
    bob, charlie, company_b, browser_as
):
    client = browser_as(charlie)
    existing = invite_on_the_page(client, "bob", email="charlie-watches@example.com")
    reset_invitations()
    new = invite_on_the_page(client, "zoe", email="charlie-watches@example.com")
    assert existing.status_code == new.status_code == 200
    assert existing.redirect_chain == new.redirect_chain == [(reverse("members"), 302)]
    assert masked(existing.text, "bob") == masked(new.text, "zoe")
    assert "若用户名 bob 已有账户，对方将收到以“会计”身份加入的邀请，可在 14 天内接受" in existing.text
    assert companies_of(bob) == [TIN_A]
    assert companies_of(User.objects.get(username="zoe")) == []


def test_the_api_answers_the_same_whether_the_name_has_an_account(bob, charlie, company_b, api_as):
    client = api_as(charlie)
    body = {"role": "clerk", "password": INITIAL_PASSWORD, "email": "charlie-watches@example.com"}
    existing = client.post("/api/members/", {**body, "username": "bob"}, format="json")
    reset_invitations()
    new = client.post("/api/members/", {**body, "username": "zoe"}, format="json")
    assert existing.status_code == new.status_code == 202
    assert masked(existing.text, "bob") == masked(new.text, "zoe")
    assert existing.json()["username"] == "bob"
    assert companies_of(bob) == [TIN_A]
    assert [m["username"] for m in client.get("/api/members/").json()] == ["charlie"]


def test_a_weak_password_is_refused_alike_for_a_name_with_and_without_an_account(
    bob, charlie, company_b, browser_as
):
    client = browser_as(charlie)
    refusals = [
        client.post(reverse("members"), {"username": name, "role": "clerk", "password": "123"})
        for name in ("bob", "zoe")
    ]
    assert [r.status_code for r in refusals] == [400, 400]
    assert masked(refusals[0].text, "bob") == masked(refusals[1].text, "zoe")
    assert not Invitation.objects.exists()
    assert not User.objects.filter(username="zoe").exists()
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)


def test_the_invitation_is_mailed_to_the_accounts_own_address_never_to_one_the_admin_gives(
    bob, charlie, company_b, browser_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite_on_the_page(browser_as(charlie), "bob", email="charlie-watches@example.com")
    (message,) = mail.outbox
    assert message.to == ["bob@example.com"]
    assert "乙科技有限公司" in message.subject
    assert "charlie 邀请您以“会计”身份加入发票台中的乙科技有限公司（91110108MA01A2B3CF）" in message.body
    assert "/accounts/invitations/" in message.body
    assert User.objects.get(username="bob").email == "bob@example.com"


def test_a_new_account_gets_the_admins_password_and_e_mail_and_is_invited_too(
    charlie, company_b, browser_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite_on_the_page(browser_as(charlie), "zoe", email="zoe@example.com")
    zoe = User.objects.get(username="zoe")
    assert zoe.check_password(INITIAL_PASSWORD) and zoe.email == "zoe@example.com"
    assert companies_of(zoe) == []
    assert [m.to for m in mail.outbox] == [["zoe@example.com"]]
    client = Client()
    signed_in = client.post(reverse("login"), {"username": "zoe", "password": INITIAL_PASSWORD}, follow=True)
    assert signed_in.status_code == 403  # no company yet: the page says where the invitation waits
    assert "有 1 家公司邀请您加入。" in signed_in.text
    (invitation,) = client.get(reverse("invitations")).context["invitations"]
    client.post(reverse("invitation_accept", args=[invitation.pk]))
    assert companies_of(zoe) == [TIN_B]


def test_declining_leaves_nothing_but_the_record_of_it(bob, company_b, bob_invited_to_b, browser_as):
    client = browser_as(bob)
    declined = client.post(reverse("invitation_decline", args=[bob_invited_to_b.pk]), follow=True)
    assert "您已谢绝乙科技有限公司的邀请。" in declined.text
    assert companies_of(bob) == [TIN_A]
    assert not Invitation.objects.exists()
    assert MembershipEvent.objects.filter(company=company_b).values_list("kind", "by_username")[0] == (
        "declined",
        "bob",
    )
    assert client.post(reverse("invitation_accept", args=[bob_invited_to_b.pk])).status_code == 404
    assert companies_of(bob) == [TIN_A]


def test_an_expired_invitation_is_gone(bob, bob_invited_to_b, browser_as):
    assert bob_invited_to_b.expires_at - timezone.now() > timedelta(days=13, hours=23)
    Invitation.objects.filter(pk=bob_invited_to_b.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client = browser_as(bob)
    assert list(client.get(reverse("invitations")).context["invitations"]) == []
    assert client.post(reverse("invitation_accept", args=[bob_invited_to_b.pk])).status_code == 404
    assert companies_of(bob) == [TIN_A]


def test_inviting_again_renews_the_one_invitation_and_mails_once(
    bob, charlie, company_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.member_invite(
            company=company_b, username="bob", role=Role.ACCOUNTANT, by=charlie, password=INITIAL_PASSWORD
        )
    Invitation.objects.filter(user=bob).update(expires_at=timezone.now() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.member_invite(
            company=company_b, username="bob", role=Role.CLERK, by=charlie, password=INITIAL_PASSWORD
        )
    (invitation,) = Invitation.objects.filter(user=bob)
    assert invitation.role == Role.CLERK
    assert invitation.expires_at - timezone.now() > timedelta(days=13)
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]


@pytest.mark.parametrize("stranger", ["alice", "charlie"])
def test_nobody_but_the_invited_user_answers_the_invitation(
    alice, bob, charlie, bob_invited_to_b, browser_as, stranger
):
    client = browser_as({"alice": alice, "charlie": charlie}[stranger])
    assert list(client.get(reverse("invitations")).context["invitations"]) == []
    for action in ("invitation_accept", "invitation_decline"):
        assert client.post(reverse(action, args=[bob_invited_to_b.pk])).status_code == 404
    assert Invitation.objects.filter(pk=bob_invited_to_b.pk).exists()
    assert companies_of(bob) == [TIN_A]
    assert companies_of(charlie) == [TIN_B]


def test_answering_needs_a_signed_in_post_with_the_csrf_token(bob, bob_invited_to_b):
    url = reverse("invitation_accept", args=[bob_invited_to_b.pk])
    assert Client().post(url).status_code == 302
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    assert companies_of(bob) == [TIN_A]


def test_bobs_single_company_token_keeps_working_once_he_joins_b(bob, bob_invited_to_b):
    _token, key = services.token_create(user=bob, name="记账软件同步")
    legacy, legacy_key = AuthToken.objects.create(user=bob)  # from before tokens had names
    services.invitation_accept(invitation=bob_invited_to_b, user=bob)
    assert companies_of(bob) == sorted([TIN_A, TIN_B])
    for used in (key, legacy_key):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {used}")
        response = client.get("/api/company/")
        assert response.status_code == 200, response.text
        assert response.json()["tin"] == TIN_A
        assert client.get("/api/company/", HTTP_X_COMPANY=TIN_B).status_code == 403
    assert TokenInfo.objects.get(token=legacy).company.tin == TIN_A


def test_a_token_for_all_companies_made_once_she_has_two_stays_so(bob, bob_invited_to_b, company_b):
    services.invitation_accept(invitation=bob_invited_to_b, user=bob)
    _token, key = services.token_create(user=bob, name="all")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/company/").status_code == 400
    assert client.get("/api/company/", HTTP_X_COMPANY=TIN_B).json()["tin"] == TIN_B


def test_the_admin_sees_open_invitations_and_the_trail_on_the_members_page(
    charlie, bob_invited_to_b, browser_as
):
    page = visible_text(browser_as(charlie).get(reverse("members")).text)
    open_part = page.split("待答复的邀请", 1)[1].split("邀请成员", 1)[0]
    assert "bob" in open_part and "会计" in open_part and "charlie" in open_part
    history = page.split("成员变动记录", 1)[1]
    assert "已邀请" in history and "bob" in history


def test_the_answer_is_in_english_too(charlie, company_b, browser_as):
    client = browser_as(charlie)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("members")})
    page = invite_on_the_page(client, "zoe")
    assert (
        "If an account named zoe exists, it is invited to join as Accountant and has 14 days to accept; "
        "otherwise an account of that name was created with the initial password and invited the same way."
    ) in page.text
    missing = client.post(reverse("members"), {"username": "yan", "role": "clerk"})
    assert missing.status_code == 400
    assert missing.context["form"].has_error("password", "required")
    assert not User.objects.filter(username="yan").exists()


def test_every_page_tells_bob_an_invitation_waits(bob, bob_invited_to_b, browser_as):
    home = browser_as(bob).get(reverse("home")).text
    assert f'<a href="{reverse("invitations")}">邀请 (1)</a>' in home
    assert "有 1 家公司邀请您加入。" in home

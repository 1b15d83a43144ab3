"""The company a user last chose is the one she works on after her next login."""

from django.test import Client
from django.urls import reverse

from accounts.models import Membership, User
from accounts.selectors import membership_list_for_user
from accounts.services import member_invite
from tests.conftest import PASSWORD


def log_in(username: str) -> Client:
    client = Client()
    assert client.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code == 302
    return client


def current_company_id(client: Client) -> int:
    return client.get(reverse("home")).context["current_membership"].company_id


def test_the_chosen_company_is_restored_at_the_next_login(alice, company_a, company_a2):
    client = log_in("alice")
    first, other = (membership.company_id for membership in membership_list_for_user(user=alice))
    assert current_company_id(client) == first
    client.post(reverse("company_switch"), {"company": other})
    assert User.objects.get(pk=alice.pk).last_company_id == other
    client.post(reverse("logout"))
    assert current_company_id(log_in("alice")) == other
    log_in("alice").post(reverse("company_switch"), {"company": first})
    assert current_company_id(log_in("alice")) == first


def test_a_company_she_has_left_is_not_restored(alice, company_a, company_a2):
    first, other = (membership.company_id for membership in membership_list_for_user(user=alice))
    log_in("alice").post(reverse("company_switch"), {"company": other})
    Membership.objects.filter(user=alice, company_id=other).delete()
    assert current_company_id(log_in("alice")) == first


def test_accepting_an_invitation_remembers_that_company(alice, charlie, company_a, company_b):
    member_invite(
        company=company_b, username="alice", role="clerk", by=charlie, password="unused-pass-phrase-9"
    )
    client = log_in("alice")
    invitation = alice.invitations.get()
    client.post(reverse("invitation_accept", args=[invitation.pk]))
    assert User.objects.get(pk=alice.pk).last_company_id == company_b.pk
    assert current_company_id(log_in("alice")) == company_b.pk


def test_charlie_cannot_make_company_a_his_remembered_company(charlie, company_a, browser_as):
    response = browser_as(charlie).post(reverse("company_switch"), {"company": company_a.pk})
    assert response.status_code == 404
    assert User.objects.get(pk=charlie.pk).last_company_id is None
    User.objects.filter(pk=charlie.pk).update(last_company=company_a)  # as if it had been stored
    page = log_in("charlie").get(reverse("home"))
    assert page.context["current_membership"].company.name == "乙科技有限公司"
    assert company_a.name not in page.text

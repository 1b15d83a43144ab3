from rest_framework.test import APIClient

from accounts import services
from accounts.models import Invitation, Membership, User
from accounts.roles import Role
from accounts.services import token_create
from tests.conftest import TIN_A, TIN_A2, TIN_B

INITIAL_PASSWORD = "a-first-passphrase-2026"


def test_me_lists_the_users_companies_and_roles(alice, company_a, company_a2, api_as):
    body = api_as(alice).get("/api/me/").json()
    assert body["username"] == "alice"
    assert {(c["company"]["tin"], c["role"]) for c in body["companies"]} == {
        (TIN_A, "admin"),
        (TIN_A2, "admin"),
    }


def test_companies_lists_only_the_users_own(charlie, company_a, api_as):
    body = api_as(charlie).get("/api/companies/").json()
    assert [item["company"]["tin"] for item in body["results"]] == [TIN_B]


def test_the_only_company_is_the_default(bob, api_as):
    assert api_as(bob).get("/api/company/").json()["tin"] == TIN_A


def test_several_companies_need_the_x_company_header(alice, company_a2):
    client = APIClient()
    client.force_authenticate(alice)
    response = client.get("/api/company/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "X-Company" in response.json()["X-Company"][0]
    named = client.get("/api/company/", HTTP_X_COMPANY=TIN_A2.lower())
    assert named.json()["tin"] == TIN_A2


def test_a_browser_session_uses_the_company_picked_in_the_header(alice, company_a, company_a2, api_as):
    client = api_as(alice)
    client.post("/company/switch/", {"company": company_a.pk})
    assert client.get("/api/company/").json()["tin"] == TIN_A


def test_charlie_naming_company_a_gets_404(charlie, company_a, api_as):
    response = api_as(charlie).get("/api/company/", HTTP_X_COMPANY=TIN_A, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["detail"] == f"You are not a member of a company with the taxpayer ID {TIN_A}."


def test_errors_speak_chinese_unless_english_is_asked_for(charlie, company_a, api_as):
    response = api_as(charlie).get("/api/company/", HTTP_X_COMPANY=TIN_A)
    assert response.json()["detail"].startswith("您不是纳税人识别号为")


def test_an_admin_changes_the_company_settings(alice, company_a, api_as):
    response = api_as(alice).patch("/api/company/", {"name": "甲新名", "sync_lag_days": 7}, format="json")
    assert response.status_code == 200
    company_a.refresh_from_db()
    assert (company_a.name, company_a.sync_lag_days) == ("甲新名", 7)


def test_a_failing_check_character_is_refused_with_its_code_until_accepted(alice, company_a, api_as):
    client = api_as(alice)
    refused = client.patch("/api/company/", {"tin": "91350211M0000XUF46"}, format="json")
    assert refused.status_code == 400
    assert refused.data["tin"][0].code == "tin_check_char"
    accepted = client.patch(
        "/api/company/", {"tin": "91350211M0000XUF46", "accept_tin_warning": True}, format="json"
    )
    assert accepted.json()["tin_status"] == "uscc_bad_check"


def test_a_clerk_cannot_change_settings_or_see_members(bob, api_as):
    client = api_as(bob)
    assert client.patch("/api/company/", {"name": "x"}, format="json").status_code == 403
    assert client.get("/api/members/").status_code == 403


def test_an_admin_lists_adds_changes_and_removes_members(alice, bob, company_a, api_as):
    client = api_as(alice)
    assert [m["username"] for m in client.get("/api/members/").json()] == ["alice", "bob"]
    invited = client.post(
        "/api/members/",
        {"username": "frank", "role": "accountant", "password": INITIAL_PASSWORD},
        format="json",
    )
    assert invited.status_code == 202
    assert (invited.json()["username"], invited.json()["role"]) == ("frank", "accountant")
    frank = User.objects.get(username="frank")
    assert frank.check_password(INITIAL_PASSWORD)
    assert not Membership.objects.filter(user=frank).exists()
    services.invitation_accept(invitation=Invitation.objects.get(user=frank), user=frank)
    member_id = Membership.objects.get(user=frank, company=company_a).pk
    changed = client.patch(f"/api/members/{member_id}/", {"role": "clerk"}, format="json")
    assert changed.json()["role"] == "clerk"
    assert client.delete(f"/api/members/{member_id}/").status_code == 204
    assert client.get(f"/api/members/{member_id}/").status_code == 404


def test_the_last_admin_is_refused_with_a_reason(alice, company_a, api_as):
    membership = Membership.objects.get(user=alice, company=company_a)
    response = api_as(alice).patch(f"/api/members/{membership.pk}/", {"role": "clerk"}, format="json")
    assert response.status_code == 400
    assert response.data["non_field_errors"][0].code == "last_admin"


def test_charlie_cannot_read_or_change_company_a_members(alice, bob, charlie, company_a, api_as):
    membership = Membership.objects.get(user=bob, company=company_a)
    client = api_as(charlie)
    assert client.get(f"/api/members/{membership.pk}/").status_code == 404
    assert client.patch(f"/api/members/{membership.pk}/", {"role": "admin"}, format="json").status_code == 404
    assert client.delete(f"/api/members/{membership.pk}/").status_code == 404
    assert client.get("/api/members/", HTTP_X_COMPANY=TIN_A).status_code == 404
    assert "bob" not in client.get("/api/members/").text
    membership.refresh_from_db()
    assert membership.role == Role.CLERK


def test_a_token_authenticates_and_a_revoked_one_does_not(alice, company_a):
    token, key = token_create(user=alice, name="ledger sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/company/").json()["tin"] == TIN_A
    token.delete()
    assert client.get("/api/company/").status_code == 401


def test_anonymous_calls_are_refused(db):
    assert APIClient().get("/api/company/").status_code == 401


def test_the_schema_documents_the_company_header(db):
    schema = APIClient().get("/api/schema/?format=json").json()
    parameters = schema["paths"]["/api/company/"]["get"]["parameters"]
    assert any(p["name"] == "X-Company" and p["in"] == "header" for p in parameters)
    assert "X-Company" not in str(schema["paths"]["/api/me/"])


def test_a_member_invited_without_an_email_answers_a_blank_one_as_the_schema_allows(alice, company_a, api_as):
    api_as(alice).post(
        "/api/members/", {"username": "frank", "role": "clerk", "password": INITIAL_PASSWORD}, format="json"
    )
    frank = User.objects.get(username="frank")
    services.invitation_accept(invitation=Invitation.objects.get(user=frank), user=frank)
    listed = api_as(alice).get("/api/members/").json()
    assert [member["email"] for member in listed if member["username"] == "frank"] == [""]
    schema = APIClient().get("/api/schema/?format=json").json()
    assert "format" not in schema["components"]["schemas"]["Member"]["properties"]["email"]

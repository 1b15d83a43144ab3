import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts import services
from accounts.models import Membership
from accounts.roles import Role
from tests.conftest import TIN_A, TIN_B


def codes(error: ValidationError, field: str) -> set[str]:
    return {item.code for item in error.error_dict[field]}


def test_it_creates_a_company_with_a_normalised_tin(db):
    company = services.company_create(name="  甲  公司 ", tin="９１３１０１１５ma1k4d8x0b")
    assert (company.name, company.tin) == ("甲 公司", TIN_A)


def test_it_rejects_a_tin_that_is_not_one(db):
    with pytest.raises(ValidationError) as caught:
        services.company_create(name="甲", tin="91310115MA1K4D8X")
    assert codes(caught.value, "tin") == {"tin_length"}


def test_it_asks_for_confirmation_of_a_failing_check_character(db):
    with pytest.raises(ValidationError) as caught:
        services.company_create(name="试点", tin="91350100M0001TGQXM")
    assert codes(caught.value, "tin") == {"tin_check_char"}
    with translation.override("en"):
        assert "the last character would be 1." in caught.value.error_dict["tin"][0].messages[0]


def test_an_admin_can_accept_a_failing_check_character(alice):
    company = services.company_create(
        name="试点", tin="91350100M0001TGQXM", accept_tin_warning=True, by=alice
    )
    assert company.tin_warning_accepted_by == alice
    assert company.tin_warning_accepted_at is not None


def test_it_accepts_a_legacy_tin(db):
    company = services.company_create(name="老公司", tin="110108700000123")
    assert company.tin_check.kind == "legacy"


def test_it_refuses_a_tin_that_another_company_has(company_a):
    with pytest.raises(ValidationError) as caught:
        services.company_create(name="又一个", tin=TIN_A)
    assert codes(caught.value, "tin") == {"tin_taken"}


def test_an_accepted_warning_stays_accepted_when_the_tin_is_unchanged(alice):
    company = services.company_create(
        name="试点", tin="91350100M0001TGQXM", accept_tin_warning=True, by=alice
    )
    services.company_update(company=company, by=alice, name="试点二", tin="91350100m0001tgqxm")
    company.refresh_from_db()
    assert (company.name, company.tin_warning_accepted_by) == ("试点二", alice)


def test_changing_to_a_valid_tin_clears_the_acceptance(alice):
    company = services.company_create(
        name="试点", tin="91350100M0001TGQXM", accept_tin_warning=True, by=alice
    )
    services.company_update(company=company, by=alice, tin=TIN_B)
    company.refresh_from_db()
    assert (company.tin, company.tin_warning_accepted_by) == (TIN_B, None)


@pytest.mark.parametrize("days", [-1, 61])
def test_it_bounds_the_sync_lag(company_a, alice, days):
    with pytest.raises(ValidationError) as caught:
        services.company_update(company=company_a, by=alice, sync_lag_days=days)
    assert "sync_lag_days" in caught.value.error_dict


def test_adding_a_new_username_creates_the_account_with_a_generated_password(company_a, alice):
    added = services.member_add(company=company_a, username="dora", role=Role.ACCOUNTANT, by=alice)
    assert added.user_created
    assert added.membership.user.check_password(added.password)
    assert added.membership.role == Role.ACCOUNTANT


def test_a_given_password_must_pass_the_validators(company_a, alice):
    with pytest.raises(ValidationError) as caught:
        services.member_add(company=company_a, username="dora", role="clerk", password="123", by=alice)
    assert "password" in caught.value.error_dict


def test_adding_an_existing_user_keeps_their_password(company_a, company_b, alice, charlie):
    added = services.member_add(company=company_b, username="alice", role=Role.CLERK, by=charlie)
    assert not added.user_created and added.password is None
    assert Membership.objects.filter(user=alice).count() == 2


def test_a_password_for_an_existing_account_is_refused(company_b, alice, charlie):
    with pytest.raises(ValidationError) as caught:
        services.member_add(
            company=company_b, username="alice", role=Role.CLERK, password="x-y-z-w-v-u", by=charlie
        )
    assert codes(caught.value, "password") == {"password_for_existing"}


def test_a_member_cannot_be_added_twice(company_a, alice, bob):
    with pytest.raises(ValidationError) as caught:
        services.member_add(company=company_a, username="bob", role=Role.ADMIN, by=alice)
    assert codes(caught.value, "username") == {"already_member"}


def test_an_unknown_role_is_refused(company_a, alice):
    with pytest.raises(ValidationError) as caught:
        services.member_add(company=company_a, username="dora", role="owner", by=alice)
    assert codes(caught.value, "role") == {"role"}


def test_the_last_admin_cannot_be_demoted_or_removed(company_a, alice, bob):
    membership = Membership.objects.get(user=alice, company=company_a)
    with pytest.raises(ValidationError) as demoting:
        services.member_set_role(membership=membership, role=Role.CLERK, by=alice)
    with pytest.raises(ValidationError) as removing:
        services.member_remove(membership=membership, by=alice)
    assert demoting.value.code == removing.value.code == "last_admin"
    assert Membership.objects.get(pk=membership.pk).role == Role.ADMIN


def test_an_admin_can_step_down_once_there_is_another(company_a, alice, bob):
    services.member_set_role(
        membership=Membership.objects.get(user=bob, company=company_a), role=Role.ADMIN, by=alice
    )
    services.member_set_role(
        membership=Membership.objects.get(user=alice, company=company_a), role=Role.CLERK, by=alice
    )
    assert Membership.objects.get(user=alice, company=company_a).role == Role.CLERK


def test_a_revoked_token_is_gone_and_another_users_token_is_untouched(alice, bob):
    alice_token, _key = services.token_create(user=alice, name="ledger sync")
    bob_token, _key = services.token_create(user=bob, name="ledger sync")
    assert not services.token_revoke(user=alice, token_key=bob_token.token_key)
    assert services.token_revoke(user=alice, token_key=alice_token.token_key)
    assert not services.token_revoke(user=alice, token_key=alice_token.token_key)

import pytest

from accounts.roles import MINIMUM_ROLE, Perm, Role, role_allows

EXPECTED = {
    Role.CLERK: {Perm.LEDGER_VIEW, Perm.LEDGER_EDIT},
    Role.ACCOUNTANT: {
        Perm.LEDGER_VIEW,
        Perm.LEDGER_EDIT,
        Perm.INGEST_UPLOAD,
        Perm.BUREAU_IMPORT,
        Perm.RECONCILE,
        Perm.DISCREPANCY_RESOLVE,
        Perm.ALERTS_VIEW,
    },
    Role.ADMIN: set(Perm),
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_its_share(role):
    assert {perm for perm in Perm if role_allows(role, perm)} == EXPECTED[role]


def test_every_permission_names_a_minimum_role():
    assert set(MINIMUM_ROLE) == set(Perm)

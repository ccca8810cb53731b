"""Who may do what: the rule the services enforce and the window mirrors."""

import pytest

from puskesos.core.codes import Role
from puskesos.core.permissions import Permission, allowed

P = Permission


def test_the_administrator_may_do_everything():
    assert all(allowed(Role.ADMIN, p) for p in Permission)
    assert all(allowed("admin", p) for p in Permission)


@pytest.mark.parametrize("role", ["operator", "koordinator", "kepala_desa"])
@pytest.mark.parametrize("permission", [P.MANAGE_USERS, P.MANAGE_SETTINGS, P.RESTORE])
def test_only_the_administrator_manages_users_settings_and_restores(role, permission):
    assert not allowed(role, permission)
    assert not allowed(Role.from_code(role), permission)


def test_the_operator_keeps_the_registry_but_does_not_approve_or_sign():
    for p in (P.VIEW_REGISTRY, P.VIEW_FULL_NIK, P.EDIT_REGISTRY, P.EXPORT, P.BACKUP,
              P.VIEW_AUDIT):
        assert allowed(Role.OPERATOR, p), p
    assert not allowed(Role.OPERATOR, P.APPROVE)
    assert not allowed(Role.OPERATOR, P.SIGN_OFF)


def test_the_koordinator_approves_but_does_not_sign_off():
    assert allowed(Role.KOORDINATOR, P.APPROVE)
    assert allowed("koordinator", P.EDIT_REGISTRY)
    assert not allowed(Role.KOORDINATOR, P.SIGN_OFF)


def test_the_village_head_reads_and_signs_with_niks_masked():
    assert allowed(Role.KEPALA_DESA, P.VIEW_REGISTRY)
    assert allowed(Role.KEPALA_DESA, P.SIGN_OFF)
    assert allowed(Role.KEPALA_DESA, P.VIEW_AUDIT)
    for p in (P.VIEW_FULL_NIK, P.EDIT_REGISTRY, P.EXPORT, P.APPROVE, P.BACKUP):
        assert not allowed(Role.KEPALA_DESA, p), p


@pytest.mark.parametrize("no_role", [None, ""])
def test_an_account_without_a_role_may_do_nothing(no_role):
    assert not any(allowed(no_role, p) for p in Permission)


def test_an_unknown_role_is_refused_not_treated_as_some_role():
    with pytest.raises(ValueError):
        allowed("superuser", P.VIEW_REGISTRY)

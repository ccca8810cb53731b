import pytest

from puskesos.errors import AccountLocked, AuthenticationFailed, InvalidInput, PermissionDenied
from puskesos.services.lockout import MAX_FAILED_ATTEMPTS

from tests.conftest import ADMIN, OPERATOR


@pytest.fixture
def with_admin(services):
    services.auth.create_first_admin(username="admin", password="rahasia1",
                                     full_name="Admin Desa")
    return services


def test_first_admin_only_once(with_admin):
    with pytest.raises(InvalidInput):
        with_admin.auth.create_first_admin(username="x", password="rahasia1", full_name="X")


def test_login_and_password_is_hashed(with_admin):
    user = with_admin.auth.login(username="Admin", password="rahasia1")
    assert user.role == "admin"
    from sqlalchemy import text
    with with_admin.db.read() as s:
        stored = s.execute(text("SELECT password_hash FROM app_user")).scalar()
    assert stored.startswith("$argon2") and "rahasia1" not in stored


def test_five_wrong_passwords_lock_the_account(with_admin):
    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationFailed):
            with_admin.auth.login(username="admin", password="salah")
    with pytest.raises(AccountLocked) as err:
        with_admin.auth.login(username="admin", password="rahasia1")
    assert "menit" in err.value.message
    with_admin.auth.create_user(actor=ADMIN, username="admin2", password="rahasia2",
                                full_name="Admin 2", role="admin")
    with_admin.auth.reset_password(actor=ADMIN, username="admin", new_password="baru1234")
    assert with_admin.auth.login(username="admin", password="baru1234").username == "admin"


def test_wrong_password_for_unknown_user_reveals_nothing(with_admin):
    with pytest.raises(AuthenticationFailed) as a:
        with_admin.auth.login(username="nobody", password="x")
    with pytest.raises(AuthenticationFailed) as b:
        with_admin.auth.login(username="admin", password="x")
    assert a.value.message == b.value.message


def test_only_admin_manages_users(with_admin):
    with pytest.raises(PermissionDenied):
        with_admin.auth.create_user(actor=OPERATOR, username="op2", password="rahasia1",
                                    full_name="Op", role="operator")


def test_short_password_refused(with_admin):
    with pytest.raises(InvalidInput):
        with_admin.auth.create_user(actor=ADMIN, username="op", password="123",
                                    full_name="Op", role="operator")


def test_change_password_needs_the_old_one(with_admin):
    me = with_admin.auth.login(username="admin", password="rahasia1").actor
    with pytest.raises(AuthenticationFailed):
        with_admin.auth.change_password(actor=me, old_password="x", new_password="baru12345")
    with_admin.auth.change_password(actor=me, old_password="rahasia1", new_password="baru12345")
    assert with_admin.auth.login(username="admin", password="baru12345")


def test_kepala_desa_may_not_make_a_backup_of_full_niks(sqlite_services):
    from tests.conftest import KADES
    with pytest.raises(PermissionDenied):
        sqlite_services.backup.backup(actor=KADES)


def test_a_lock_is_not_lifted_by_clearing_the_database_columns(with_admin):
    """Five wrong passwords lock the account; an UPDATE of app_user that clears the
    count and the lock (anyone who can write the file can) does not unlock it: the
    program keeps the state outside the database too."""
    from sqlalchemy import text
    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationFailed):
            with_admin.auth.login(username="admin", password="salah")
    with with_admin.db.write() as s:
        s.execute(text("UPDATE app_user SET locked_until = NULL, failed_attempts = 0"))
    with pytest.raises(AccountLocked):
        with_admin.auth.login(username="admin", password="rahasia1")


def test_wrong_passwords_count_on_after_the_database_count_is_cleared(with_admin):
    from sqlalchemy import text
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(AuthenticationFailed):
            with_admin.auth.login(username="admin", password="salah")
    with with_admin.db.write() as s:
        s.execute(text("UPDATE app_user SET failed_attempts = 0"))
    with pytest.raises(AuthenticationFailed):
        with_admin.auth.login(username="admin", password="salah")
    with pytest.raises(AccountLocked):
        with_admin.auth.login(username="admin", password="rahasia1")

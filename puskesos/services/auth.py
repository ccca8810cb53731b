"""Users, passwords (argon2) and roles. Five wrong passwords lock an account."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from ..core.codes import Role
from ..core.validation import NAME_LIMIT, checked_text
from ..core.permissions import Permission
from ..db.engine import Database
from ..errors import AccountLocked, AuthenticationFailed, InvalidInput, NotFound
from ..i18n import _
from ..models import User, utcnow
from . import audit
from .audit import Change
from .context import Actor, require

MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 6

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so that a wrong name
    takes as long as a wrong password (made once, when first needed: hashing takes
    a fifth of a second, which every command would otherwise pay at start)."""
    return _hasher.hash("no such user")


@dataclass(frozen=True)
class UserInfo:
    id: str
    username: str
    full_name: str
    role: str
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.full_name)


def _info(u: User) -> UserInfo:
    return UserInfo(u.id, u.username, u.full_name, u.role, u.active, u.locked_until,
                    u.last_login_at)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_("The password must be at least {n} characters long.")
                           .format(n=MIN_PASSWORD_LENGTH))


def _check_username(username: str) -> str:
    name = username.strip().lower()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name):
        raise InvalidInput(_("A user name uses letters, digits, '.', '_' or '-' only "
                             "(at most 64 characters)."))
    return name


class AuthService:
    def __init__(self, db: Database):
        self._db = db

    def has_users(self) -> bool:
        """Whether any user exists (none: the first start creates the administrator)."""
        with self._db.read() as s:
            return bool(s.scalar(select(func.count()).select_from(User)))

    def create_first_admin(self, *, username: str, password: str, full_name: str) -> UserInfo:
        """Create the administrator of a new database (only while there is no user)."""
        return self._create(Actor(username="setup", role=Role.ADMIN.value), username,
                            password, full_name, Role.ADMIN.value, first=True)

    @staticmethod
    def check_new_credentials(username: str, password: str) -> None:
        """Raise InvalidInput for a user name or password that would be refused."""
        _check_username(username)
        _check_password(password)

    def create_user(self, *, actor: Actor, username: str, password: str, full_name: str,
                    role: str) -> UserInfo:
        """Add a user with a role; the name and password rules are checked first."""
        require(actor, Permission.MANAGE_USERS)
        return self._create(actor, username, password, full_name, role)

    def _create(self, actor: Actor, username: str, password: str, full_name: str,
                role: str, first: bool = False) -> UserInfo:
        name = _check_username(username)
        full_name = checked_text(_("Name"), " ".join((full_name or "").split()),
                                 NAME_LIMIT) or ""
        try:
            Role.from_code(role)
        except ValueError:
            raise InvalidInput(_("Unknown role {role}.").format(role=role)) from None
        _check_password(password)
        with self._db.write() as s:
            if first and s.scalar(select(func.count()).select_from(User)):
                raise InvalidInput(_("This database already has users; log in as an "
                                     "administrator to add more."))
            if s.scalar(select(User).where(User.username == name)):
                raise InvalidInput(_("User name {name} is already taken.").format(name=name))
            user = User(username=name, full_name=full_name.strip() or name, role=role,
                        password_hash=_hasher.hash(password))
            s.add(user)
            s.flush()
            audit.append(s, actor, "create", [
                Change("user", user.id, "username", None, name),
                Change("user", user.id, "role", None, role)])
            return _info(user)

    def login(self, *, username: str, password: str) -> UserInfo:
        """Check a password. Wrong five times in a row locks the account."""
        name = username.strip().lower()
        now = utcnow()
        with self._db.write() as s:
            user = s.scalar(select(User).where(User.username == name).with_for_update())
            if user is None or not user.active:
                # Same message and about the same time as a wrong password: do not
                # reveal which names exist.
                try:
                    _hasher.verify(_dummy_hash(), password)
                except (VerificationError, InvalidHashError):
                    pass
                raise AuthenticationFailed(_("Wrong user name or password."))
            if user.locked_until and user.locked_until > now:
                minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
                raise AccountLocked(
                    _("This account is locked after too many wrong passwords. Try again "
                      "in {minutes} minutes or ask the administrator.").format(minutes=minutes))
            try:
                _hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                user.failed_attempts += 1
                reason = None
                if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
                    user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                    user.failed_attempts = 0
                    reason = "locked"
                audit.append(s, name, "login_failed", [Change("user", user.id, None)], reason)
                failed = True
            else:
                failed = False
                user.failed_attempts = 0
                user.locked_until = None
                user.last_login_at = now
                if _hasher.check_needs_rehash(user.password_hash):
                    user.password_hash = _hasher.hash(password)
                audit.append(s, name, "login", [Change("user", user.id, None)])
                info = _info(user)
        # The failed attempt is committed above before we answer.
        if failed:
            raise AuthenticationFailed(_("Wrong user name or password."))
        return info

    def change_password(self, *, actor: Actor, old_password: str, new_password: str) -> None:
        """Change the actor's own password after checking the old one."""
        _check_password(new_password)
        with self._db.write() as s:
            user = s.scalar(select(User).where(User.username == actor.username))
            if user is None:
                raise NotFound(_("User {name} not found.").format(name=actor.username))
            try:
                _hasher.verify(user.password_hash, old_password)
            except (VerificationError, InvalidHashError):
                raise AuthenticationFailed(_("The current password is wrong.")) from None
            user.password_hash = _hasher.hash(new_password)
            audit.append(s, actor, "update", [Change("user", user.id, "password", "***", "***")])

    def reset_password(self, *, actor: Actor, username: str, new_password: str) -> None:
        """An administrator sets a new password and lifts a lock."""
        require(actor, Permission.MANAGE_USERS)
        _check_password(new_password)
        with self._db.write() as s:
            user = s.scalar(select(User).where(User.username == username.strip().lower()))
            if user is None:
                raise NotFound(_("User {name} not found.").format(name=username))
            user.password_hash = _hasher.hash(new_password)
            user.failed_attempts = 0
            user.locked_until = None
            audit.append(s, actor, "update", [Change("user", user.id, "password", "***", "***")],
                         "reset by administrator")

    def users(self, *, actor: Actor) -> list[UserInfo]:
        """Every user of the program, by user name."""
        require(actor, Permission.MANAGE_USERS)
        with self._db.read() as s:
            return [_info(u) for u in s.scalars(select(User).order_by(User.username))]

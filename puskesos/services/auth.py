"""Users, passwords (argon2) and roles. Five wrong passwords lock an account.

The count and the lock are kept in the ``app_user`` row and, so that editing the
database cannot lift them, in the :class:`~puskesos.services.lockout.LockoutFile`
of this computer; the later lock and the higher count of the two apply.  The
window and the command line both log in with :meth:`AuthService.login`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from ..core.codes import Role
from ..core.validation import NAME_LIMIT, checked_text
from ..core.permissions import Permission
from ..db.engine import Database
from ..errors import AccountLocked, AuthenticationFailed, InvalidInput, NotFound
from ..i18n import _
from ..models import Setting, User, utcnow
from . import audit
from .audit import Change, coded_reason
from .context import Actor, require
from .lockout import LockoutFile, LockState, after_wrong_password
from .settings.village import VILLAGE_KEY

MIN_PASSWORD_LENGTH = 6

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so that a wrong name
    takes as long as a wrong password (made once, when first needed: hashing takes
    a fifth of a second, which every command would otherwise pay at start)."""
    return _hasher.hash("no such user")


def file_identity(path: Path) -> str:
    """The lockout file's name of a database file (see :meth:`AuthService._identities`)."""
    return f"location {Path(path).resolve()}"


def refuse_if_locked(locked_until: datetime | None, now: datetime) -> None:
    """AccountLocked while ``locked_until`` is ahead (the window's and the command
    line's login, before and after an encrypted file is opened)."""
    if locked_until and locked_until > now:
        minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
        raise AccountLocked(
            _("This account is locked after too many wrong passwords. Try again "
              "in {minutes} minutes or ask the administrator.").format(minutes=minutes))


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
    def __init__(self, db: Database, *, lockout: LockoutFile):
        self._db = db
        self._lockout = lockout

    def _identities(self, s) -> list[str]:
        """The database's identities for the lockout file: where it is and, once set
        up, the village it holds (see :mod:`.lockout`)."""
        file = self._db.file
        found = [file_identity(file) if file is not None else f"location {self._db.location}"]
        village = s.get(Setting, VILLAGE_KEY)
        code = village.value.get("code") if village and isinstance(village.value, dict) else None
        if code:
            found.append(f"village {code}")
        return found

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
            self._wrap_for(name, password)
            audit.append(s, actor, "create", [
                Change("user", user.id, "username", None, name),
                Change("user", user.id, "role", None, role)])
            return _info(user)

    def _wrap_for(self, username: str, password: str) -> None:
        """On an encrypted database, wrap its data key for ``username`` under
        ``password`` (written before the caller's transaction commits: if the key
        file cannot be written, the user or the password is not changed either)."""
        keys, data_key = self._db.key_file, self._db.data_key
        if keys is not None and data_key is not None:
            keys.set_user(username, password, data_key)

    def login(self, *, username: str, password: str, session: bool = True,
              proven: bool = False) -> UserInfo:
        """Check a password. Wrong five times in a row locks the account.

        Attempts on this computer are taken one at a time (:meth:`LockoutFile.held`),
        so guesses made in parallel cannot outrun the lock; the password is checked
        outside any write transaction.  ``session``: the login starts a session (the
        window), recorded in the audit trail with the time of the last login.  A
        command-line verb passes False: its writes are recorded under the user, and
        a right password then writes nothing unless a count or a lock is to be
        cleared, so a command runs while another program writes and a refused one
        leaves the database as it was.

        ``proven``: the password already opened the user's wrap of the encrypted
        database's key (:func:`~puskesos.services.signin.sign_in`), so the second
        argon2 check is skipped; the account's state (active, locked) is checked as
        ever."""
        name = username.strip().lower()
        with self._lockout.held():
            return self._attempt(name, password, session, proven)

    def _attempt(self, name: str, password: str, session: bool,
                 proven: bool = False) -> UserInfo:
        now = utcnow()
        with self._db.read() as s:
            user = s.scalar(select(User).where(User.username == name))
            identities = self._identities(s)
            # read now: the read unit ends with a rollback, which expires the row
            info = _info(user) if user is not None else None
            stored = (user.password_hash, user.failed_attempts) if user is not None else None
        if info is None or stored is None or not info.active:
            # Same message and about the same time as a wrong password: do not
            # reveal which names exist.
            try:
                _hasher.verify(_dummy_hash(), password)
            except (VerificationError, InvalidHashError):
                pass
            raise AuthenticationFailed(_("Wrong user name or password."))
        kept = self._lockout.state(identities, name)
        password_hash, failed_attempts = stored
        locked_until = max((t for t in (info.locked_until, kept.locked_until) if t),
                           default=None)
        refuse_if_locked(locked_until, now)
        try:
            right = proven or _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            right = False
        if not right:
            state = after_wrong_password(max(failed_attempts or 0, kept.failed), now)
            failed, until = state.failed, state.locked_until
            reason = "locked" if until else None
            # outside the database first: a failed or busy write must not forget it
            self._lockout.record(identities, name, state)
            with self._db.write() as s:
                row = s.scalar(select(User).where(User.id == info.id).with_for_update())
                row.failed_attempts = failed
                if until:
                    row.locked_until = until
                audit.append(s, name, "login_failed", [Change("user", row.id, None)], reason)
            # the failed attempt is committed before we answer
            raise AuthenticationFailed(_("Wrong user name or password."))
        rehash = not proven and _hasher.check_needs_rehash(password_hash)
        to_clear = bool(failed_attempts or info.locked_until or kept.failed
                        or kept.locked_until)
        attempts = self._attempts_before_open(identities)
        if session or rehash or to_clear or attempts:
            with self._db.write() as s:
                for username, user_id, attempt in attempts:
                    code = "locked_before_open" if attempt.get("locked") else \
                        "attempt_before_open"
                    audit.append(s, username, "login_failed", [Change("user", user_id, None)],
                                 coded_reason(code, at=str(attempt.get("at", ""))[:19]))
                user = s.scalar(select(User).where(User.id == info.id).with_for_update())
                user.failed_attempts = 0
                user.locked_until = None
                if rehash:
                    user.password_hash = _hasher.hash(password)
                if session:
                    user.last_login_at = now
                    audit.append(s, name, "login", [Change("user", user.id, None)])
                self._lockout.record(identities, name, LockState())
                info = _info(user)
        return info

    def _attempts_before_open(self, identities: list[str]) -> list[tuple[str, str, dict]]:
        """Wrong passwords that could not open the encrypted database, as (user name,
        user id, attempt), for the audit trail (taken from the lockout file)."""
        if self._db.key_file is None:
            return []
        with self._db.read() as s:
            users = [(u.username, u.id) for u in s.scalars(select(User))]
        return [(name, user_id, attempt) for name, user_id in users
                for attempt in self._lockout.take_attempts(identities, name)]

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
            self._wrap_for(user.username, new_password)
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
            self._wrap_for(user.username, new_password)
            self._lockout.record(self._identities(s), user.username, LockState())
            audit.append(s, actor, "update", [Change("user", user.id, "password", "***", "***")],
                         "reset by administrator")

    def users(self, *, actor: Actor) -> list[UserInfo]:
        """Every user of the program, by user name."""
        require(actor, Permission.MANAGE_USERS)
        with self._db.read() as s:
            return [_info(u) for u in s.scalars(select(User).order_by(User.username))]

"""Logging in to a database, the one way the window and the command line do it.

On an encrypted village file the password first opens the user's wrap of the
data key (:mod:`puskesos.db.keys`); only then can the file be read, and the
account's state is checked as ever (:meth:`AuthService.login`).  A wrong password
on an encrypted file cannot be written into the database, so the lockout file
keeps it and the next login writes it into the audit trail.

A plain village file (made by a version before encryption) is encrypted right
after the first successful login of this version (:mod:`.encrypt`).  A server
database (PostgreSQL) has its own authentication and is logged in to as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..db.engine import is_encrypted, is_url
from ..db.keys import KEYRING, KeyFile
from ..files import part_path, remove_quietly, working_in
from ..errors import AuthenticationFailed, InvalidInput
from ..i18n import _
from ..models import utcnow
from . import Services, open_services
from .auth import UserInfo, file_identity, refuse_if_locked


@contextmanager
def new_village_file(target: str) -> Iterator[str]:
    """Where to make a new village database: a new file is made as ``NAME.part`` (with
    its key file) and renamed into place when the block ends normally, so a killed
    ``init`` or ``demo`` leaves no half-made, locked file behind (the next start
    removes the part).  An existing file or a server is used where it is."""
    path = database_file(target)
    if path is None or path.exists():
        yield target
        return
    part = part_path(path)
    remove_quietly(part, sqlite=True)
    remove_quietly(KeyFile.beside(part).path)
    try:
        with working_in(path.parent):      # not a leftover to another start meanwhile
            yield str(part)
        key = KEYRING.get(part)
        if KeyFile.beside(part).exists():       # the key file first: never a file without
            os.replace(KeyFile.beside(part).path, KeyFile.beside(path).path)
        os.replace(part, path)
        if key is not None:
            KEYRING.remember(path, key)
    except BaseException:
        remove_quietly(part, sqlite=True)
        remove_quietly(KeyFile.beside(part).path)
        raise
    finally:
        KEYRING.forget(part)


@dataclass
class SignedIn:
    services: Services
    user: UserInfo
    #: set when this login encrypted a plain village file: its recovery key, to show
    recovery_key: str | None = None
    #: where the safety copy taken before the encryption is
    safety_copy: Path | None = None


def lockout_file():
    """The lockout file of this computer (see :mod:`.lockout`)."""
    from .. import paths
    from .lockout import FILE_NAME, LockoutFile
    return LockoutFile(paths.data_dir() / FILE_NAME)


def encrypted_file(target: str) -> bool:
    """Whether ``target`` is an encrypted village file (read only after a login)."""
    path = database_file(target)
    return path is not None and is_encrypted(path)


def database_file(target: str) -> Path | None:
    """The village file ``target`` names (None: a server URL)."""
    return None if is_url(target) else Path(target).expanduser()


def unlock(target: str, username: str, password: str) -> bool:
    """Open the data key of the encrypted file ``target`` with the user's password
    (kept in this process's keyring); False when the file is not encrypted or its
    key is already held.  A wrong password counts toward the lockout."""
    path = database_file(target)
    if path is None or not is_encrypted(path) or KEYRING.get(path) is not None:
        return False
    keys = KeyFile.beside(path)
    if not keys.exists():
        return False          # opening the file says what is wrong
    name = username.strip().lower()
    lockout = lockout_file()
    identities = [file_identity(path)]
    with lockout.held():
        now = utcnow()
        kept = lockout.state(identities, name)
        refuse_if_locked(kept.locked_until, now)
        try:
            unlocked = keys.unlock(name, password)
        except AuthenticationFailed:
            lockout.failed_before_open(identities, name, now)
            raise
    KEYRING.remember(path, unlocked.data_key)
    if unlocked.pending:     # first login since the file was encrypted: a wrap of its own
        keys.set_user(name, password, unlocked.data_key)
    return True


def sign_in(target: str, username: str, password: str, *, session: bool = True,
            services: Services | None = None) -> SignedIn:
    """Open ``target`` as ``username`` (see the module's note).  ``services``: the
    database is already open (a plain file, or a key held) and only the login is
    checked.  The caller closes the returned services."""
    proven = unlock(target, username, password) if services is None else False
    opened = services or open_services(target)
    try:
        user = opened.auth.login(username=username, password=password, session=session,
                                 proven=proven)
        path = database_file(target)
        if path is None or opened.db.encrypted:
            return SignedIn(opened, user)
        from .encrypt import encrypt_village_file
        done = encrypt_village_file(opened, user, password)
        return SignedIn(done.services, user, done.recovery_key, done.safety_copy)
    except BaseException:
        if services is None:
            opened.close()
        raise


def recover(target: str, recovery_key: str, username: str, new_password: str) -> None:
    """Every password lost: the recovery key opens the file, and ``username`` gets
    ``new_password`` (which also lifts a lock); recorded in the trail as done with
    the recovery key."""
    from ..core.codes import Role
    from .context import Actor
    path = database_file(target)
    if path is None:
        raise InvalidInput(_("A PostgreSQL database has no recovery key: its server's "
                             "administrator resets passwords."))
    from .auth import AuthService
    AuthService.check_new_credentials(username, new_password)
    key = KeyFile.beside(path).unlock_recovery(recovery_key)
    KEYRING.remember(path, key)
    services = open_services(target)
    try:
        services.auth.reset_password(actor=Actor("recovery-key", Role.ADMIN.value,
                                                 _("recovery key")),
                                     username=username, new_password=new_password)
    finally:
        services.close()

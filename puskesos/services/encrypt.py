"""Encrypting a plain village file, once, at the first login of this version.

A village database made before encryption is a plain SQLite file: anyone who
copies it reads every NIK.  :func:`encrypt_village_file` turns it into an
encrypted one without losing anything:

1. the plain file is copied into an encrypted ``.part`` beside it
   (``sqlcipher_export``) while it is write-locked;
2. the copy is checked: SQLite's integrity check, and every table holds as many
   rows as in the plain file;
3. the key file is written: the data key wrapped for the user logging in, for
   the recovery key, and (pending, see :mod:`puskesos.db.keys`) for every other
   user under the password hash the plain file held for them;
4. a safety copy of the checked encrypted file (and its key file) goes into the
   ``backup`` folder beside the database;
5. the copy is renamed over the plain file, and the event is written in the
   audit trail.

Until step 5 the plain file is untouched; a failure before it leaves the plain
file as it was (and the next login tries again).  Copies made before, such as
older backups, stay plain: the message says so.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ..db.encrypt import export_encrypted
from ..db.engine import sqlite_errors
from ..db.keys import KEYRING, KeyFile, new_data_key, new_recovery_key
from ..db.migrate import local_backup_dir
from ..errors import DatabaseUnavailable
from ..files import PartFile, file_error, owner_only, remove_quietly
from ..i18n import _
from ..models import User
from . import Services, audit, open_services
from .audit import Change, coded_reason
from .auth import UserInfo


@dataclass
class Encrypted:
    services: Services
    recovery_key: str
    safety_copy: Path


def encrypt_village_file(services: Services, user: UserInfo, password: str) -> Encrypted:
    """Encrypt the plain village file of ``services`` (which it closes) after
    ``user`` logged in with ``password``; the services over the encrypted file."""
    path = services.db.file
    assert path is not None
    with services.db.read() as s:
        others = {u.username: u.password_hash for u in s.scalars(select(User))
                  if u.username != user.username and u.active}
    services.close()
    data_key, recovery_key = new_data_key(), new_recovery_key()
    target = PartFile(path, sqlite=True)
    keys = KeyFile.beside(path)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = local_backup_dir(path)
    safety = folder / f"before-encryption-{stamp}.sqlite"
    try:
        target.discard()
        export_encrypted(path, target.part, data_key)
        owner_only(target.part)
        keys.create(data_key, recovery_key)
        keys.set_user(user.username, password, data_key)
        if others:
            keys.set_pending(others, data_key)
        shutil.copyfile(target.part, safety)
        shutil.copyfile(keys.path, KeyFile.beside(safety).path)
        owner_only(safety)
        remove_quietly(f"{path}-wal")
        remove_quietly(f"{path}-shm")
        target.publish()
    except OSError as exc:
        target.discard()
        raise file_error(exc, path) from exc
    except sqlite_errors() as exc:
        target.discard()
        raise DatabaseUnavailable(
            _("The database {path} could not be encrypted ({error}); it was left as it "
              "was.").format(path=path, error=exc)) from exc
    except BaseException:
        target.discard()
        raise
    KEYRING.remember(path, data_key)
    opened = open_services(str(path))
    with opened.db.write() as s:
        audit.append(s, user.actor, "encrypt", [Change("database", "file", None)],
                     coded_reason("encrypted"))
    return Encrypted(opened, recovery_key, safety)


__all__ = ["Encrypted", "encrypt_village_file"]

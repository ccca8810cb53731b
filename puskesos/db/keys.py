"""The village database's data key and the key file that holds it wrapped.

A village database (SQLite) is encrypted with SQLCipher 4 under a random
256-bit *data key*.  The data key is never stored in clear: the *key file*
beside the database (``desa.sqlite.keys``) holds it wrapped (AES-256-GCM) once
per user, under a key derived from that user's password with argon2id, and
once under the *recovery key* printed for the office's safe at ``init``.  A
right password (or the recovery key) unwraps the data key; a wrong one fails
the GCM tag and nothing is learnt.  Each wrap is bound to its entry (who, and
which data key) as associated data, so an entry cannot be moved to another user
or another database.

Users of a database that was encrypted by an upgrade (it was a plain file) get
a *pending* wrap until they first log in: it is keyed by the argon2 password
hash the plain database held for them, so their password still opens the file;
their first login replaces it with an ordinary wrap under a fresh salt.

The :data:`KEYRING` keeps the data keys this process has unlocked, by file, so
that every opening of the same database in this process (the services, a
backup, a safety copy) finds its key.  The key lives in memory only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import AuthenticationFailed, DatabaseDamaged, InvalidInput
from ..files import file_error, owner_only, write_bytes
from ..i18n import _

FORMAT = "puskesos-keys/1"
#: the key file's name beside the database: ``desa.sqlite`` → ``desa.sqlite.keys``
SUFFIX = ".keys"
KEY_BYTES = 32
#: argon2id for a password (the parameters of RFC 9106's second choice, as the
#: password hashes in the database use)
ARGON2 = {"t": 3, "m": 65536, "p": 4}
#: the recovery key's alphabet (RFC 4648 base32: no 0, 1, 8 or 9 to mistake)
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
RECOVERY_BYTES = 20          # 160 bits: 32 characters, eight groups of four


def key_file_path(database: Path | str) -> Path:
    database = Path(database)
    return database.with_name(database.name + SUFFIX)


def key_id(data_key: bytes) -> str:
    """A short public name of a data key (which key a file or a backup needs)."""
    return hmac.new(data_key, b"puskesos key id", hashlib.sha256).hexdigest()[:16]


def sqlcipher_key(data_key: bytes) -> str:
    """The data key as SQLCipher's raw-key literal (no key derivation per connection)."""
    return f"x'{data_key.hex()}'"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _user_slot(username: str) -> str:
    # the file names no user in clear
    return hashlib.sha256(f"user\0{username.strip().lower()}".encode()).hexdigest()[:32]


def _derive(secret: bytes, salt: bytes, params: dict) -> bytes:
    from argon2.low_level import Type, hash_secret_raw
    return hash_secret_raw(secret, salt, time_cost=int(params["t"]),
                           memory_cost=int(params["m"]), parallelism=int(params["p"]),
                           hash_len=KEY_BYTES, type=Type.ID)


def _seal(kek: bytes, data_key: bytes, aad: bytes) -> dict:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    nonce = secrets.token_bytes(12)
    return {"nonce": _b64(nonce), "wrapped": _b64(AESGCM(kek).encrypt(nonce, data_key, aad))}


def _open(kek: bytes, entry: dict, aad: bytes) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    try:
        return AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]), aad)
    except (InvalidTag, KeyError, TypeError, ValueError):
        return None


def _password_entry(secret: bytes, data_key: bytes, aad: bytes) -> dict:
    salt = secrets.token_bytes(16)
    return {"kdf": dict(ARGON2, salt=_b64(salt))} | _seal(_derive(secret, salt, ARGON2),
                                                         data_key, aad)


def _open_password_entry(secret: bytes, entry: dict, aad: bytes) -> bytes | None:
    try:
        kdf = entry["kdf"]
        kek = _derive(secret, _unb64(kdf["salt"]), kdf)
    except (KeyError, TypeError, ValueError):
        return None
    return _open(kek, entry, aad)


def _hash_kek(encoded_hash: str) -> bytes:
    """The key of a pending wrap: the raw digest inside an argon2 password hash."""
    digest = encoded_hash.rsplit("$", 1)[-1]
    return hashlib.sha256(b"puskesos pending wrap\0" + base64.b64decode(
        digest + "=" * (-len(digest) % 4))).digest()


def _pending_kek(password: str, encoded_hash: str) -> bytes | None:
    """Recompute the raw digest of ``encoded_hash`` from ``password`` (None: wrong)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError
    try:
        PasswordHasher().verify(encoded_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return _hash_kek(encoded_hash)


# --- the recovery key ----------------------------------------------------------------------

def new_recovery_key() -> str:
    raw = secrets.token_bytes(RECOVERY_BYTES)
    text = base64.b32encode(raw).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes:
    """The recovery key as typed (any case, spaces or dashes; 0/1/8 read as O/I/B)."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans("018", "OIB"))
    if len(cleaned) != 32 or any(ch not in _B32 for ch in cleaned):
        raise InvalidInput(_("A recovery key has 32 letters and digits in eight groups of "
                             "four (ABCD-EFGH-…). Check what was typed against the sheet."))
    return base64.b32decode(cleaned)


# --- the key file -----------------------------------------------------------------------------

@dataclass
class Unlocked:
    """What opening the key file gave: the data key, and whether the user's wrap was
    a pending one (to be replaced by an ordinary wrap at this login)."""

    data_key: bytes
    pending: bool = False


class KeyFile:
    """The wrapped copies of one database's data key (see the module's note)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    @classmethod
    def beside(cls, database: Path | str) -> KeyFile:
        return cls(key_file_path(database))

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DatabaseDamaged(
                _("The key file {path} is missing, so the encrypted database beside it "
                  "cannot be opened. Copy the key file from where the database came from "
                  "(it is in every backup), or restore a backup.").format(
                      path=self.path)) from None
        except OSError as exc:
            raise file_error(exc, self.path) from exc
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise DatabaseDamaged(
                _("The key file {path} is damaged. Copy it from a backup (every backup "
                  "holds one) or restore a backup.").format(path=self.path))
        return data

    def save(self, data: dict) -> None:
        write_bytes(self.path, json.dumps(data, indent=1, sort_keys=True).encode())
        owner_only(self.path)

    @property
    def key_id(self) -> str:
        return str(self.load().get("key_id", ""))

    # -- making and changing --------------------------------------------------------------

    def create(self, data_key: bytes, recovery_key: str) -> None:
        """A new key file for ``data_key`` with its recovery wrap (and no user yet)."""
        ident = key_id(data_key)
        recovery = _password_entry(parse_recovery_key(recovery_key), data_key,
                                   f"recovery\0{ident}".encode())
        self.save({"format": FORMAT, "key_id": ident, "cipher": "sqlcipher4",
                   "users": {}, "pending": {}, "recovery": recovery})

    def set_recovery(self, recovery_key: str, data_key: bytes) -> None:
        """A new recovery wrap (the sheet of the old key no longer opens this key file;
        copies of the file kept before, as in older backups, still open with it)."""
        data = self.load()
        self._same_key(data, data_key)
        data["recovery"] = _password_entry(parse_recovery_key(recovery_key), data_key,
                                           f"recovery\0{data['key_id']}".encode())
        self.save(data)

    def set_user(self, username: str, password: str, data_key: bytes) -> None:
        """Wrap ``data_key`` for ``username`` under ``password`` (a new user, a new
        password); a pending wrap of the user is dropped."""
        data = self.load()
        self._same_key(data, data_key)
        slot = _user_slot(username)
        data["users"][slot] = _password_entry(password.encode(), data_key,
                                              f"user\0{slot}\0{data['key_id']}".encode())
        data.get("pending", {}).pop(slot, None)
        self.save(data)

    def set_pending(self, users: dict[str, str], data_key: bytes) -> None:
        """Pending wraps for ``users`` (name → the argon2 hash the plain database held)."""
        data = self.load()
        self._same_key(data, data_key)
        for username, encoded in users.items():
            slot = _user_slot(username)
            entry = _seal(_hash_kek(encoded), data_key,
                          f"pending\0{slot}\0{data['key_id']}".encode())
            data.setdefault("pending", {})[slot] = entry | {"hash": encoded}
        self.save(data)

    def remove_user(self, username: str) -> None:
        data = self.load()
        slot = _user_slot(username)
        data["users"].pop(slot, None)
        data.get("pending", {}).pop(slot, None)
        self.save(data)

    def has_user(self, username: str) -> bool:
        data = self.load()
        slot = _user_slot(username)
        return slot in data["users"] or slot in data.get("pending", {})

    @staticmethod
    def _same_key(data: dict, data_key: bytes) -> None:
        if data.get("key_id") != key_id(data_key):
            raise DatabaseDamaged(_("The key file does not belong to this database. Copy "
                                    "the right key file from a backup."))

    # -- opening ------------------------------------------------------------------------------

    def unlock(self, username: str, password: str) -> Unlocked:
        """The data key, opened with the user's password; AuthenticationFailed when
        the user has no wrap or the password is wrong (the same message, as the login's)."""
        data = self.load()
        slot = _user_slot(username)
        entry = data["users"].get(slot)
        if entry is not None:
            key = _open_password_entry(password.encode(), entry,
                                       f"user\0{slot}\0{data['key_id']}".encode())
            if key is not None:
                return Unlocked(key)
        else:
            pending = data.get("pending", {}).get(slot)
            if pending is not None:
                kek = _pending_kek(password, str(pending.get("hash", "")))
                key = _open(kek, pending, f"pending\0{slot}\0{data['key_id']}".encode()) \
                    if kek else None
                if key is not None:
                    return Unlocked(key, pending=True)
            else:   # about the same time as a wrong password: do not tell which names exist
                _derive(password.encode(), b"\0" * 16, ARGON2)
        raise AuthenticationFailed(_("Wrong user name or password."))

    def unlock_recovery(self, recovery_key: str) -> bytes:
        data = self.load()
        key = _open_password_entry(parse_recovery_key(recovery_key), data.get("recovery", {}),
                                   f"recovery\0{data['key_id']}".encode())
        if key is None:
            raise AuthenticationFailed(_("This recovery key does not open this database. "
                                         "Check it against the sheet of this village."))
        return key


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


# --- the keys this process has unlocked ------------------------------------------------------

class Keyring:
    """Data keys unlocked in this process, by database file (in memory only)."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _name(path: Path | str) -> str:
        return os.path.normcase(str(Path(path).expanduser().resolve()))

    def remember(self, path: Path | str, data_key: bytes) -> None:
        with self._lock:
            self._keys[self._name(path)] = data_key

    def get(self, path: Path | str) -> bytes | None:
        with self._lock:
            return self._keys.get(self._name(path))

    def find(self, ident: str) -> bytes | None:
        """A held key whose :func:`key_id` is ``ident`` (a copy of a file this process
        opened: a backup of it, a safety copy)."""
        with self._lock:
            return next((k for k in self._keys.values() if key_id(k) == ident), None)

    def forget(self, path: Path | str) -> None:
        with self._lock:
            self._keys.pop(self._name(path), None)


KEYRING = Keyring()

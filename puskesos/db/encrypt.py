"""An encrypted, checked copy of a plain SQLite database file (SQLCipher's
``sqlcipher_export``): used when a plain village file is encrypted at the first
login (:mod:`puskesos.services.encrypt`) and when a plain backup is restored into
an encrypted village."""

from __future__ import annotations

from pathlib import Path

from ..errors import DatabaseUnavailable
from ..files import remove_quietly
from ..i18n import _
from .engine import connect_file
from .keys import sqlcipher_key


def _counts(conn) -> dict[str, int]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def export_encrypted(path: Path, part: Path, data_key: bytes) -> None:
    plain = connect_file(path, timeout=10)
    try:
        plain.isolation_level = None
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        plain.execute("ATTACH DATABASE ? AS enc KEY ?", (str(part), sqlcipher_key(data_key)))
        plain.execute("BEGIN IMMEDIATE")
        try:
            plain.execute("SELECT sqlcipher_export('enc')")
            plain.execute("COMMIT")
        except BaseException:
            plain.execute("ROLLBACK")
            raise
        plain.execute("DETACH DATABASE enc")
        expected = _counts(plain)
    finally:
        plain.close()
    copy = connect_file(part, key=data_key)
    try:
        ok = copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        if not ok or _counts(copy) != expected:
            raise DatabaseUnavailable(
                _("The encrypted copy of {path} did not match the plain file; the plain "
                  "file was left as it was. Contact support.").format(path=path))
        copy.execute("PRAGMA journal_mode = DELETE")
    finally:
        copy.close()


def encrypted_copy(plain: Path, data_key: bytes) -> Path:
    """An encrypted, checked copy of the plain database ``plain`` under ``data_key``,
    beside it (``NAME.encrypted``); the plain file is removed."""
    target = plain.with_name(plain.name + ".encrypted")
    export_encrypted(plain, target, data_key)
    remove_quietly(plain, sqlite=True)
    return target

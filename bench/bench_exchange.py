"""Exchange bundles of a 5,000-household village (issue 16 point 10).

Measured:
- export: ``ExchangeService.export_to`` — the village's records read and written
  as JSON Lines, the manifest signed, zipped, age-encrypted to the kabupaten and
  written, and the bundle recorded (with what it carried, until its receipt);
- import: ``ExchangeService.import_file`` at a new kabupaten database — decrypted,
  every check of the format, every value of every record checked, planned,
  applied in one transaction with the audit trail and the common version, and
  the receipt written.

Limits (same run, same records): the same rows read from the village file and
written as plain JSON Lines plus the age encryption of those bytes (export); the
age decryption of those bytes, the JSON Lines parsed and the rows inserted with
plain ``sqlite3.executemany`` into an empty copy of the schema in one
transaction (import) — the least any program must spend to move this data
encrypted.  Best of three runs each (the machines are shared and noisy).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.common import Result

HOUSEHOLDS = 5_000
ROUNDS = 3
TABLES = ("household", "member", "participation")
#: our choice (the issue names no figure): the work the limit skips — checking every
#: value, the three-way merge, the audit trail, the seals, the signature — may cost
#: this many times the bare move
EXPORT_BUDGET = 3.0
IMPORT_BUDGET = 5.0


def _offices(tmp: Path):
    from puskesos.services import Actor, open_services
    from puskesos.services.demo import generate
    admin = Actor.command_line()
    village = open_services(str(tmp / "desa.sqlite"), create=True)
    village.settings.init_village(actor=admin, village_code="35.23.01.2001")
    generate(village, actor=admin, households=HOUSEHOLDS, seed=5)
    kabupaten = open_services(str(tmp / "kab.sqlite"), create=True)
    kabupaten.settings.init_kabupaten(actor=admin, kabupaten_code="35.23")
    for me, other, name in ((village, kabupaten, "desa"), (kabupaten, village, "kab")):
        me.keys.ensure_keys(actor=admin)
        shown = me.keys.export_identity(actor=admin, path=tmp / f"{name}.json")
        other.keys.trust(actor=admin, path=tmp / f"{name}.json", fingerprint=shown.fingerprint)
    return admin, village, kabupaten


def _ours(tmp: Path, round_: int) -> tuple[float, float, Path]:
    admin, village, kabupaten = _offices(tmp)
    usb = tmp / f"usb{round_}"
    usb.mkdir()
    try:
        start = time.perf_counter()
        [bundle] = village.exchange.export_to(actor=admin, folder=usb, full=True,
                                              max_bytes=200 * 1024 * 1024)
        exported = time.perf_counter() - start
        start = time.perf_counter()
        result = kabupaten.exchange.import_file(actor=admin, path=bundle)
        imported = time.perf_counter() - start
        assert result.plan.count("new") > HOUSEHOLDS, result.plan.received
    finally:
        village.close()
        kabupaten.close()
    return exported, imported, tmp / "desa.sqlite"


def _limits(village_file: Path, tmp: Path, round_: int) -> tuple[float, float]:
    import pyrage
    from pyrage import x25519

    from puskesos.db.engine import connect_file
    identity = x25519.Identity.generate()
    src = connect_file(village_file)
    schema = [r[0] for r in src.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN "
        "('household', 'member', 'participation', 'region', 'program')")]
    start = time.perf_counter()
    lines = {}
    for table in TABLES:
        cursor = src.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        lines[table] = b"".join(json.dumps(dict(zip(names, row)), ensure_ascii=False,
                                           default=str).encode() + b"\n"
                                for row in cursor.fetchall())
    data = b"".join(lines.values())
    sealed = pyrage.encrypt(data, [identity.to_public()])
    (tmp / f"plain{round_}.age").write_bytes(sealed)
    export_limit = time.perf_counter() - start
    src.close()
    dest = sqlite3.connect(tmp / f"plain{round_}.sqlite", isolation_level=None)
    dest.execute("PRAGMA journal_mode = WAL")
    dest.execute("PRAGMA synchronous = FULL")
    dest.execute("PRAGMA foreign_keys = OFF")
    for sql in schema:
        dest.execute(sql)
    start = time.perf_counter()
    opened = pyrage.decrypt((tmp / f"plain{round_}.age").read_bytes(), [identity])
    assert len(opened) == len(data)
    dest.execute("BEGIN")
    for table in TABLES:
        rows = [json.loads(line) for line in lines[table].splitlines()]
        if rows:
            names = list(rows[0])
            dest.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                             f"({', '.join('?' * len(names))})",
                             [tuple(json.dumps(r[n]) if isinstance(r[n], (dict, list))
                                    else r[n] for n in names) for r in rows])
    dest.execute("COMMIT")
    import_limit = time.perf_counter() - start
    dest.close()
    return export_limit, import_limit


def run() -> list[Result]:
    exports, imports, export_limits, import_limits = [], [], [], []
    for round_ in range(ROUNDS):
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            exported, imported, village_file = _ours(tmp, round_)
            export_limit, import_limit = _limits(village_file, tmp, round_)
        exports.append(exported)
        imports.append(imported)
        export_limits.append(export_limit)
        import_limits.append(import_limit)
    return [
        Result("bundle-export-5k", f"bundle export of a {HOUSEHOLDS:,}-household village "
               "(full, one file)", min(exports),
               "the same rows as plain JSON Lines + age encryption", min(export_limits),
               budget=EXPORT_BUDGET),
        Result("bundle-import-5k", f"bundle import of it at a new kabupaten (checked, "
               "planned, applied, receipt)", min(imports),
               "age decryption + JSON Lines parsed + plain executemany", min(import_limits),
               budget=IMPORT_BUDGET)]

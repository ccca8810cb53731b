"""Seals: each household's and member's content as the program last wrote it.

The audit trail records every change the program makes, but someone with the
database file and a SQL tool can change, add or remove a row behind the
program's back: no entry is written and the chain stays whole.  So every write
of a household or member also stores, in the same transaction, a **seal** of
the row (``record_seal``: its id, its kind and a digest of its content), and
``db check`` computes each row's digest again (:func:`scan`): a row whose
digest differs was changed, a row without a seal was added, a seal without a
row names a row removed, all behind the program.

- **Content**: the row's columns that hold a value (NULL ones are left out),
  except the bookkeeping the program derives or stamps (:data:`UNSEALED`: the
  search text, the creation and update times, the version), as name and text
  pairs in the order of the names, each value as text by its column's type
  (:class:`Encoder`).  A column added later, empty in the old rows, leaves
  their digests as they were.
- **Digest**: BLAKE2b of 128 bits keyed with the audit trail's key (made once
  per database, migration 0009), so that a row changed behind the program
  cannot be given a fitting seal without the key.  The key is in the file
  until the database is encrypted at rest (issue 13 point 1): that is the
  chain's limit too.
- **Who seals**: a service's write names each household and member it writes
  in its audit entries (``audit.append`` calls :func:`touch`); before the write
  commits, :func:`seal_touched` (a listener of every write session, installed
  by :class:`~puskesos.db.engine.Database`) reads those rows back, with the
  members of each household named, exactly as :func:`scan` reads them, and
  stores their seals.  A write that changes rows without naming them in audit
  entries (the import, its undo, the village code) calls :func:`touch` itself.
  The import computes the seals of the rows it inserts from the values it
  gives the bulk writer (:meth:`Encoder.digests`, no reading back: the
  100,000-member import must stay fast); a test holds the two ways equal.
- **Before the seals**: migration 0010 sealed the rows there were at the
  upgrade and wrote one audit entry saying so; what was done to them before
  cannot be checked.  Every row written since has a seal.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, Integer, Table, delete, insert,
                        select, type_coerce)
from sqlalchemy.types import NullType
from sqlalchemy.orm import Session

from ..models import Household, Member, RecordSeal, Setting

#: the setting that holds the audit trail's key (``services.audit`` makes it)
KEY_SETTING = "audit_key"
#: the sealed tables by the entity name the audit trail uses for them
TABLES: dict[str, Table] = {"household": Household.__table__, "member": Member.__table__}
#: bookkeeping, not content: derived (search text) or stamped on every write
UNSEALED = frozenset({"search_text", "created_at", "updated_at", "version"})
#: ids named in one statement
CHUNK = 500
_PERSON = b"puskesos-seal"
_TOUCHED = "puskesos_seal_touched"
_STAMP = "%Y-%m-%d %H:%M:%S.%f"


def sealed_names(table: Table) -> list[str]:
    """The columns of ``table`` a seal covers, in name order."""
    return sorted(c.name for c in table.columns if c.name not in UNSEALED)


def _json(value: Any) -> str:
    if isinstance(value, str):
        value = json.loads(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _safe(convert: Callable[[Any], str]) -> Callable[[Any], str]:
    """``convert``, which gives a value of another type put there by hand a text of
    its own instead of failing (db check must read a tampered row to report it)."""
    def safe(value: Any) -> str:
        try:
            return convert(value)
        except (TypeError, ValueError, AttributeError, OverflowError):
            return "\x00" + repr(value)
    return safe


def _converter(kind) -> Callable[[Any], str] | None:
    """How a value of a column of type ``kind`` is written in a seal, whether it comes
    as the driver reads it (:func:`sealed_select`) or as the bulk writer stores it
    (None: text as it is)."""
    if isinstance(kind, Boolean):
        return _safe(lambda v: "1" if int(v) else "0")
    if isinstance(kind, Integer):
        return _safe(lambda v: str(int(v)))
    if isinstance(kind, Float):
        return _safe(lambda v: repr(float(v)))
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return _safe(lambda v: v if isinstance(v, str) else (
            v.astimezone(timezone.utc) if v.tzinfo else v).strftime(_STAMP))
    if isinstance(kind, Date):
        return _safe(lambda v: v if isinstance(v, str) else v.isoformat())
    if isinstance(kind, JSON):
        return _safe(_json)
    return None


def sealed_select(table: Table, names: Sequence[str]):
    """SELECT of the columns ``names`` of ``table`` as the driver gives them, without
    SQLAlchemy's conversions (dates and times stay SQLite's text): a value a
    database tool put there that is not of its column's type is read, and
    reported, instead of stopping the check."""
    return select(*[type_coerce(table.c[n], NullType()).label(n) for n in names])


class Encoder:
    """The digests of rows of ``table`` given as tuples in ``columns`` order, plus
    ``same`` values every row has (the bulk writer's shared columns).

    The canonical text of a row is ``name\x1ftext\x1e`` for each sealed column
    that holds a value, in name order.  It is built by a function generated once
    per encoder (one expression, no loop over the columns): the import computes a
    seal for each of its 100,000 new members while it writes them."""

    def __init__(self, key: bytes, table: Table, columns: Sequence[str],
                 same: Mapping[str, Any] | None = None) -> None:
        given = {name: i for i, name in enumerate(columns)}
        # the text is one f-string: a column that cannot be NULL (NOT NULL: no row
        # holds None there) is written without a test; a nullable one by an inner
        # f-string, or '' when it is None
        pieces, env = [], {}
        for name in sealed_names(table):
            column = table.c[name]
            convert = _converter(column.type)
            if not name.isidentifier():          # a name is written into the source
                raise ValueError(f"not a plain column name: {name!r}")
            tag = name + "\x1f"
            if name in given:
                kind = column.type
                if convert is None:       # text as it is; another type by str()
                    value = "{_x}"
                else:
                    env[f"_c{len(env)}"] = convert
                    call = f"_c{len(env) - 1}(_x)"
                    # the values the import gives go without a call
                    plain = ("int" if isinstance(kind, Integer) and not isinstance(kind, Boolean)
                             else "str" if isinstance(kind, Date) else None)
                    value = ("{_x if _x.__class__ is " + plain + " else " + call + "}"
                             if plain else "{" + call + "}")
                at = given[name]
                if column.nullable is False:
                    pieces.append(tag + value.replace("_x", f"v[{at}]") + "\x1e")
                else:
                    pieces.append("{'' if (_x := v[%d]) is None else f'%s%s\x1e'}"
                                  % (at, tag, value))
            elif same and same.get(name) is not None:
                value = same[name]
                env[f"_s{len(env)}"] = f"{name}\x1f{convert(value) if convert else value}\x1e"
                pieces.append("{_s%d}" % (len(env) - 1))
        text = 'f"' + "".join(pieces) + '"'
        env["_proto"] = hashlib.blake2b(key=key, digest_size=16, person=_PERSON)
        source = (f"def text(v):\n    return {text}\n"
                  f"def digests(rows, _copy=_proto.copy):\n"
                  f"    out = []\n"
                  f"    for v in rows:\n"
                  f"        h = _copy()\n"
                  f"        h.update({text}.encode('utf-8', 'surrogatepass'))\n"
                  f"        out.append(h.hexdigest())\n"
                  f"    return out\n"
                  f"def keyed(rows, _copy=_proto.copy):\n"
                  f"    out = []\n"
                  f"    for v in rows:\n"
                  f"        h = _copy()\n"
                  f"        h.update({text}.encode('utf-8', 'surrogatepass'))\n"
                  f"        out.append((v[{given.get('id', 0)}], h.hexdigest()))\n"
                  f"    return out\n")
        exec(compile(source, f"<seal encoder of {table.name}>", "exec"), env)
        #: the canonical text of one row (what its digest covers)
        self.text: Callable[[Sequence[Any]], str] = env["text"]
        #: the seals of many rows, in their order
        self.digests: Callable[[Iterable[Sequence[Any]]], list[str]] = env["digests"]
        #: (id, seal) of many rows whose values include their id
        self.keyed: Callable[[Iterable[Sequence[Any]]], list[tuple[Any, str]]] = env["keyed"]

    def digest(self, values: Sequence[Any]) -> str:
        """The seal of one row."""
        return self.digests((values,))[0]


def read_key(session: Session) -> bytes | None:
    """The audit trail's key, which seals are made with (None: there is none)."""
    row = session.get(Setting, KEY_SETTING)
    return bytes.fromhex(row.value["key"]) if row is not None else None


def touch(session: Session, entity: str, ids: Iterable[str]) -> None:
    """Mark records of ``entity`` ("household" or "member") as written in this
    transaction: they are sealed as they are when it commits (a household with
    its members)."""
    if entity in TABLES:
        session.info.setdefault(_TOUCHED, {}).setdefault(entity, set()).update(
            i for i in ids if i)


def _chunks(ids: Sequence[str]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def seal_touched(session: Session) -> None:
    """Seal every record :func:`touch` marked (a write session's ``before_commit``)."""
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    session.flush()
    key = read_key(session)
    if key is None:           # no trail key: db check reports it
        return
    members = touched.setdefault("member", set())
    for ids in _chunks(sorted(touched.get("household", ()))):
        members.update(session.scalars(select(Member.id).where(Member.household_id.in_(ids))))
    for entity, ids in touched.items():
        reseal(session, entity, sorted(ids), key)


def reseal(session: Session, entity: str, ids: Sequence[str], key: bytes) -> None:
    """Store the seals of ``entity``'s records ``ids`` as they are now; the seal of a
    record that is gone is removed."""
    table = TABLES[entity]
    names = sealed_names(table)
    encoder = Encoder(key, table, names)
    for chunk in _chunks(list(ids)):
        rows = session.execute(sealed_select(table, names).where(table.c.id.in_(chunk))).all()
        session.execute(delete(RecordSeal).where(RecordSeal.entity_id.in_(chunk)))
        if rows:
            at = names.index("id")
            session.execute(insert(RecordSeal.__table__), [
                {"entity_id": r[at], "entity": entity, "digest": encoder.digest(r)}
                for r in rows])


def forget(session: Session, ids_query) -> None:
    """Remove the seals of records the program deletes (``ids_query`` selects their
    ids; the undo of an import)."""
    session.execute(delete(RecordSeal).where(RecordSeal.entity_id.in_(ids_query)))


@dataclass
class SealScan:
    """What :func:`scan` found: (entity, id) of rows changed, added and removed
    behind the program, and how many rows it checked."""

    checked: int = 0
    changed: list[tuple[str, str]] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.added or self.removed)


def scan(session: Session, key: bytes) -> SealScan:
    """Compute every household's and member's seal again and compare with the stored
    ones; one pass over each table."""
    found = SealScan()
    for entity, table in TABLES.items():
        stored = dict(session.execute(select(RecordSeal.entity_id, RecordSeal.digest)
                                      .where(RecordSeal.entity == entity)).all())
        names = sealed_names(table)
        encoder = Encoder(key, table, names)
        at = names.index("id")
        result = session.execute(sealed_select(table, names)
                                 .execution_options(yield_per=5000))
        for row in result:
            found.checked += 1
            seal = stored.pop(row[at], None)
            if seal is None:
                found.added.append((entity, row[at]))
            elif seal != encoder.digest(row):
                found.changed.append((entity, row[at]))
        found.removed.extend((entity, i) for i in sorted(stored))
    # a seal whose kind was changed by hand: its row is found without a seal (added)
    # and the seal without its row (removed)
    return found

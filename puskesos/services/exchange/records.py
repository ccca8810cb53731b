"""The records a bundle carries, as they travel (JSON Lines, one record a line) and
back: written from the database, and read from a bundle with every value checked
against its column before anything is believed (a bundle is signed by a trusted
office, but a program's bug there must not become bad data here)."""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, timezone
from typing import Any, Iterable, Iterator

from sqlalchemy import Boolean, Date, Float, Integer, String, Text, select
from sqlalchemy.types import JSON

from ...core.exchange import BY_NAME, ENTITIES, EntitySpec, wire_value
from ...errors import InvalidInput
from ...i18n import N_, _
from ...models import Household, Member, Participation
from ...models.base import UTCDateTime

MODELS = {"household": Household, "member": Member, "participation": Participation}
#: where each entity's lines are in a bundle
MEMBER_NAMES = {spec.name: f"data/{spec.name}.jsonl" for spec in ENTITIES}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: how a message names each kind of record
LABELS = {"household": N_("family"), "member": N_("family member"),
          "participation": N_("program recipient")}
#: a JSON field (a household's assets) holds a few dozen codes
_JSON_ENTRIES = 200


def to_wire(spec: EntitySpec, row) -> dict[str, Any]:
    """One record as a bundle carries it: its id, its version and its fields."""
    out = {"id": row.id, "version": row.version}
    for name in spec.fields:
        out[name] = wire_value(getattr(row, name))
    return out


def write_lines(records: Iterable[dict[str, Any]]) -> bytes:
    """JSON Lines: one record a line, keys sorted (the same record, the same bytes)."""
    return b"".join(json.dumps(r, ensure_ascii=False, sort_keys=True,
                               separators=(",", ":")).encode() + b"\n" for r in records)


def rows_changed(s, spec: EntitySpec, *, since: datetime | None, until: datetime,
                 household_ids=None) -> Iterator:
    """The records of ``spec`` written after ``since`` (all when None) up to ``until``,
    removed ones included (their ``deleted_at`` travels); ``household_ids`` a query of
    the households whose records go (a village's, at the kabupaten)."""
    model = MODELS[spec.name]
    query = select(model).where(model.updated_at <= until)
    if since is not None:
        query = query.where(model.updated_at > since)
    if household_ids is not None:
        column = model.id if spec.name == "household" else model.household_id
        query = query.where(column.in_(household_ids))
    yield from s.scalars(query.order_by(model.updated_at, model.id)).yield_per(1000)


def collect(s, *, village: str, since: datetime | None, until: datetime,
            skip: dict[tuple[str, str], dict[str, Any]] | None = None
            ) -> tuple[dict[str, bytes], dict[str, int]]:
    """The JSON Lines of a village's records written after ``since`` up to ``until``
    (member name → bytes) and how many of each; a record exactly as in ``skip``
    ((entity, id) → values, what the receiver sent us last) is left out: it has it."""
    households = select(Household.id).where(Household.region_code == village)
    members: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    for spec in ENTITIES:
        lines = []
        for row in rows_changed(s, spec, since=since, until=until, household_ids=households):
            record = to_wire(spec, row)
            if skip and skip.get((spec.name, row.id)) == {
                    k: v for k, v in record.items() if k not in ("id", "version")}:
                continue
            lines.append(record)
        members[MEMBER_NAMES[spec.name]] = write_lines(lines)
        counts[spec.name] = len(lines)
    return members, counts


class RecordError(InvalidInput):
    """A record of a bundle that cannot be taken as it is."""


def _bad(spec: EntitySpec, record_id: Any, name: str, why: str) -> RecordError:
    return RecordError(_("The bundle's {entity} {id}: the field {field} {why}. Nothing "
                         "was changed; ask the sender to make the bundle again with an "
                         "up-to-date program.").format(entity=_(LABELS[spec.name]), id=str(record_id)[:36],
                                                       field=name, why=why))


def _value(spec: EntitySpec, record_id: str, name: str, value: Any, column) -> Any:
    kind = column.type
    if value is None:
        if not column.nullable:
            raise _bad(spec, record_id, name, _("is empty"))
        return None
    if isinstance(kind, UTCDateTime):
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise _bad(spec, record_id, name, _("is not a time"))
        return moment.astimezone(timezone.utc)
    if isinstance(kind, Date):
        try:
            if isinstance(value, str) and len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
        raise _bad(spec, record_id, name, _("is not a date"))
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise _bad(spec, record_id, name, _("is not yes or no"))
        return value
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2 ** 31:
            raise _bad(spec, record_id, name, _("is not a whole number"))
        return value
    if isinstance(kind, Float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise _bad(spec, record_id, name, _("is not a number"))
        return float(value)
    if isinstance(kind, (String, Text)):
        if not isinstance(value, str):
            raise _bad(spec, record_id, name, _("is not text"))
        limit = getattr(kind, "length", None) or 100_000
        if len(value) > limit:
            raise _bad(spec, record_id, name, _("is longer than {n} characters").format(
                n=limit))
        if any(ord(c) < 32 and c not in "\n\t" for c in value):
            raise _bad(spec, record_id, name, _("holds control characters"))
        return value
    if isinstance(kind, JSON):
        if not isinstance(value, dict) or len(value) > _JSON_ENTRIES or not all(
                isinstance(k, str) and len(k) <= 40 and (v is None or isinstance(
                    v, (bool, int, float, str))) for k, v in value.items()):
            raise _bad(spec, record_id, name, _("is not a list of codes"))
        return value
    raise _bad(spec, record_id, name, _("has a type this program cannot read"))


def parse_record(spec: EntitySpec, raw: Any) -> tuple[str, int, dict[str, Any]]:
    """One line of a bundle checked: (id, sender's version, field → value as the
    column holds it); only the fields of ``spec`` are taken, a missing one untouched."""
    if not isinstance(raw, dict):
        raise RecordError(_("The bundle's {entity} list holds something that is not a "
                            "record.").format(entity=_(LABELS[spec.name])))
    record_id = raw.get("id")
    if not isinstance(record_id, str) or not _UUID.match(record_id):
        raise _bad(spec, record_id, "id", _("is not a record id"))
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _bad(spec, record_id, "version", _("is not a version number"))
    columns = MODELS[spec.name].__table__.c
    values = {name: _value(spec, record_id, name, raw[name], columns[name])
              for name in spec.fields if name in raw}
    return record_id, version, values


def read_lines(spec: EntitySpec, data: bytes) -> list[tuple[str, int, dict[str, Any]]]:
    """Every record of one entity's JSON Lines, checked; one id twice is refused."""
    out, seen = [], set()
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            raise RecordError(_("Line {n} of the bundle's {entity} list is damaged. "
                                "Nothing was changed; ask the sender to make the bundle "
                                "again.").format(n=number,
                                                 entity=_(LABELS[spec.name]))) from None
        record = parse_record(spec, raw)
        if record[0] in seen:
            raise _bad(spec, record[0], "id", _("appears twice"))
        seen.add(record[0])
        out.append(record)
    return out


__all__ = ["BY_NAME", "MEMBER_NAMES", "MODELS", "RecordError", "collect", "parse_record", "read_lines",
           "rows_changed", "to_wire", "write_lines"]

"""The records a bundle carries, as they travel (JSON Lines, one record a line) and
back: written from the database, and read from a bundle with every value checked
against its column before anything is believed (a bundle is signed by a trusted
office, but a program's bug there must not become bad data here)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any, Iterable, Iterator

from sqlalchemy import Boolean, Date, Float, Integer, String, Text, literal, select
from sqlalchemy.types import JSON

from ...core.labels import field_label
from ...core.exchange import (BY_NAME, ENTITIES, EntitySpec, OfficeKind, wire_record,
                              wire_value)
from ...core.referrals import REPLIES
from ...errors import InvalidInput
from ...i18n import N_, _
from ...models import (ExchangeTombstone, Household, Member, Participation, Referral,
                       ReferralAttachment, ReferralEvent, ReferralReply, ReferralVisit,
                       Musdes, MusdesAttendee, StickerCampaign, StickerLog, StickerPhoto,
                       StickerTarget, VervalCycle, VervalEntry, VervalMember, VervalProposal)
from ...models.base import UTCDateTime

MODELS = {"household": Household, "member": Member, "participation": Participation,
          "referral": Referral, "referral_event": ReferralEvent,
          "referral_visit": ReferralVisit, "referral_reply": ReferralReply,
          "sticker_campaign": StickerCampaign, "sticker_target": StickerTarget,
          "sticker_log": StickerLog, "verval_cycle": VervalCycle,
          "verval_entry": VervalEntry, "referral_attachment": ReferralAttachment,
          "sticker_photo": StickerPhoto, "verval_member": VervalMember,
          "verval_proposal": VervalProposal, "musdes": Musdes,
          "musdes_attendee": MusdesAttendee}
#: where each entity's lines are in a bundle
MEMBER_NAMES = {spec.name: f"data/{spec.name}.jsonl" for spec in ENTITIES}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: how a message names each kind of record
LABELS = {"household": N_("family"), "member": N_("family member"),
          "participation": N_("program recipient"), "referral": N_("referral"),
          "referral_event": N_("referral step"), "referral_visit": N_("referral visit"),
          "referral_reply": N_("referral reply"), "sticker_campaign": N_("sticker campaign"),
          "sticker_target": N_("house to label"), "sticker_log": N_("labelling visit"),
          "verval_cycle": N_("verval cycle"), "verval_entry": N_("verval result"),
          "referral_attachment": N_("referral attachment"),
          "sticker_photo": N_("labelling photo"),
          "verval_member": N_("verval finding of a member"),
          "verval_proposal": N_("verval correction proposal"), "musdes": N_("musdes"),
          "musdes_attendee": N_("musdes attendee")}
#: a JSON field (a household's assets) holds a few dozen codes
_JSON_ENTRIES = 200


def to_wire(spec: EntitySpec, row) -> dict[str, Any]:
    """One record as a bundle carries it: its id, its version and its fields (``row``
    a tuple of id, version and the fields in ``spec``'s order)."""
    record_id, version, *values = row
    out = {"id": record_id, "version": version}
    out.update(wire_record(zip(spec.fields, values)))
    return out


def write_lines(records: Iterable[dict[str, Any]]) -> bytes:
    """JSON Lines: one record a line, keys sorted (the same record, the same bytes)."""
    return b"".join(json.dumps(r, ensure_ascii=False, sort_keys=True,
                               separators=(",", ":")).encode() + b"\n" for r in records)


def sent_by(kind: OfficeKind | str) -> tuple[EntitySpec, ...]:
    """The kinds of record an office of ``kind`` sends (a village its referrals, the
    kabupaten the services' replies; both the registry)."""
    kind = OfficeKind(kind)
    return tuple(spec for spec in ENTITIES if kind in spec.senders)


def _scope(spec: EntitySpec, village: str):
    """The condition picking a village's records of ``spec``."""
    table = MODELS[spec.name].__table__
    households = select(Household.id).where(Household.region_code == village)
    if spec.name == "household":
        return table.c.id.in_(households)
    if spec.name == "referral":
        return table.c.village_code == village
    if spec.parent == "referral":
        return table.c.referral_id.in_(select(Referral.id).where(
            Referral.village_code == village))
    # a campaign or a cycle is the village's through the households it holds
    if spec.name == "sticker_campaign":
        return table.c.id.in_(select(StickerTarget.campaign_id).where(
            StickerTarget.household_id.in_(households)))
    if spec.name == "sticker_log":
        return table.c.target_id.in_(select(StickerTarget.id).where(
            StickerTarget.household_id.in_(households)))
    if spec.name == "sticker_photo":
        return table.c.log_id.in_(select(StickerLog.id).where(StickerLog.target_id.in_(
            select(StickerTarget.id).where(StickerTarget.household_id.in_(households)))))
    cycles = select(VervalEntry.cycle_id).where(VervalEntry.household_id.in_(households))
    if spec.name == "verval_cycle":
        return table.c.id.in_(cycles)
    if spec.parent == "verval_entry":
        return table.c.entry_id.in_(select(VervalEntry.id).where(
            VervalEntry.household_id.in_(households)))
    if spec.name == "musdes":
        return table.c.cycle_id.in_(cycles)
    if spec.name == "musdes_attendee":
        return table.c.musdes_id.in_(select(Musdes.id).where(Musdes.cycle_id.in_(cycles)))
    return table.c.household_id.in_(households)


def rows_changed(s, spec: EntitySpec, *, since: datetime | None, until: datetime | None,
                 village: str | None = None, ids: list[str] | None = None
                 ) -> Iterator[tuple]:
    """The records of ``spec`` written after ``since`` (all when None) up to ``until``,
    removed ones included (their ``deleted_at`` travels), as tuples of id, version and
    the fields (columns, not records: quicker by half); only ``village``'s when given
    (a kabupaten keeps many), only those of ``ids`` when given (whenever written)."""
    table = MODELS[spec.name].__table__
    clock = table.c[spec.clock]
    version = table.c.version if spec.versioned else literal(1)
    query = select(table.c.id, version, *(table.c[f] for f in spec.fields))
    if until is not None:
        query = query.where(clock <= until)
    if since is not None:
        query = query.where(clock > since)
    if ids is not None:
        query = query.where(table.c.id.in_(ids))
    if village is not None:
        query = query.where(_scope(spec, village))
    yield from s.execute(query.order_by(clock, table.c.id)).yield_per(1000)


def collect_records(s, *, village: str, since: datetime | None, until: datetime,
                    sender: OfficeKind | str = OfficeKind.DESA,
                    skip: dict[tuple[str, str], dict[str, Any]] | None = None
                    ) -> dict[str, list[dict[str, Any]]]:
    """A village's records written after ``since`` up to ``until``, of the kinds an
    office of kind ``sender`` sends, as they travel (entity → records); a record
    exactly as in ``skip`` ((entity, id) → values, what the receiver sent us last) is
    left out: it has it."""
    out: dict[str, list[dict[str, Any]]] = {}
    for spec in sent_by(sender):
        lines = out.setdefault(spec.name, [])
        for row in rows_changed(s, spec, since=since, until=until, village=village):
            record = to_wire(spec, row)
            if skip and skip.get((spec.name, record["id"])) == {
                    k: v for k, v in record.items() if k not in ("id", "version")}:
                continue
            lines.append(record)
        lines.extend(_removals(s, spec, village=village, since=since, until=until))
    _with_parents(s, out, skip=skip)
    return out


#: the field naming each kind of record's parent (``EntitySpec.parent``)
_PARENT_FIELD = {"member": "household_id", "participation": "household_id",
                 "referral_event": "referral_id", "referral_visit": "referral_id",
                 "referral_reply": "referral_id", "referral_attachment": "referral_id",
                 "sticker_target": "campaign_id", "sticker_log": "target_id",
                 "sticker_photo": "log_id", "verval_entry": "cycle_id",
                 "verval_member": "entry_id", "verval_proposal": "entry_id",
                 "musdes": "cycle_id", "musdes_attendee": "musdes_id"}


def _with_parents(s, out: dict[str, list[dict[str, Any]]], *,
                  skip: dict[tuple[str, str], dict[str, Any]] | None) -> None:
    """Add to ``out`` the parent of each record in it that the receiver may not have
    (a referral recorded before the program sent referrals, a cycle written before the
    last bundle and filled after it), unless the receiver has it as it is: a child
    never arrives without its parent.  Children first, so that a photo brings its
    visit, the visit its house, the house its campaign."""
    for spec in reversed(ENTITIES):
        field = _PARENT_FIELD.get(spec.name)
        if field is None or not out.get(spec.name) or spec.parent not in out:
            continue
        parent = BY_NAME[spec.parent]
        have = {r["id"] for r in out[parent.name]}
        wanted = sorted({r.get(field) for r in out[spec.name]} - have - {None})
        for start in range(0, len(wanted), 500):
            for row in rows_changed(s, parent, since=None, until=None,
                                    ids=wanted[start:start + 500]):
                record = to_wire(parent, row)
                if skip and skip.get((parent.name, record["id"])) == {
                        k: v for k, v in record.items() if k not in ("id", "version")}:
                    continue
                out[parent.name].append(record)


#: a removal's version: newer than any the record had (a late bundle never undoes it)
REMOVED_VERSION = 2 ** 31 - 1
#: marks the removal of a record that has no ``deleted_at`` (a scan, removed outright)
REMOVED = "removed"


def _removals(s, spec: EntitySpec, *, village: str, since: datetime | None,
              until: datetime) -> list[dict[str, Any]]:
    """The records of ``spec`` removed outright (an import undone) after ``since`` that
    the other office had been sent (``tombstones.py``), each as a removal: its id and
    when, by whom and why it went."""
    if "deleted_at" not in spec.fields and not spec.removed_by_marker:
        return []
    query = select(ExchangeTombstone).where(
        ExchangeTombstone.entity == spec.name, ExchangeTombstone.village == village,
        ExchangeTombstone.removed_at <= until)
    if since is not None:
        query = query.where(ExchangeTombstone.removed_at > since)
    found = s.scalars(query.order_by(ExchangeTombstone.removed_at,
                                     ExchangeTombstone.entity_id))
    if spec.removed_by_marker:   # a scan, a finding: the receiver removes it too
        return [{"id": t.entity_id, "version": REMOVED_VERSION, REMOVED: True}
                for t in found]
    return [{"id": t.entity_id, "version": REMOVED_VERSION,
             "deleted_at": wire_value(t.removed_at), "deleted_by": t.removed_by,
             "deleted_reason": t.reason} for t in found]


def collect(s, *, village: str, since: datetime | None, until: datetime,
            sender: OfficeKind | str = OfficeKind.DESA,
            skip: dict[tuple[str, str], dict[str, Any]] | None = None
            ) -> tuple[dict[str, bytes], dict[str, int]]:
    """:func:`collect_records` as a bundle's members (member name → JSON Lines, and
    the scans' and photos' bytes) and how many of each."""
    records = collect_records(s, village=village, since=since, until=until,
                              sender=sender, skip=skip)
    members = {MEMBER_NAMES[name]: write_lines(rows) for name, rows in records.items()}
    members.update(contents(s, records))
    return members, {name: len(rows) for name, rows in records.items()}


def content_name(sha256: str) -> str:
    """Where a scan's or photo's bytes are in a bundle."""
    return f"files/{sha256}"


def contents(s, records: dict[str, list[dict[str, Any]]]) -> dict[str, bytes]:
    """The bytes of the scans and photos among ``records`` (entity → records as they
    travel), as the bundle's members (``files/<sha256>`` → bytes)."""
    out: dict[str, bytes] = {}
    for spec in ENTITIES:
        rows = records.get(spec.name) or []
        if spec.content is None or not rows:
            continue
        table = MODELS[spec.name].__table__
        ids = [r["id"] for r in rows]
        for start in range(0, len(ids), 200):
            for sha, data in s.execute(select(table.c.sha256, table.c[spec.content]).where(
                    table.c.id.in_(ids[start:start + 200]))):
                out[content_name(sha)] = bytes(data)
    return out


class RecordError(InvalidInput):
    """A record of a bundle that cannot be taken as it is."""


def _bad(spec: EntitySpec, record_id: Any, name: str, why: str) -> RecordError:
    return RecordError(_("The bundle's {entity} {id}: the field {field} {why}. Nothing "
                         "was changed; ask the sender to make the bundle again with an "
                         "up-to-date program.").format(
        entity=_(LABELS[spec.name]), id=str(record_id)[:36],
        field=field_label(spec.name, name), why=why))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@lru_cache(maxsize=None)
def _columns(entity: str) -> dict[str, tuple[str, bool, int]]:
    """Each field's kind (as checked below), whether it may be empty and its length."""
    out = {}
    for name in BY_NAME[entity].fields:
        column = MODELS[entity].__table__.c[name]
        kind = column.type
        tag = ("time" if isinstance(kind, UTCDateTime) else "date" if isinstance(kind, Date)
               else "bool" if isinstance(kind, Boolean) else "int" if isinstance(kind, Integer)
               else "float" if isinstance(kind, Float)
               else "text" if isinstance(kind, (String, Text)) else "json"
               if isinstance(kind, JSON) else "?")
        out[name] = (tag, bool(column.nullable), getattr(kind, "length", None) or 100_000)
    return out


@lru_cache(maxsize=None)
def required_fields(entity: str) -> frozenset[str]:
    """The fields a record new to the receiver must carry (not empty, no default)."""
    table = MODELS[entity].__table__
    return frozenset(n for n in BY_NAME[entity].fields
                     if not table.c[n].nullable and table.c[n].default is None)


def _value(spec: EntitySpec, record_id: str, name: str, value: Any,
           column: tuple[str, bool, int]) -> Any:
    tag, nullable, limit = column
    if value is None:
        if not nullable:
            raise _bad(spec, record_id, name, _("is empty"))
        return None
    if tag == "text":
        if type(value) is not str:
            raise _bad(spec, record_id, name, _("is not text"))
        if len(value) > limit:
            raise _bad(spec, record_id, name, _("is longer than {n} characters").format(
                n=limit))
        if _CONTROL.search(value):
            raise _bad(spec, record_id, name, _("holds control characters"))
        return value
    if tag == "time":
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise _bad(spec, record_id, name, _("is not a time"))
        return moment.astimezone(timezone.utc)
    if tag == "date":
        try:
            if isinstance(value, str) and len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
        raise _bad(spec, record_id, name, _("is not a date"))
    if tag == "bool":
        if not isinstance(value, bool):
            raise _bad(spec, record_id, name, _("is not yes or no"))
        return value
    if tag == "int":
        if isinstance(value, bool) or not isinstance(value, int) \
                or not -2 ** 31 <= value < 2 ** 31:
            raise _bad(spec, record_id, name, _("is not a whole number"))
        return value
    if tag == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise _bad(spec, record_id, name, _("is not a number"))
        return float(value)
    if tag == "json":
        if (spec.name, name) == ("referral", "documents"):
            if not _checklist(value):
                raise _bad(spec, record_id, name, _("is not a list of documents"))
            return value
        if (spec.name, name) in _FLAT_LISTS:
            if not (isinstance(value, list) and len(value) <= 100
                    and all(_json_scalar(v) and not isinstance(v, float) for v in value)):
                raise _bad(spec, record_id, name, _("is not a list of codes"))
            return value
        if (spec.name, name) == ("referral", "letter_snapshot"):
            # what the letter printed: texts, and the rows of its tables
            if not isinstance(value, dict) or not _nested(value, depth=3,
                                                          budget=[_SNAPSHOT_ITEMS]):
                raise _bad(spec, record_id, name, _("is not what a letter printed"))
            return value
        if not isinstance(value, dict) or len(value) > _JSON_ENTRIES or not all(
                isinstance(k, str) and len(k) <= 40 and _json_scalar(v)
                for k, v in value.items()):
            raise _bad(spec, record_id, name, _("is not a list of codes"))
        return value
    raise _bad(spec, record_id, name, _("has a type this program cannot read"))


def _json_scalar(value: Any) -> bool:
    """A value inside a JSON field: a code, a number, yes/no or a line of text (a
    letter's snapshot holds the texts it printed)."""
    if isinstance(value, str):
        return len(value) <= 4000 and not _CONTROL.search(value)
    return value is None or isinstance(value, (bool, int)) or (
        isinstance(value, float) and math.isfinite(value))


#: the JSON fields that hold a plain list (program codes, desil, officers' names)
_FLAT_LISTS = frozenset({("sticker_campaign", "programs"), ("sticker_campaign", "desil"),
                         ("sticker_target", "programs"), ("sticker_log", "officers")})
#: a letter's snapshot holds at most this many values, tables included
_SNAPSHOT_ITEMS = 5000


def _nested(value: Any, *, depth: int, budget: list[int]) -> bool:
    """A JSON value of lists and records of texts and numbers, at most ``depth`` deep
    and of ``budget[0]`` values in all (a bundle's JSON cannot grow without end)."""
    budget[0] -= 1
    if budget[0] < 0:
        return False
    if isinstance(value, dict):
        return depth > 0 and all(isinstance(k, str) and len(k) <= 40
                                 and _nested(v, depth=depth - 1, budget=budget)
                                 for k, v in value.items())
    if isinstance(value, list):
        return depth > 0 and all(_nested(v, depth=depth - 1, budget=budget) for v in value)
    return _json_scalar(value)


def _checklist(value: Any) -> bool:
    """A referral's documents: each a name and whether it was brought."""
    return isinstance(value, list) and len(value) <= 100 and all(
        isinstance(d, dict) and set(d) <= {"name", "present"}
        and isinstance(d.get("name"), str) and _json_scalar(d["name"])
        and len(d["name"]) <= 200 and isinstance(d.get("present", False), bool)
        for d in value)


@lru_cache(maxsize=None)
def _codes_allowed(entity: str) -> tuple[tuple[str, frozenset[str], frozenset[int]], ...]:
    """An entity's coded fields with their codes, as text and as numbers ("01" is code
    1, as ``CodeList.from_code`` reads it): sets to look a value up in, not a list
    walked for each of a village's hundred thousand values."""
    out = []
    for (name_of, field), code_list in _code_lists().items():
        if name_of == entity:
            texts = frozenset(m.value for m in code_list)
            out.append((field, texts, frozenset(int(c) for c in texts if c.isdigit())))
    return tuple(out)


@lru_cache(maxsize=None)
def _code_lists() -> dict[tuple[str, str], Any]:
    """The fields that hold a code of a list, as the program stores them (a value not
    on its list is one the program would never have written)."""
    from ...core.case_codes import (ReferralCategory, ReferralChannel, ReferralUrgency,
                                    StickerOutcome)
    from ...core.codes import (CycleStatus, MusdesDecision, ProposalStatus, ReferralStatus,
                               VervalMemberResult, VervalResult)
    from ...core.validation import HOUSEHOLD_CODE_FIELDS, MEMBER_CODE_FIELDS
    out: dict[tuple[str, str], Any] = {("household", f): c
                                       for f, c in HOUSEHOLD_CODE_FIELDS.items()}
    out.update({("member", f): c for f, c in MEMBER_CODE_FIELDS.items()})
    out.update({("referral", "status"): ReferralStatus,
                ("referral", "category"): ReferralCategory,
                ("referral", "urgency"): ReferralUrgency,
                ("referral", "channel"): ReferralChannel,
                ("referral_event", "from_status"): ReferralStatus,
                ("referral_event", "to_status"): ReferralStatus,
                ("referral_reply", "outcome"): ReferralStatus,
                ("sticker_log", "outcome"): StickerOutcome,
                ("verval_cycle", "status"): CycleStatus,
                ("verval_entry", "result"): VervalResult,
                ("verval_entry", "decision"): MusdesDecision,
                ("verval_member", "result"): VervalMemberResult,
                ("verval_proposal", "status"): ProposalStatus})
    return out


#: the fields that hold a NIK or a No KK: 16 digits
_SIXTEEN_DIGITS = {"household": ("no_kk",), "member": ("nik",),
                   "referral": ("person_nik",)}
_DIGITS = re.compile(r"^[0-9]{16}$")


def _check_codes(spec: EntitySpec, record_id: str, values: dict[str, Any]) -> None:
    """Each coded field holds a code of its list, each NIK and No KK 16 digits, and a
    service's reply is one a reply can be."""
    entity = spec.name
    for name in _SIXTEEN_DIGITS.get(entity, ()):
        value = values.get(name)
        if value not in (None, "") and (not isinstance(value, str)
                                        or not _DIGITS.match(value)):
            raise _bad(spec, record_id, name, _("is not 16 digits"))
    for name, texts, numbers in _codes_allowed(entity):
        value = values.get(name)
        if value is None or value == "" or value in texts:
            continue
        text = str(value).strip()
        if text not in texts and not (text.isdigit() and int(text) in numbers):
            raise _bad(spec, record_id, name, _("is not a code of its list"))
    if spec.name == "referral_reply" and "outcome" in values and values["outcome"] not in {
            s.value for s in REPLIES}:
        raise _bad(spec, record_id, "outcome", _("is not a reply a service gives"))


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
    if isinstance(version, bool) or not isinstance(version, int) or not \
            1 <= version <= REMOVED_VERSION:
        raise _bad(spec, record_id, "version", _("is not a version number"))
    if raw.get(REMOVED) is True and spec.removed_by_marker:
        return record_id, version, {REMOVED: True}     # a scan removed at the sender
    columns = _columns(spec.name)
    # (an empty value a column may hold needs no look: most of a record's fields)
    values = {name: None if raw[name] is None and columns[name][1]
              else _value(spec, record_id, name, raw[name], columns[name])
              for name in spec.fields if name in raw}
    _check_codes(spec, record_id, values)
    return record_id, version, values


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def attach_contents(spec: EntitySpec, rows: list[tuple[str, int, dict[str, Any]]],
                    member) -> None:
    """Put each record's bytes (a scan, a photo) into its values, from the bundle's
    member named by its ``sha256`` (``member(name)`` → bytes, a missing one a
    KeyError): the bytes must be what the record says — their checksum and size."""
    for record_id, _version, values in rows:
        if values.get(REMOVED):
            continue                      # a removal carries no bytes
        sha, size = values.get("sha256"), values.get("size")
        if not isinstance(sha, str) or not _SHA256.match(sha):
            raise _bad(spec, record_id, "sha256", _("is not a checksum"))
        try:
            data = member(content_name(sha))
        except KeyError:
            raise _bad(spec, record_id, "sha256", _("names a file the bundle does not "
                                                     "hold")) from None
        if hashlib.sha256(data).hexdigest() != sha or (size is not None and
                                                        len(data) != size):
            raise _bad(spec, record_id, "sha256", _("does not match its file"))
        values[spec.content] = data


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


__all__ = ["BY_NAME", "MEMBER_NAMES", "MODELS", "REMOVED", "RecordError", "attach_contents",
           "collect",
           "collect_records", "content_name", "contents", "parse_record", "read_lines",
           "required_fields", "rows_changed", "sent_by", "to_wire", "write_lines"]

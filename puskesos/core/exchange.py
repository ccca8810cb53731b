"""Exchange rules (issue 16), pure: which records travel in a bundle, who owns each
field, and what a record received does to ours.

A village and its kabupaten each keep a copy of the village's registry.  A bundle
carries records as the sender has them now; the receiver keeps, per record, the
values it last received from that sender (the *common version*, ``base``).  For
each field of a record received (:func:`merge_record`):

- the sender did not change it since the common version: nothing to do;
- the sender owns the field and the receiver did not change it: take theirs;
- both changed it, to different values: a **conflict**, which waits in the queue
  for a person (theirs, ours and the common value side by side);
- the receiver owns the field: the sender's value is a **proposal**, which waits
  in the queue too (the village's edit of a DTSEN fact, the kabupaten's of an
  address) — nothing is silently overwritten either way.

A record the receiver never had is taken whole: there is nothing of ours to
overwrite.  A removal (tombstone) is a change of ``deleted_at`` like any other
field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .case_codes import OfficeKind


@dataclass(frozen=True)
class EntitySpec:
    """A kind of record that travels: its fields (in the order written) and those the
    kabupaten owns (every other field is the village's)."""

    name: str
    fields: tuple[str, ...]
    kabupaten_owns: frozenset[str] = field(default_factory=frozenset)
    #: the record it belongs to, applied first (a member after its household)
    parent: str | None = None
    #: the offices that send it: a referral and its steps are the village's, the
    #: service's reply the kabupaten's (a bundle carrying one from the other is refused)
    senders: frozenset[OfficeKind] = frozenset({OfficeKind.DESA, OfficeKind.KABUPATEN})
    #: the column saying when it was last written (what an incremental bundle reads
    #: by); a record that is written once has no version (it travels as 1)
    clock: str = "updated_at"
    versioned: bool = True
    #: its own columns each side keeps for itself (besides :data:`LOCAL_FIELDS`)
    local: frozenset[str] = frozenset()
    #: a column of bytes (a scan, a photo) that travels as the bundle's member
    #: ``files/<sha256>``, named by the record's ``sha256`` field
    content: str | None = None
    #: its rows are deleted outright when changed (a list written again whole at each
    #: save): a removal travels as a marker (as a scan's does), not as ``deleted_at``
    outright: bool = False

    @property
    def removed_by_marker(self) -> bool:
        """A removal of it travels as the ``removed`` marker (it has no ``deleted_at``)."""
        return "deleted_at" not in self.fields and (self.content is not None or self.outright)

    def owner(self, name: str) -> OfficeKind:
        return OfficeKind.KABUPATEN if name in self.kabupaten_owns else OfficeKind.DESA


#: fields that never travel: kept by each side for itself
LOCAL_FIELDS = frozenset({"search_text", "import_batch_id", "created_at", "updated_at",
                          "version"})

HOUSEHOLD = EntitySpec(
    "household",
    ("no_kk", "dtsen_id", "region_code", "dusun", "rw", "rt", "address", "phone",
     "latitude", "longitude", "family_status", "building_ownership", "land_proof",
     "floor_area", "floor", "wall", "roof", "drinking_water", "septic_distance",
     "lighting", "power_capacity", "cooking_fuel", "toilet_facility", "toilet_type",
     "sewage_disposal", "enumeration_result", "poverty_status", "land_area", "internet",
     "bank_account", "assets", "desil", "desil_period", "note", "deleted_at", "deleted_by",
     "deleted_reason"),
    # DTSEN's own facts: BPS ranks the families, Kemensos names them
    kabupaten_owns=frozenset({"dtsen_id", "desil", "desil_period"}))

MEMBER = EntitySpec(
    "member",
    ("household_id", "sort_order", "nik", "name", "sex", "birth_place", "birth_date",
     "relationship_code", "marital_status", "religion", "school_attendance",
     "education_level", "work_status", "occupation", "disability", "chronic_illness",
     "pregnant", "presence", "presence_date", "presence_note", "documents",
     "highest_grade", "work_field", "has_npwp", "business_count", "business_field",
     "paid_workers", "unpaid_workers", "business_licence", "business_turnover",
     "business_internet", "nutrition", "difficulty_seeing", "difficulty_hearing",
     "difficulty_walking", "difficulty_hands", "difficulty_learning",
     "difficulty_behaviour", "difficulty_speaking", "difficulty_self_care",
     "difficulty_remembering", "sadness", "has_caregiver", "health_insurance", "prakerja",
     "kur", "umi", "pip", "employment_insurance", "deleted_at", "deleted_by",
     "deleted_reason"),
    parent="household")

PARTICIPATION = EntitySpec(
    "participation",
    ("program_code", "household_id", "member_id", "period", "source", "status", "note",
     "deleted_at", "deleted_by", "deleted_reason"),
    # who receives a program is decided above the village (the lists come down)
    kabupaten_owns=frozenset({"program_code", "household_id", "member_id", "period",
                              "source", "status", "note", "deleted_at", "deleted_by",
                              "deleted_reason"}),
    parent="household")

_VILLAGE = frozenset({OfficeKind.DESA})
_KABUPATEN = frozenset({OfficeKind.KABUPATEN})

#: a resident's request, kept by the village (the letter's register entry stays
#: there: ``letter_id`` does not travel; what the letter said does)
REFERRAL = EntitySpec(
    "referral",
    ("tracking_code", "village_code", "status", "member_id", "household_id", "person_name",
     "person_nik", "nik_absent_reason", "person_birth_date", "person_address", "dusun", "rt",
     "rw", "phone", "category", "description", "urgency", "channel", "received_on",
     "received_by", "action_taken", "target_service", "service_requested", "documents",
     "letter_snapshot", "reply_reference", "reply_note", "follow_up_on", "closed_on",
     "deleted_at", "deleted_by", "deleted_reason"),
    senders=_VILLAGE, local=frozenset({"letter_id"}))

REFERRAL_EVENT = EntitySpec(
    "referral_event",
    ("referral_id", "from_status", "to_status", "on_date", "recorded_at", "actor", "note",
     "source"),
    parent="referral", senders=_VILLAGE, clock="recorded_at", versioned=False)

REFERRAL_VISIT = EntitySpec(
    "referral_visit",
    ("referral_id", "visited_on", "visitor", "findings", "recorded_at", "actor"),
    parent="referral", senders=_VILLAGE, clock="recorded_at", versioned=False)

#: the service's reply, recorded at the kabupaten; the village applies it through
#: the referral flow's reply rule (``applied_at``/``not_applied`` stay there)
REFERRAL_REPLY = EntitySpec(
    "referral_reply",
    ("referral_id", "outcome", "on_date", "reference", "note", "actor", "recorded_at"),
    kabupaten_owns=frozenset({"referral_id", "outcome", "on_date", "reference", "note",
                              "actor", "recorded_at"}),
    parent="referral", senders=_KABUPATEN, clock="recorded_at", versioned=False,
    local=frozenset({"applied_at", "not_applied"}))

#: a scan or photo kept with a referral (its bytes under files/)
REFERRAL_ATTACHMENT = EntitySpec(
    "referral_attachment",
    ("referral_id", "filename", "media_type", "size", "sha256", "added_at", "actor"),
    parent="referral", senders=_VILLAGE, clock="added_at", versioned=False,
    content="data", outright=True)

#: the labelling of aid recipients' houses, as the village records it: the campaign,
#: the households it chose with their serials, and every visit to a house
STICKER_CAMPAIGN = EntitySpec(
    "sticker_campaign",
    ("code", "name", "legal_basis", "starts_on", "ends_on", "sticker_text", "per_page",
     "programs", "desil", "last_serial", "created_by", "deleted_at", "deleted_by",
     "deleted_reason"),
    senders=_VILLAGE)

STICKER_TARGET = EntitySpec(
    "sticker_target",
    ("campaign_id", "household_id", "serial", "head_name", "address", "dusun", "rw", "rt",
     "programs", "added_at", "added_by"),
    parent="sticker_campaign", senders=_VILLAGE, clock="added_at", versioned=False)

#: (the letter of a refusal stays in the village's register)
STICKER_LOG = EntitySpec(
    "sticker_log",
    ("target_id", "outcome", "at", "recorded_at", "actor", "officers", "witnesses", "note",
     "well_off", "latitude", "longitude"),
    parent="sticker_target", senders=_VILLAGE, versioned=False,
    local=frozenset({"letter_id"}))

#: a photo of a labelling visit (its bytes under files/)
STICKER_PHOTO = EntitySpec(
    "sticker_photo",
    ("log_id", "filename", "media_type", "size", "original_sha256", "sha256", "taken_at",
     "latitude", "longitude", "added_at", "actor"),
    parent="sticker_log", senders=_VILLAGE, clock="added_at", versioned=False,
    content="data")

#: the verval's results: the cycle, and each household's visit result and the musdes'
#: decision (the officer is the village's list: who visited stays there)
VERVAL_CYCLE = EntitySpec(
    "verval_cycle",
    ("name", "period", "deadline", "status", "created_by", "note", "deleted_at",
     "deleted_by", "deleted_reason"),
    senders=_VILLAGE)

VERVAL_ENTRY = EntitySpec(
    "verval_entry",
    ("cycle_id", "household_id", "seq", "result", "visited_on", "note", "recorded_by",
     "recorded_at", "decision", "decision_note", "deleted_at", "deleted_by",
     "deleted_reason"),
    parent="verval_cycle", senders=_VILLAGE, local=frozenset({"officer_id"}))

#: what the visit found for each member (or a new member), written again whole at
#: each save of the visit
VERVAL_MEMBER = EntitySpec(
    "verval_member",
    ("entry_id", "member_id", "result", "name", "nik", "note", "proposal_key"),
    parent="verval_entry", senders=_VILLAGE, versioned=False, outright=True)

#: a correction the visit found, with the koordinator's decision on it
VERVAL_PROPOSAL = EntitySpec(
    "verval_proposal",
    ("entry_id", "target", "target_id", "field", "old_value", "new_value", "status",
     "proposed_by", "proposed_at", "decided_by", "decided_at", "decision_note"),
    parent="verval_entry", senders=_VILLAGE, versioned=False, outright=True)

#: the village deliberation on a cycle (its berita acara stays in the village's
#: letter register) and who attended it
MUSDES = EntitySpec(
    "musdes",
    ("cycle_id", "held_on", "place", "agenda", "notulen", "ketua_bpd", "note", "deleted_at",
     "deleted_by", "deleted_reason"),
    parent="verval_cycle", senders=_VILLAGE, local=frozenset({"letter_id"}))

MUSDES_ATTENDEE = EntitySpec(
    "musdes_attendee",
    ("musdes_id", "name", "position", "sort_order"),
    parent="musdes", senders=_VILLAGE, versioned=False, outright=True,
    local=frozenset({"officer_id"}))

#: what a bundle carries, in the order it is applied
ENTITIES: tuple[EntitySpec, ...] = (HOUSEHOLD, MEMBER, PARTICIPATION, REFERRAL,
                                    REFERRAL_EVENT, REFERRAL_VISIT, REFERRAL_REPLY,
                                    REFERRAL_ATTACHMENT, STICKER_CAMPAIGN, STICKER_TARGET,
                                    STICKER_LOG, STICKER_PHOTO, VERVAL_CYCLE, VERVAL_ENTRY,
                                    VERVAL_MEMBER, VERVAL_PROPOSAL, MUSDES, MUSDES_ATTENDEE)
BY_NAME = {e.name: e for e in ENTITIES}


def wire_value(value: Any) -> Any:
    """A field's value as a bundle writes it (JSON): dates and times as ISO text."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def wire_record(values, leave_out: str | None = None) -> dict[str, Any]:
    """A record's fields (a dict, or pairs of name and value) as a bundle writes them
    (:func:`wire_value` of each, in one pass: a village's bundle holds a million
    values), without ``leave_out``."""
    pairs = values.items() if isinstance(values, dict) else values
    return {k: v.isoformat() if isinstance(v, date) else v
            for k, v in pairs if k != leave_out}


@dataclass(frozen=True)
class FieldChange:
    """One field the queue holds: what the sender has (``theirs``), what we have
    (``ours``) and the value both last agreed on (``base``; None for a record we
    never received)."""

    field: str
    base: Any
    ours: Any
    theirs: Any


@dataclass(frozen=True)
class RecordMerge:
    """What one record received does: the fields to take now, and those that wait
    in the queue (conflicts: both changed; proposals: the receiver owns the field)."""

    apply: dict[str, Any]
    conflicts: tuple[FieldChange, ...] = ()
    proposals: tuple[FieldChange, ...] = ()

    @property
    def changes_nothing(self) -> bool:
        return not (self.apply or self.conflicts or self.proposals)


def merge_record(spec: EntitySpec, *, sender: OfficeKind, theirs: dict[str, Any],
                 ours: dict[str, Any] | None, base: dict[str, Any] | None) -> RecordMerge:
    """The three-way merge of one record (see the module): ``theirs`` as received,
    ``ours`` as we have it (None: we have no such record), ``base`` the values we
    last received from this sender (None: never).  Values compared as they travel
    (:func:`wire_value`); a field missing from ``theirs`` is not touched."""
    sender = OfficeKind(sender)
    apply: dict[str, Any] = {}
    conflicts: list[FieldChange] = []
    proposals: list[FieldChange] = []
    for name in spec.fields:
        if name not in theirs:
            continue
        t = wire_value(theirs[name])
        o = wire_value(ours.get(name)) if ours is not None else None
        b = wire_value(base.get(name)) if base is not None and name in base else None
        known = base is not None and name in base
        if ours is None:
            apply[name] = t                            # a new record, taken whole
            continue
        if t == o:
            continue                                   # already the same
        if known and t == b:
            continue                                   # the sender did not change it
        if spec.owner(name) is not sender:
            proposals.append(FieldChange(name, b, o, t))
            continue
        if (known and o == b) or (not known and o is None):
            apply[name] = t
        else:
            conflicts.append(FieldChange(name, b if known else None, o, t))
    return RecordMerge(apply, tuple(conflicts), tuple(proposals))

"""The checks a bundle's records pass before a plan is made (``sync.py``): a bundle
carries the records of one village only, each kind from the side that sends it —
a family of another village, a member without its family, a referral, labelled
house or verval result of another village, an unknown program: refused, nothing
written; and the NIKs another village has too (kept apart, reported)."""

from __future__ import annotations

from sqlalchemy import select

from ...core.exchange import BY_NAME
from ...errors import InvalidInput
from ...i18n import _
from ...models import (Household, Member, Musdes, MusdesAttendee, Participation, Program,
                       Referral, StickerCampaign, StickerLog, StickerTarget, VervalCycle,
                       VervalEntry, VervalProposal)
from .records import LABELS, MODELS, REMOVED


class NeedsSetup(InvalidInput):
    """A bundle this database cannot take until something is set up here (a program
    added): not refused for good — the same file is taken once it is."""


def check_village(s, source, records) -> None:
    """A bundle carries the records of one village only — the sender's own (from a
    village) or ours (from the kabupaten): every family in it, here and in the
    bundle, is of that village; every member and program recipient belongs to one
    of its families (here or in the bundle), and stays there; a program must be
    known here.  Anything else is refused before a record is looked at."""
    village = source.village
    for name, rows in records.items():
        if rows and source.kind not in BY_NAME[name].senders:
            raise InvalidInput(_("The bundle holds records ({entity}) that only the "
                                 "other side sends. Nothing was changed; ask the "
                                 "sender to check the bundle.").format(
                entity=_(LABELS[name])))

    def foreign(code) -> InvalidInput:
        return InvalidInput(_("The bundle holds a family of another village ({code}) "
                              "than {village}. Nothing was changed; ask the sender "
                              "to check the bundle.").format(code=code or "-",
                                                             village=village))

    def lookup(query, ids) -> dict:
        ids, out = sorted(i for i in ids if i), {}
        for start in range(0, len(ids), 500):
            out.update(s.execute(query(ids[start:start + 500])).all())
        return out

    households = {r[0]: r[2] for r in records.get("household", [])}
    here = lookup(lambda c: select(Household.id, Household.region_code)
                  .where(Household.id.in_(c)), households)
    for hid, values in households.items():
        for code in (values.get("region_code", here.get(hid)), here.get(hid, village)):
            if code != village:
                raise foreign(code)
    members = {r[0]: r[2] for r in records.get("member", [])}
    programs = {r[0]: r[2] for r in records.get("participation", [])}
    referrals = {r[0]: r[2] for r in records.get("referral", [])}
    referral_here = lookup(lambda c: select(Referral.id, Referral.household_id)
                           .where(Referral.id.in_(c)), referrals)
    member_home = lookup(lambda c: select(Member.id, Member.household_id)
                         .where(Member.id.in_(c)),
                         set(members) | {v.get("member_id") for v in
                                         (*programs.values(), *referrals.values())})
    program_home = lookup(lambda c: select(Participation.id, Participation.household_id)
                          .where(Participation.id.in_(c)), programs)
    targets = {r[0]: r[2] for r in records.get("sticker_target", [])}
    entries = {r[0]: r[2] for r in records.get("verval_entry", [])}
    target_home = lookup(lambda c: select(StickerTarget.id, StickerTarget.household_id)
                         .where(StickerTarget.id.in_(c)),
                         set(targets) | {v.get("target_id") for _i, _v, v in
                                         records.get("sticker_log", [])})
    entry_home = lookup(lambda c: select(VervalEntry.id, VervalEntry.household_id)
                        .where(VervalEntry.id.in_(c)), entries)
    named = ({v.get("household_id") for v in (*members.values(), *programs.values(),
                                               *referrals.values(), *targets.values(),
                                               *entries.values())}
             | set(member_home.values()) | set(program_home.values())
             | set(referral_here.values()) | set(target_home.values())
             | set(entry_home.values())) - {None}
    ours = set(households) | set(lookup(
        lambda c: select(Household.id, Household.region_code).where(
            Household.id.in_(c), Household.region_code == village),
        named - set(households)))
    for rows, home in ((members, member_home), (programs, program_home),
                       (targets, target_home), (entries, entry_home)):
        _each_belongs(rows, home, "household_id", ours, InvalidInput(_(
            "The bundle holds a family member or program recipient of a family that is "
            "neither in it nor in {village} here. Nothing was changed; ask the sender "
            "for a full bundle (bundle export --full).").format(village=village)))
    for values in programs.values():
        member = values.get("member_id")
        if member is not None:
            home = members.get(member, {}).get("household_id", member_home.get(member))
            if home not in ours:
                raise foreign(None)
    _check_referrals(s, source, records, referrals, lookup, ours,
                             lambda m: members.get(m, {}).get("household_id",
                                                              member_home.get(m)))
    _check_labelling_and_verval(s, village, records, lookup, ours, targets,
                                        entries, target_home, foreign)
    codes = {v.get("program_code") for v in programs.values()} - {None}
    if codes:
        have = set(s.scalars(select(Program.code).where(Program.code.in_(codes))))
        if codes - have:
            raise NeedsSetup(_("The bundle names programs this database does not know "
                                 "({codes}). Nothing was changed; add them under "
                                 "Settings first.").format(
                codes=", ".join(sorted(codes - have))))

def _check_labelling_and_verval(s, village, records, lookup, ours, targets, entries,
                                target_home, foreign) -> None:
    """A labelling visit is of a house the bundle or we hold in the village; a
    house to label and a verval result belong to a campaign or cycle in the
    bundle or here; a campaign or cycle we have already holds only this village's
    households (a village cannot write over another's)."""
    musdes = {r[0]: r[2] for r in records.get("musdes", [])}
    for name, model, kinds, parent_field, child_model in (
            ("sticker_campaign", StickerCampaign, ((targets, StickerTarget),),
             "campaign_id", StickerTarget),
            ("verval_cycle", VervalCycle, ((entries, VervalEntry), (musdes, Musdes)),
             "cycle_id", VervalEntry)):
        sent = {r[0] for r in records.get(name, [])}
        parents = {v.get(parent_field) for children, _m in kinds
                   for v in children.values()} - {None}
        known = set(lookup(lambda c, m=model: select(m.id, m.id).where(m.id.in_(c)),
                           parents | sent))
        for children, kind in kinds:
            homes = lookup(lambda c, m=kind, f=parent_field: select(
                m.id, getattr(m, f)).where(m.id.in_(c)), children)
            parents |= set(homes.values())
            for record_id, values in children.items():
                parent = values.get(parent_field, homes.get(record_id))
                if parent not in sent | known or (record_id in homes and
                                                  homes[record_id] != parent):
                    raise InvalidInput(_(
                        "The bundle holds a labelled house or a verval result whose "
                        "campaign or cycle is neither in it nor here. Nothing was "
                        "changed; ask the sender for a full bundle (bundle export "
                        "--full)."))
        # a campaign or cycle the bundle sends or names, that we have: of no other
        # village's households (a village cannot write into another's)
        mine = sorted((sent | parents) & known)
        column = getattr(child_model, parent_field)
        for start in range(0, len(mine), 500):
            if s.scalar(select(child_model.id).join(
                    Household, Household.id == child_model.household_id).where(
                    column.in_(mine[start:start + 500]),
                    Household.region_code != village).limit(1)):
                raise foreign(None)
    not_ours = InvalidInput(_(
        "The bundle holds a labelling visit of a house that is neither in it "
        "nor in the village here. Nothing was changed; ask the sender for a "
        "full bundle (bundle export --full)."))
    logs = {r[0]: r[2] for r in records.get("sticker_log", [])}
    for values in logs.values():
        target = values.get("target_id")
        home = targets.get(target, {}).get("household_id", target_home.get(target))
        if home not in ours:
            raise not_ours
    # a visit's photo: of a visit in the bundle (checked above) or of one of the
    # village's visits here
    elsewhere = {v.get("log_id") for _i, _v, v in records.get("sticker_photo", [])}
    elsewhere -= set(logs)
    villages = lookup(lambda c: select(StickerLog.id, Household.region_code)
                      .join(StickerTarget, StickerTarget.id == StickerLog.target_id)
                      .join(Household, Household.id == StickerTarget.household_id)
                      .where(StickerLog.id.in_(c)), elsewhere)
    if any(villages.get(log) != village for log in elsewhere):
        raise not_ours
    _check_verval_details(s, village, records, lookup, ours, entries, musdes)


def _check_verval_details(s, village, records, lookup, ours, entries, musdes) -> None:
    """A visit's findings and proposals are of a verval result in the bundle or of
    the village's here, and name only the village's families and members; a musdes
    attendee is of a musdes in the bundle or of the village's here (the musdes
    itself was checked with the cycles)."""
    refusal = InvalidInput(_(
        "The bundle holds a verval finding, proposal or musdes attendee of another "
        "village, or of a verval result or musdes that is neither in it nor here. "
        "Nothing was changed; ask the sender for a full bundle (bundle export --full)."))
    details = {name: {r[0]: r[2] for r in records.get(name, [])}   # removals too
               for name in ("verval_member", "verval_proposal", "musdes_attendee")}
    named = {v.get("entry_id") for name in ("verval_member", "verval_proposal")
             for v in details[name].values()}
    homes = {}
    for name in ("verval_member", "verval_proposal"):
        model = MODELS[name]
        homes.update(lookup(lambda c, m=model: select(m.id, m.entry_id).where(
            m.id.in_(c)), details[name]))
    named |= set(homes.values())
    known = set(entries) | set(lookup(
        lambda c: select(VervalEntry.id, VervalEntry.id)
        .join(Household, Household.id == VervalEntry.household_id)
        .where(VervalEntry.id.in_(c), Household.region_code == village),
        named - set(entries)))
    for name in ("verval_member", "verval_proposal"):
        _each_belongs(details[name], homes, "entry_id", known, refusal)
    # the members and families they name
    people = {v.get("member_id") for v in details["verval_member"].values()}
    bundled = {r[0]: r[2].get("household_id") for r in records.get("member", [])}
    people_home = lookup(lambda c: select(Member.id, Member.household_id)
                         .where(Member.id.in_(c)), people - set(bundled))
    for person in people - {None}:
        if bundled.get(person, people_home.get(person)) not in ours:
            raise refusal
    # a proposal's target as it will be: the bundle's fields, else those stored here
    stored = {pid: (target, target_id) for pid, target, target_id in (
        row for start in range(0, len(details["verval_proposal"]), 500)
        for row in s.execute(select(VervalProposal.id, VervalProposal.target,
                                    VervalProposal.target_id).where(
            VervalProposal.id.in_(sorted(details["verval_proposal"])[start:start + 500]))))}
    member_ids = []
    for pid, values in details["verval_proposal"].items():
        if values.get(REMOVED):
            continue
        target = values.get("target", stored.get(pid, (None, None))[0])
        target_id = values.get("target_id", stored.get(pid, (None, None))[1])
        if target not in ("household", "member", "new_member"):
            raise refusal
        if target in ("household", "new_member") and target_id not in ours:
            raise refusal
        if target == "member":
            member_ids.append(target_id)
    homes_of = lookup(lambda c: select(Member.id, Member.household_id)
                      .where(Member.id.in_(c)), set(member_ids) - set(bundled))
    if any(bundled.get(m, homes_of.get(m)) not in ours for m in member_ids):
        raise refusal
    attendees = details["musdes_attendee"]
    homes = lookup(lambda c: select(MusdesAttendee.id, MusdesAttendee.musdes_id)
                   .where(MusdesAttendee.id.in_(c)), attendees)
    named = ({v.get("musdes_id") for v in attendees.values()} | set(homes.values())) \
        - set(musdes)
    here = set(lookup(lambda c: select(Musdes.id, Musdes.id)
                      .join(VervalEntry, VervalEntry.cycle_id == Musdes.cycle_id)
                      .join(Household, Household.id == VervalEntry.household_id)
                      .where(Musdes.id.in_(c), Household.region_code == village), named))
    _each_belongs(attendees, homes, "musdes_id", set(musdes) | here, refusal)

def _check_referrals(s, source, records, referrals, lookup, ours,
                     home_of) -> None:
    """A bundle's referrals are the village's (its code, and the family and member
    they name, if any, of its families), and each step, visit and reply is of one
    of them — in the bundle or here."""
    village = source.village
    codes = lookup(lambda c: select(Referral.id, Referral.village_code)
                   .where(Referral.id.in_(c)), referrals)
    wrong = InvalidInput(_("The bundle holds a referral of another village than "
                           "{village}. Nothing was changed; ask the sender to check "
                           "the bundle.").format(village=village))
    for rid, values in referrals.items():
        if {values.get("village_code", codes.get(rid)), codes.get(rid, village)} \
                != {village}:
            raise wrong
        hid = values.get("household_id")
        if hid is not None and hid not in ours:
            raise wrong
        member = values.get("member_id")
        if member is not None and home_of(member) not in ours:
            raise wrong
    children = {name: {r[0]: r[2] for r in records.get(name, [])}
                for name, spec in BY_NAME.items() if spec.parent == "referral"}
    named = {v.get("referral_id") for rows in children.values() for v in rows.values()}
    homes = {}
    for name, rows in children.items():
        model = MODELS[name]
        homes.update(lookup(lambda c, m=model: select(m.id, m.referral_id)
                            .where(m.id.in_(c)), rows))
    named |= set(homes.values())
    known = set(referrals) | set(lookup(
        lambda c: select(Referral.id, Referral.village_code).where(
            Referral.id.in_(c), Referral.village_code == village),
        named - set(referrals)))
    for rows in children.values():
        _each_belongs(rows, homes, "referral_id", known, InvalidInput(_(
            "The bundle holds a step, visit or reply of a referral that is neither in it "
            "nor in {village} here. Nothing was changed; ask the sender for a full bundle "
            "(bundle export --full).").format(village=village)))

def shared_niks(s, source, records) -> tuple[tuple[str, str], ...]:
    """The NIKs of the bundle's members that a family of another village has too
    (kept apart, each under its village, and reported)."""
    niks = sorted({values["nik"] for _id, _v, values in records.get("member", [])
                   if values.get("nik")})
    found = set()
    for start in range(0, len(niks), 500):
        found.update(s.execute(
            select(Member.nik, Household.region_code)
            .join(Household, Household.id == Member.household_id)
            .where(Member.nik.in_(niks[start:start + 500]), Member.deleted_at.is_(None),
                   Household.region_code != source.village)).all())
    return tuple(sorted(found))


def _each_belongs(rows, homes, field: str, known, refusal: InvalidInput) -> None:
    """Each record of ``rows`` (id → values) names in ``field`` one of ``known``, and
    one we have already stays where it is (``homes``: id → ``field`` here)."""
    for record_id, values in rows.items():
        for parent in (values.get(field, homes.get(record_id)),
                       homes.get(record_id, values.get(field))):
            if parent not in known:
                raise refusal

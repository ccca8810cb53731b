"""Registry imports: each row of a DTSEN extract becomes a new member (and, for a new
No KK, a new household), an update of the person it matches, or a conflict.

:class:`RegistryRows` handles the rows of one import, a chunk at a time
(:meth:`RegistryRows.process`, the general way, which words every message).
The rows of a block that are plainly new people — most rows of a first
import — are taken first in one loop (:meth:`RegistryRows.take_new`), which
stores exactly what the general way would; tests/db/test_excel_import.py
holds the two to the same report and registry.  The one loop is kept
because the 100,000-member benchmark needs it (docs/architecture.md).
"""

from __future__ import annotations

from operator import itemgetter

from sqlalchemy import update

from ...core import codes
from ...core.identifiers import PROVINCE_CODES
from ...i18n import _
from ...models import Household, Member
from .families import FileHouseholds
from .matching import NAME_CONFLICT, real_nik, similar
from .rows import (HOUSEHOLD_FIELDS, MEMBER_FIELDS, MEMO_LIMIT, NAME_LIMIT,
                   NO_HOUSEHOLD_ANSWERS, Flagged, Normaliser, Row)
from .state import EXAMPLES, ImportState

#: the columns an import fills when it creates a record (the others stay empty)
_MEMBER_INSERT = ("id", "household_id", "sort_order", "nik", "name", "sex", "birth_place",
                  "birth_date", "relationship_code", "presence", "created_at", "updated_at",
                  "version", "import_batch_id")
_HOUSEHOLD_INSERT = ("id", "region_code", "created_at", "updated_at", "version",
                     "desil_period", "import_batch_id", *HOUSEHOLD_FIELDS, "search_text")
#: of those, the ones all households made in one chunk share (by position)
_HOUSEHOLD_SHARED = (1, 2, 3, 4, 6)
_HOUSEHOLD_SHARED_NAMES = tuple(_HOUSEHOLD_INSERT[i] for i in _HOUSEHOLD_SHARED)
_household_shared = itemgetter(*_HOUSEHOLD_SHARED)
_household_own = itemgetter(*[i for i in range(len(_HOUSEHOLD_INSERT))
                              if i not in _HOUSEHOLD_SHARED])
_HOUSEHOLD_OWN = _household_own(_HOUSEHOLD_INSERT)

class RegistryRows:
    """The rows of a registry import, a chunk at a time, against the registry index."""

    #: take the plainly new people of a block in one loop (:meth:`take_new`); off only
    #: in the test that compares it with the general way
    FAST_PATH = True

    def __init__(self, state: ImportState) -> None:
        self.state, self.index, self.report = state, state.index, state.report
        self.bulk = state.bulk
        self.batch_id, self.village = state.batch_id, state.village
        self.desil_period = state.desil_period
        self.touched_households = state.touched_households
        self.raw_kk: dict[str, str] = {}   # an invalid KK text -> the household made for it
        # households made in this chunk: (id, values in _HOUSEHOLD_INSERT order)
        self.pending_households: list[tuple[str, list]] = []
        self.pending_ids: set[str] = set()
        #: what the file says about each household, applied at the end (finish)
        self.families = FileHouseholds(state)

    def _household_for(self, row: Row, stamp) -> str:
        """Existing household for the row's KK/DTSEN id, else a new one (created once)."""
        return self._household_of(row.hvalues, row.raw_kk, stamp)

    def _household_of(self, values: tuple, raw_kk: str | None, stamp) -> str:
        """:meth:`_household_for` of a row's household values (in HOUSEHOLD_FIELDS order)
        and unusable KK text."""
        dtsen, kk, desil = values[0], values[1], values[6]
        index = self.index
        hid = (index.by_kk.get(kk) if kk else None) or \
            (index.by_dtsen.get(dtsen) if dtsen else None)
        if not hid and raw_kk:
            hid = self.raw_kk.get(raw_kk)
        if hid:
            return hid
        hid = self.bulk.new_id()
        if raw_kk:
            self.raw_kk[raw_kk] = hid
        desil_period = self.desil_period if desil else None
        self.pending_households.append((hid, [hid, self.village, stamp, stamp, 1, desil_period,
                                              self.batch_id, *values, None]))
        self.pending_ids.add(hid)
        self.families.create(hid, values)
        entry = {"id": hid, "desil_period": desil_period}
        entry.update(zip(HOUSEHOLD_FIELDS, values))
        index.households[hid] = entry
        if kk:
            index.by_kk[kk] = hid
        if dtsen:
            index.by_dtsen[dtsen] = hid
        index.new_family(hid)
        self.report.created_households += 1
        return hid

    def _write_households(self) -> None:
        """Insert the households made in this chunk, with the search text of the
        members they have so far (a household that gets more later is updated at the end)."""
        if not self.pending_households:
            return
        if not self.bulk.dry_run:
            households = self.index.households
            members = self.index.members_by_household
            rows = []
            for hid, values in self.pending_households:
                if values[-1] is not None:      # composed as its members came
                    rows.append(tuple(values))
                    continue
                h = households[hid]
                parts = [h["no_kk"], h["dtsen_id"], h["address"], h["dusun"]]
                for m in members.get(hid, ()):
                    parts.append(m["name"])
                    parts.append(m.get("nik"))
                # compose_search_text(no_kk, dtsen_id, address, dusun, [(name, nik), ...])
                text = "|".join([p.strip() for p in parts if p])
                values[-1] = text.lower() if text.isascii() else \
                    "|".join([p.strip().lower() for p in parts if p])
                rows.append(values)
            # the values every household of one chunk shares (village, time stamps,
            # version, batch) are written once, in the statement
            by_shared: dict[tuple, list[tuple]] = {}
            for values in rows:
                by_shared.setdefault(_household_shared(values), []).append(
                    _household_own(values))
            for same, own in by_shared.items():
                shared = tuple(zip(_HOUSEHOLD_SHARED_NAMES, same))
                self.bulk.insert_tuples(Household.__table__, _HOUSEHOLD_OWN, own, shared)
                self.state.seal_new("household", _HOUSEHOLD_OWN, own, shared)
        self.pending_households = []
        self.pending_ids.clear()

    def process(self, rows: list[Row]) -> None:
        """Match, update, add or refuse each row of one chunk (the general way)."""
        if not rows:
            return
        self.bulk.sync()      # the general way reads and writes on this thread
        member_updates: list[dict] = []
        inserts: list[tuple] = []
        now, stamp = self.bulk.stamp()
        iso_dates = self.bulk.sqlite
        members_by_household = self.index.members_by_household
        members_by_nik = self.index.members_by_nik
        pending_ids = self.pending_ids
        touched = self.touched_households
        kepala, lainnya = codes.Relationship.KEPALA.value, codes.Relationship.LAINNYA.value
        tinggal = codes.Presence.TINGGAL.value
        created = 0
        by_kk = self.index.by_kk
        match_in_family = self.index.match_in_family
        unnumbered = self.index.unnumbered
        conflict = self.state.conflict
        # the DTSEN questions the file answers are compared and stored with the rest
        answers = self.state.index.member_answers
        member_fields = MEMBER_FIELDS + answers
        for row in rows:
            # self.index.match_member(row), with the No KK's household kept for below
            existing = None if row.placeholder else members_by_nik.get(row.nik)
            if not existing:
                kk = row.hvalues[1]          # No KK
                hid = by_kk.get(kk) if kk else None
                existing = match_in_family(row, hid) if hid and (
                    row.placeholder or hid in unnumbered) else None
            if existing is not None:
                own_household = self.index.households.get(existing["household_id"], {})
                file_kk = row.household["no_kk"]
                other = self.index.by_kk.get(file_kk) if file_kk else None
                if other and other != existing["household_id"]:
                    conflict(row, _("The file puts NIK {nik} in KK {kk}, but the "
                                    "registry has this person in KK {stored}. Check "
                                    "the family and move the member by hand if it is "
                                    "right.").format(nik=row.nik, kk=file_kk,
                                                     stored=own_household.get("no_kk")))
                    continue
                if similar(existing["name"], row.member["name"]) < NAME_CONFLICT:
                    conflict(row, _("NIK {nik} belongs to {stored} in the registry but "
                                    "to {name} in the file. Check which is right.")
                             .format(nik=row.nik, stored=existing["name"],
                                     name=row.member["name"]))
                    continue
                hid = existing["household_id"]
                h = self.index.households.get(hid)
                identity = [f for f in ("no_kk", "dtsen_id") if h is not None and h[f]
                            and row.household[f] and row.household[f] != h[f]]
                if identity:
                    conflict(row, _("The file gives {field} {new} for {name}, but the "
                                    "family is registered under {old}. A new KK "
                                    "(pecah KK, moving) is recorded by hand in the "
                                    "household form.").format(
                        field="No KK" if identity[0] == "no_kk" else "ID DTSEN",
                        new=row.household[identity[0]], name=existing["name"],
                        old=h[identity[0]]))
                    continue
                self.families.see(hid, row)
                changed = False
                diff = {f: row.member[f] for f in member_fields
                        if row.member.get(f) not in (None, "")
                        and row.member[f] != existing.get(f)}
                if not row.placeholder and not real_nik(existing.get("nik")):
                    diff["nik"] = row.nik  # the file brings the NIK the registry lacked
                    self.index.members_by_nik[row.nik] = existing
                if diff:
                    before = {f: existing.get(f) for f in diff}
                    for f, new in diff.items():
                        self.state.example(row.line, "member", existing["name"], f,
                                           existing.get(f), new)
                    existing.update(diff)
                    member_updates.append({"id": existing["id"], **diff})
                    self.state.changes.record("member", existing["id"], "update", before, diff)
                    changed = True
                # the household's values are the file's, applied at the end (finish)
                if changed:
                    self.report.updated += 1
                    self.touched_households.add(hid)
                else:
                    self.report.unchanged += 1
                    if row.issue is not None:
                        row.issue.known = True   # the stored record is the same
                    if self.families.first_line.get(hid) == row.line:
                        self.families.unchanged_first.add(hid)
                continue
            # A new member: the undo record is the batch id on the row itself.
            if not hid:                     # else the household of its No KK
                hid = self._household_for(row, stamp)
            self.families.see(hid, row)
            family = members_by_household[hid]
            record = row.member            # becomes the registry's record of the person
            record["relationship_code"] = relationship = record["relationship_code"] or (
                lainnya if family else kepala)
            record["presence"] = presence = record["presence"] or tinggal
            record["sex"] = sex = record["sex"] or "L"
            record["id"] = mid = self.bulk.new_id()
            record["household_id"] = hid
            record["nik"] = nik = row.nik
            born = record["birth_date"]
            inserts.append((mid, hid, len(family), nik, record["name"], sex,
                            record["birth_place"],
                            born.isoformat() if iso_dates and born is not None else born,
                            relationship, presence,     # and stamp, stamp, 1, batch_id
                            *[record.get(f) for f in answers]))
            family.append(record)           # not by NIK: it is in the NIKs seen
            if not nik or nik.startswith("99999999999999"):     # not real_nik(nik)
                unnumbered.add(hid)
            if hid not in pending_ids:
                touched.add(hid)            # written before: its search text changes
            created += 1
            self.state.new_row(row.line, record["name"], row.household["no_kk"])
        self.report.created += created
        self._write_households()            # before their members (foreign key)
        self._insert_members(inserts, stamp, answers)
        member_table = Member.__table__
        for upd in member_updates:
            mid = upd.pop("id")
            self.bulk.execute(update(member_table).where(member_table.c.id == mid)
                              .values(**upd, updated_at=now,
                                      version=member_table.c.version + 1))

    def finish(self) -> None:
        """Once every row is read: apply what the file says about each household."""
        self.families.finish()

    def take_new(self, normaliser: Normaliser, block: list[tuple[int, list, tuple]],
                 seen: set[str]) -> int:
        """Import the leading rows of ``block`` that are plainly new people, in one loop;
        returns how many it took (the caller sends the others the general way).

        A row is taken when it is exactly what :meth:`Normaliser.block`, the
        duplicate check of :func:`~.run.run_import` and :meth:`process` would
        accept without a word and store as a new member: a well-formed NIK whose
        date part agrees with the row's date of birth and sex, no warning in
        any cell, a plain name, a NIK not seen earlier in the file nor in the
        registry, and no registered household of its No KK holding a member
        without a real NIK (who might be this person by name and date of
        birth).  It stores what those would store (same values, order and
        counts); tests/db/test_excel_import.py checks both ways agree.
        """
        if not block or normaliser.questions:
            return 0    # a file with DTSEN answers goes the general way
        (nik_c, sex_r, born_r, name_c, rel_r, pres_r, place_r, kk_r, dtsen_r, rt_r, rw_r,
         desil_r, address_r, dusun_r) = normaliser.looked_up(block)
        second = itemgetter(1)
        for column in (sex_r, born_r, rel_r, pres_r, rt_r, rw_r, desil_r):
            if any(map(second, column)):
                return 0          # a warning in the block: the general way words it
        for column in (place_r, dtsen_r, address_r, dusun_r):
            if Flagged in set(map(type, column)):
                return 0
        if any(map(itemgetter(2), kk_r)):
            return 0
        first = itemgetter(0)
        # names as the loop below would make them (None: not a plain ASCII text)
        names = [" ".join(n.split()).upper() if type(n) is str and n.isascii()
                 and n.isprintable() and len(n) <= NAME_LIMIT else None for n in name_c]
        nik_date, nik_birth_of = normaliser.nik_dates.get, normaliser._nik_date
        iso_of = normaliser.iso_dates
        provinces = PROVINCE_CODES
        _now, stamp = self.bulk.stamp()
        iso_dates = self.bulk.sqlite
        batch_id = self.batch_id
        index = self.index
        members_by_household, members_by_nik = index.members_by_household, index.members_by_nik
        by_kk, by_dtsen, unnumbered = index.by_kk, index.by_dtsen, index.unnumbered
        households = index.households
        pending_ids, touched = self.pending_ids, self.touched_households
        pending_households = self.pending_households
        household_of = self._household_of
        village, desil_period = self.village, self.desil_period
        member_ids = self.bulk.new_id.take(len(block))   # those not used are never used
        household_ids: list[str] = []
        spare = made = 0
        # households made below: (their insert values, the parts of their search text)
        texts: dict[str, tuple[list, list[str]]] = {}
        kepala, lainnya = codes.Relationship.KEPALA.value, codes.Relationship.LAINNYA.value
        tinggal = codes.Presence.TINGGAL.value
        inserts: list[tuple] = []
        append = inserts.append
        taken = 0
        families = self.families
        file_values, created_here, first_line = (families.values, families.created,
                                                 families.first_line)
        for (line, nik, sex, born, name, relationship, presence, birth_place,
             (kk, raw_kk, _e5), dtsen, rt, rw, desil, address, dusun) in zip(
                map(first, block), nik_c, map(first, sex_r), map(first, born_r), names,
                map(first, rel_r), map(first, pres_r), place_r, kk_r, dtsen_r,
                map(first, rt_r), map(first, rw_r), map(first, desil_r), address_r, dusun_r):
            # Normaliser.block: a well-formed NIK agreeing with the row, a plain name
            if not (type(nik) is str and len(nik) == 16 and nik[:2] in provinces
                    and nik[2:4] != "00" and nik[4:6] != "00" and nik[12:] != "0000"
                    and nik.isdigit() and nik.isascii()):
                break
            known = nik_date(nik[6:12], False)
            if known is False:
                known = nik_birth_of(nik)
            if known is None:
                break
            nik_born, nik_sex = known
            if (born is not None and nik_born != born
                    and (nik_born.day != born.day or nik_born.month != born.month
                         or nik_born.year % 100 != born.year % 100)):
                break
            if sex is None:
                sex = nik_sex
            elif sex != nik_sex:
                break
            if not name:
                break
            # run_import: not a duplicate; process: no registered person to match
            if nik in seen or nik in members_by_nik:
                break
            if kk:
                hid = by_kk.get(kk)
                if hid is None:
                    hid = by_dtsen.get(dtsen) if dtsen else None
                    if hid is None:
                        # a new household (as _household_of makes it; raw_kk is None)
                        if spare == len(household_ids):
                            household_ids = self.bulk.new_id.take(256)   # a few unused
                            spare = 0
                        hid = household_ids[spare]
                        spare += 1
                        made += 1
                        hperiod = desil_period if desil else None
                        values = [hid, village, stamp, stamp, 1, hperiod, batch_id, dtsen, kk,
                                  address, dusun, rt, rw, desil, *NO_HOUSEHOLD_ANSWERS, None]
                        pending_households.append((hid, values))
                        file_values[hid] = [dtsen, kk, address, dusun, rt, rw, desil,
                                            *NO_HOUSEHOLD_ANSWERS]
                        created_here.add(hid)
                        first_line[hid] = line
                        # its search text, member by member (see _write_households)
                        texts[hid] = (values, [p.strip() for p in (kk, dtsen, address, dusun)
                                               if p])
                        pending_ids.add(hid)
                        households[hid] = {"id": hid, "desil_period": hperiod,
                                           "dtsen_id": dtsen, "no_kk": kk, "address": address,
                                           "dusun": dusun, "rt": rt, "rw": rw, "desil": desil}
                        by_kk[kk] = hid
                        if dtsen:
                            by_dtsen[dtsen] = hid
                        index.new_family(hid)
                elif hid in unnumbered:
                    break
            else:
                hid = household_of((dtsen, kk, address, dusun, rt, rw, desil,
                                    *NO_HOUSEHOLD_ANSWERS), raw_kk, stamp)
            # the family's values agree with its earlier rows in the file (else the
            # general way words the disagreement: FileHouseholds.see)
            known = file_values.get(hid)
            if known is None:
                file_values[hid] = [dtsen, kk, address, dusun, rt, rw, desil,
                                    *NO_HOUSEHOLD_ANSWERS]
                first_line[hid] = line
            elif (known[4] != rt or known[5] != rw or known[6] != desil
                  or known[2] != address or known[3] != dusun or known[0] != dtsen):
                break
            # a new member (as process stores it)
            seen.add(nik)
            family = members_by_household[hid]
            relationship = relationship or (lainnya if family else kepala)
            presence = presence or tinggal
            sex = sex or "L"
            mid = member_ids[taken]
            record = {"name": name, "sex": sex, "birth_date": born, "birth_place": birth_place,
                      "relationship_code": relationship, "presence": presence, "id": mid,
                      "household_id": hid, "nik": nik}
            if iso_dates and born is not None:
                iso = iso_of.get(born)
                if iso is None:
                    iso = born.isoformat()
                    if len(iso_of) < MEMO_LIMIT:
                        iso_of[born] = iso
            else:
                iso = born
            append((mid, hid, len(family), nik, name, sex, birth_place, iso,
                    relationship, presence))       # and stamp, stamp, 1, batch_id
            family.append(record)       # not by NIK (it is in the NIKs seen), see Index
            text = texts.get(hid)
            if text is not None:
                text[1].append(name)        # stripped already, as the NIK's digits
                text[1].append(nik)
            elif hid not in pending_ids:
                touched.add(hid)            # written before: its search text changes
            taken += 1
        self.report.created_households += made
        for values, parts in texts.values():
            # compose_search_text(no_kk, dtsen_id, address, dusun, [(name, nik), ...])
            text = "|".join(parts)
            values[-1] = text.lower() if text.isascii() else "|".join([p.lower() for p in parts])
        self.report.created += taken
        if taken and len(self.report.new_rows) < EXAMPLES:
            new_row = self.state.new_row
            for (line, _raw, _cells), name, (kk, raw_kk, _e) in zip(block[:taken], names,
                                                                    kk_r):
                if not new_row(line, name, kk or raw_kk):
                    break
        self._write_households()            # before their members (foreign key)
        self._insert_members(inserts, stamp)
        return taken

    def _insert_members(self, rows: list[tuple], stamp, answers: tuple[str, ...] = ()
                        ) -> None:
        """Insert new members given as tuples of the first ten :data:`_MEMBER_INSERT`
        columns, then the ``answers`` fields (the others are the same for all)."""
        if rows:
            columns = _MEMBER_INSERT[:10] + answers
            same = tuple(zip(_MEMBER_INSERT[10:], (stamp, stamp, 1, self.batch_id)))
            self.bulk.insert_tuples(Member.__table__, columns, rows, same)
            self.state.seal_new("member", columns, rows, same)

"""A realistic synthetic village for trying the program, screenshots and benchmarks.

Everything here is invented: names are drawn from common Indonesian given
names, NIKs and No KKs are built to the official structure (real kecamatan
codes of the village's kabupaten, +40 for women, dates consistent with the
stated birth dates), housing and desil are correlated the way poverty and
housing are, and program participation mostly follows the desil.  A few data
problems are planted on purpose so that the validation screens have
something to show; :class:`DemoReport` lists them.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import insert, select

from ..core import codes
from ..core.identifiers import make_kk, make_nik
from ..core.validation import age_in_years
from ..core.permissions import Permission
from ..core.regions import regions
from ..jobs import CancelToken, Progress
from ..models import (Household, Member, Officer, Participation, Program,
                      UnregisteredRecipient, new_id, utcnow)
from . import audit
from .audit import Change
from .context import Actor, require
from .registry import compose_search_text

MALE = ("AHMAD", "BUDI", "SLAMET", "SUGENG", "JOKO", "AGUS", "BAMBANG", "SUPRIYADI",
        "HARYANTO", "WAHYU", "EKO", "DWI", "RUDI", "HERU", "SUTRISNO", "MULYONO", "PAIJO",
        "SUKIMAN", "SUPARMAN", "KASMIN", "RIYANTO", "DARMAJI", "TEGUH", "YUDI", "ARIF",
        "FAJAR", "RIZKI", "ILHAM", "MUHAMMAD", "ABDUL", "NUR", "IMAM", "HASAN", "SAIFUL",
        "KHOIRUL", "ANDI", "DANI", "GILANG", "BAGUS", "ADI", "SURYO", "PRASETYO",
        "SETIAWAN", "HIDAYAT", "SANTOSO", "KURNIAWAN", "SAPUTRA", "WIBOWO", "NUGROHO",
        "FIRMANSYAH")
FEMALE = ("SITI", "SRI", "SUMIATI", "PONIYEM", "SUPARTI", "WATINI", "KASIYEM", "SUKINAH",
          "RUKMINI", "TITIK", "ENDANG", "NUR", "DEWI", "RATNA", "YULI", "ENI", "LESTARI",
          "WULANDARI", "RAHAYU", "HANDAYANI", "PUJI", "ASTUTI", "MARYAM", "AMINAH",
          "FATIMAH", "KHOTIMAH", "ANISA", "NURUL", "INDAH", "PUTRI", "AYU", "FITRI",
          "LUTFIA", "SALSABILA", "NADIA", "RINI", "YANTI", "SUMARNI", "PAINEM", "TUMINAH",
          "WIDYA", "AULIA", "ZAHRA", "DIAN", "SEPTI", "NOVITA", "KARTIKA", "MELATI")
DUSUN = ("KRAJAN", "SUMBERREJO", "KARANGASEM", "NGASINAN", "TEGALSARI", "KEDUNGDOWO",
         "SIDOMULYO", "GONDANG")
OTHER_BIRTH_PLACES = ("SURABAYA", "LAMONGAN", "BOJONEGORO", "REMBANG", "BLORA", "JAKARTA",
                      "SEMARANG", "MALANG")
OCCUPATIONS_POOR = ("BURUH TANI", "BURUH HARIAN LEPAS", "PETANI", "NELAYAN", "PEDAGANG KECIL")
OCCUPATIONS_RICH = ("WIRASWASTA", "PNS", "KARYAWAN SWASTA", "PEDAGANG", "GURU")

#: share of households per desil (None = not matched in DTSEN)
DESIL_WEIGHTS = {1: 8, 2: 10, 3: 11, 4: 11, 5: 10, 6: 10, 7: 9, 8: 8, 9: 7, 10: 6, None: 10}


@dataclass
class DemoReport:
    village_code: str
    households: int = 0
    members: int = 0
    participations: int = 0
    officers: int = 0
    verval_results: int = 0
    referrals: int = 0
    sticker_visits: int = 0
    orphans: int = 0
    planted: dict[str, list[str]] = field(default_factory=dict)

    def plant(self, kind: str, ref: str) -> None:
        self.planted.setdefault(kind, []).append(ref)


def _birth(rng: random.Random, today: date, age_min: int, age_max: int) -> date:
    age_min, age_max = max(0, age_min), max(age_min, age_max)
    days = rng.randint(age_min * 365 + 1, age_max * 365 + 364)
    return today - timedelta(days=days)


def _education(rng: random.Random, age: int, poor: bool) -> tuple[str | None, str | None]:
    if age < 6:
        return codes.SchoolAttendance.TIDAK_PERNAH.value, None
    if age <= 18:
        level = "03" if age < 13 else "08" if age < 16 else "13"
        return codes.SchoolAttendance.MASIH.value, level
    levels = ("03", "08", "13") if poor else ("08", "13", "15", "19")
    if poor and rng.random() < 0.15:
        return codes.SchoolAttendance.TIDAK_PERNAH.value, None
    return codes.SchoolAttendance.TIDAK_LAGI.value, rng.choice(levels)


def _member_answers(rng: random.Random, age: int, poor: bool, disability: str) -> dict:
    """Answers to the DTSEN questions of core.questions, as a village's might be."""
    pick = rng.choice
    out = dict(
        documents="4" if age >= 17 and rng.random() < 0.9 else "1" if age < 17 and
        rng.random() < 0.8 else "5" if age >= 17 else "0",
        health_insurance=(pick(("1", "1", "0")) if poor else pick(("2", "4", "1"))),
        pip=(pick(("1", "2")) if poor else "2") if 6 <= age <= 21 else None,
    )
    if age < 5:
        out["nutrition"] = pick(("3", "3", "3", "2")) if poor else "3"
    if age >= 2:
        hard = disability not in ("7", None)
        for field in ("difficulty_seeing", "difficulty_hearing", "difficulty_walking",
                      "difficulty_hands", "difficulty_learning", "difficulty_behaviour",
                      "difficulty_speaking", "difficulty_self_care", "difficulty_remembering"):
            out[field] = pick(("1", "2", "3")) if hard and rng.random() < 0.3 else (
                "3" if age > 70 and rng.random() < 0.2 else "4")
        out["sadness"] = "4" if rng.random() < 0.85 else pick(("2", "3"))
        out["has_caregiver"] = ("1" if hard and rng.random() < 0.5 else "2")
    return out


def _household_answers(rng: random.Random, poor: bool) -> dict:
    pick = rng.choice
    return dict(enumeration_result="1",
                internet=pick(("3", "3", "0")) if poor else pick(("1", "2", "3")),
                bank_account=pick(("4", "4", "2")) if poor else pick(("2", "3", "1")))


def _housing(rng: random.Random, desil: int | None) -> dict:
    poor = desil is not None and desil <= 4
    pick = rng.choice
    return dict(
        building_ownership=pick(("1", "1", "1", "3", "6")) if poor else pick(("1", "1", "2")),
        land_proof=pick(("5", "6", "1")) if poor else pick(("1", "1", "4")),
        floor_area=float(rng.randint(18, 45) if poor else rng.randint(45, 160)),
        floor=pick(("8", "6", "7", "6")) if poor else pick(("2", "2", "4", "1")),
        wall=pick(("4", "6", "3", "1")) if poor else "1",
        roof=pick(("2", "3", "7")) if poor else pick(("2", "1")),
        drinking_water=pick(("6", "5", "8", "2")) if poor else pick(("1", "2", "12", "4")),
        septic_distance=pick(("1", "3")) if poor else "2",
        lighting=pick(("2", "1", "3")) if poor else "1",
        power_capacity=pick(("1", "2")) if poor else pick(("2", "3", "4")),
        cooking_fuel=pick(("10", "4", "10")) if poor else pick(("4", "3")),
        toilet_facility=pick(("2", "4", "6")) if poor else "1",
        toilet_type=pick(("4", "3", "1")) if poor else "1",
        sewage_disposal=pick(("4", "3", "5")) if poor else "1",
        assets={
            "kulkas": not poor or rng.random() < 0.1, "tv": rng.random() < (0.4 if poor else 0.95),
            "motor": rng.random() < (0.35 if poor else 0.9),
            "mobil": not poor and rng.random() < 0.3,
            "smartphone": rng.random() < (0.5 if poor else 0.98),
            "emas": not poor and rng.random() < 0.4,
            "kambing": rng.randint(0, 3) if poor else 0, "sapi": 0 if poor else rng.randint(0, 2),
        },
        family_status="0",
    )


def generate(services, *, actor: Actor, households: int, seed: int = 1,
             today: date | None = None, progress: Progress | None = None,
             cancel: CancelToken | None = None) -> DemoReport:
    """Add ``households`` synthetic households to an initialised village database."""
    require(actor, Permission.EDIT_REGISTRY)
    rng = random.Random(seed)
    # the DTSEN answers from a random stream of their own: the rest of a village made
    # from one seed stays what it was before they were added
    answer_rng = random.Random(seed * 7919 + 1)
    today = today or date.today()
    village = services.settings.village()
    if not village.code:
        raise ValueError("village not initialised")
    report = DemoReport(village.code)
    kec_home = village.code[:8]
    kab = village.code[:5]
    other_kec = [r.code for r in regions().children(kab) if r.code != kec_home] or [kec_home]
    home_place = village.kabupaten.replace("Kabupaten ", "").replace("Kota ", "").upper()
    # numbers already in the database are never made again (a second demo run adds
    # other people, not the same NIKs twice)
    with services.db.read() as s:
        used_nik: set[str] = set(s.scalars(select(Member.nik).where(Member.nik.is_not(None))))
        used_kk: set[str] = set(s.scalars(select(Household.no_kk)
                                          .where(Household.no_kk.is_not(None))))
    areas = []
    rw_no = 0
    for d in DUSUN[: max(2, min(len(DUSUN), households // 150 + 2))]:
        for _rw in range(rng.randint(1, 2)):
            rw_no += 1
            areas.extend((d, f"{rw_no:03d}", f"{rt:03d}") for rt in range(1, rng.randint(3, 5) + 1))

    def nik_for(born: date, sex: str, home: bool = True) -> str:
        kec = kec_home if home or rng.random() < 0.5 else rng.choice(other_kec)
        while True:
            nik = make_nik(kecamatan_code=kec, birth_date=born, sex=sex,
                           serial=rng.randint(1, 9999))
            if nik not in used_nik:
                used_nik.add(nik)
                return nik

    def kk_for() -> str:
        while True:
            recorded = today - timedelta(days=rng.randint(100, 15 * 365))
            kk = make_kk(kecamatan_code=kec_home, recorded=recorded, serial=rng.randint(1, 9999))
            if kk not in used_kk:
                used_kk.add(kk)
                return kk

    def person(sex: str, born: date, rel: str, poor: bool, *, married: bool) -> dict:
        age = age_in_years(born, today)
        attendance, level = _education(rng, age, poor)
        working = 18 <= age <= 70 and (sex == "L" or rng.random() < 0.45)
        name = rng.choice(MALE if sex == "L" else FEMALE)
        if rng.random() < 0.6:
            name += " " + rng.choice(MALE if sex == "L" else FEMALE)
        values = dict(
            id=new_id(), name=name, sex=sex, birth_date=born, relationship_code=rel,
            nik=nik_for(born, sex, home=age < 30 or rng.random() < 0.8),
            birth_place=home_place if rng.random() < 0.8 else rng.choice(OTHER_BIRTH_PLACES),
            marital_status=("2" if married else "1") if age >= 17 else "1",
            religion="1" if rng.random() < 0.93 else rng.choice(("2", "3", "4", "5")),
            school_attendance=attendance, education_level=level,
            work_status=(rng.choice(("6", "7", "1", "4")) if poor else rng.choice(("1", "4", "5")))
            if working else "0",
            occupation=(rng.choice(OCCUPATIONS_POOR if poor else OCCUPATIONS_RICH)
                        if working else None),
            disability="7" if rng.random() > 0.03 else rng.choice(("1", "2", "3", "4")),
            chronic_illness="01" if rng.random() > (0.25 if age > 50 else 0.03)
            else rng.choice(("02", "03", "05", "06", "08")),
            pregnant=(sex == "P" and 20 <= age <= 38 and married and rng.random() < 0.06),
            presence=codes.Presence.TINGGAL.value)
        values.update(_member_answers(answer_rng, age, poor, values["disability"]))
        return values

    hh_rows, m_rows, p_rows = [], [], []
    desil_values = list(DESIL_WEIGHTS)
    desil_weights = list(DESIL_WEIGHTS.values())
    period = f"{today.year}"
    desil_period = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    for i in range(households):
        if cancel is not None:
            cancel.raise_if_cancelled()
        desil = rng.choices(desil_values, desil_weights)[0]
        poor = desil is not None and desil <= 4
        hid = new_id()
        dusun, rw, rt = rng.choice(areas)
        size = rng.choices(range(1, 9), (8, 18, 24, 22, 14, 8, 4, 2))[0]
        head_sex = "L" if rng.random() < 0.82 else "P"
        head_born = _birth(rng, today, 24 if size > 1 else 30, 80)
        head_age = age_in_years(head_born, today)
        married = size > 1 and head_sex == "L" or (size > 1 and rng.random() < 0.3)
        members = [person(head_sex, head_born, "1", poor, married=married)]
        if married and size > 1:
            spouse_sex = "P" if head_sex == "L" else "L"
            members.append(person(spouse_sex, _birth(rng, today, max(18, head_age - 8),
                                                     head_age + 3), "2", poor, married=True))
        while len(members) < size:
            if head_age > 45 and rng.random() < 0.15:
                born = _birth(rng, today, 0, max(1, head_age - 40))
                members.append(person(rng.choice("LP"), born, "5", poor, married=False))
            elif head_age < 55 and rng.random() < 0.08:
                born = _birth(rng, today, head_age + 18, min(95, head_age + 35))
                members.append(person(rng.choice("LP"), born, "6", poor,
                                      married=rng.random() < 0.5))
            else:
                born = _birth(rng, today, 0, max(0, min(head_age - 18, 40)))
                members.append(person(rng.choice("LP"), born, "3", poor, married=False))
        # young children of the poorest sometimes have no NIK yet: DTSEN placeholder
        for m in members:
            if poor and age_in_years(m["birth_date"], today) < 5 and rng.random() < 0.2:
                used_nik.discard(m["nik"])
                m["nik"] = "9999999999999995"
        if rng.random() < 0.02:
            gone = rng.choice(members[1:] or members)
            if gone is not members[0]:
                gone["presence"] = rng.choice((codes.Presence.MENINGGAL.value,
                                               codes.Presence.PINDAH.value))
                gone["presence_date"] = today - timedelta(days=rng.randint(30, 700))
                gone["presence_note"] = "Dicatat pada pemutakhiran data"
        house = _housing(rng, desil)
        house.update(_household_answers(answer_rng, poor))
        hh = dict(id=hid, no_kk=kk_for(), region_code=village.code, dusun=dusun, rw=rw, rt=rt,
                  address=f"DUSUN {dusun} RT {rt} RW {rw}", desil=desil,
                  dtsen_id=f"{village.code.replace('.', '')}{i + 1:06d}" if desil else None,
                  desil_period=desil_period if desil else None, **house)
        hh_rows.append(hh)
        for order, m in enumerate(members):
            m.update(household_id=hid, sort_order=order)
            m_rows.append(m)
        hh["_members"] = members
        kids = any(age_in_years(m["birth_date"], today) < 18 for m in members)
        wanted = []
        if desil is not None and desil <= 2 and kids and rng.random() < 0.7:
            wanted.append("PKH")
        if desil is not None and desil <= 4 and rng.random() < 0.7:
            wanted.append("BPNT")
        if desil is not None and desil <= 2 and rng.random() < 0.15:
            wanted.append("BLT_DD")
        if desil is not None and desil <= 3 and house["power_capacity"] == "1":
            wanted.append("SUBSIDI_LISTRIK")
        for program in wanted:
            p_rows.append(dict(id=new_id(), program_code=program, household_id=hid,
                               member_id=None, period=period, source="import",
                               status=codes.ParticipationStatus.AKTIF.value))
        if desil is not None and desil <= 3:
            for m in members:
                p_rows.append(dict(id=new_id(), program_code="PBI", household_id=hid,
                                   member_id=m["id"], period=period, source="import",
                                   status=codes.ParticipationStatus.AKTIF.value))
        if progress is not None and i % 500 == 0:
            progress.report(i, households)

    _plant_problems(rng, hh_rows, m_rows, p_rows, report, period, today)
    u_rows = _targeting_cases(rng, hh_rows, m_rows, p_rows, report, period, today,
                              nik_for)
    for hh in hh_rows:
        people = hh.pop("_members")
        hh["search_text"] = compose_search_text(hh["no_kk"], hh["dtsen_id"], hh["address"],
                                                hh["dusun"], [(m["name"], m["nik"]) for m in people])

    officers = [("SUHARTINI", "koordinator", "081234560001"), ("AGUS SALIM", "tksk", "081234560002"),
                ("DEWI LESTARI", "pendamping_pkh", "081234560003"),
                ("RUDI HARTONO", "psm", "081234560004"), ("NUR HIDAYATI", "kader", "081234560005"),
                ("BAGUS PRASETYO", "operator", "081234560006")]
    o_rows = [dict(id=new_id(), name=n, role=r, phone=p, active=True) for n, r, p in officers]

    def created(entity: str, row: dict) -> Change:
        snapshot = {k: v for k, v in row.items() if k != "id" and v not in (None, "")}
        return Change(entity, row["id"], None, None,
                      json.dumps(snapshot, default=str, sort_keys=True, ensure_ascii=False))

    with services.db.write() as s:
        existing_officers = s.scalar(select(Officer.id).limit(1))
        conn = s.connection()
        # a program the catalogue lacks (a database made before it was seeded) is
        # left out rather than failing the whole demo
        known = set(s.scalars(select(Program.code)))
        p_rows = [p for p in p_rows if p["program_code"] in known]
        u_rows = [u for u in u_rows if u["program_code"] in known]
        tables = [(Household, hh_rows), (Member, m_rows), (Participation, p_rows),
                  (UnregisteredRecipient, u_rows)]
        if existing_officers is None:
            tables.append((Officer, o_rows))
            report.officers = len(o_rows)
        for model, rows in tables:
            uniform = _uniform(model, rows)
            for start in range(0, len(uniform), 5000):
                conn.execute(insert(model.__table__), uniform[start:start + 5000])
        changes = ([created("household", r) for r in hh_rows]
                   + [created("member", r) for r in m_rows]
                   + [created("participation", r) for r in p_rows])
        if existing_officers is None:
            changes += [created("officer", r) for r in o_rows]
        audit.append(s, actor, "create", changes, audit.coded_reason("demo", seed=seed))
    report.households, report.members, report.participations = (
        len(hh_rows), len(m_rows), len(p_rows))
    if not services.verval.cycles(actor=actor):
        report.verval_results = demo_verval(services, actor=actor, rng=rng, today=today)
    from .demo_cases import demo_care, demo_referrals, demo_stickers
    if not services.referrals.list(actor=actor, limit=1):
        report.referrals = demo_referrals(services, actor=actor, rng=rng, today=today)
    if not services.stickers.campaigns(actor=actor):
        report.sticker_visits = demo_stickers(services, actor=actor, today=today)
    if not services.targeting.orphans(actor=actor):
        report.orphans = demo_care(services, actor=actor, rng=rng, today=today)
    if progress is not None:
        progress.report(households, households)
    return report


def demo_verval(services, *, actor: Actor, rng: random.Random, today: date) -> int:
    """A verval cycle over desil 1-4 with some visits recorded, a correction or two
    waiting for approval, and a musdes, so that every verval document prints."""
    from ..core.codes import VervalMemberResult, VervalResult
    from .registry import HouseholdFilter
    from .verval import Attendee, Correction, MemberFinding

    verval = services.verval
    half = "I" if today.month <= 6 else "II"
    cycle = verval.create_cycle(actor=actor, name=f"Verval DTSEN Semester {half} {today.year}",
                                period=f"{today.year}-S{1 if half == 'I' else 2}",
                                deadline=today + timedelta(days=21))
    verval.add_households(actor=actor, cycle_id=cycle.id,
                          filter=HouseholdFilter(desil=(1, 2, 3, 4)))
    entries = verval.entries(actor=actor, cycle_id=cycle.id)
    roster = [o for o in services.officers.roster(actor=actor) if o.role != "koordinator"]
    weights = [(VervalResult.TETAP, 60), (VervalResult.PERBAIKAN_DATA, 12),
               (VervalResult.TIDAK_DITEMUKAN, 5), (VervalResult.PINDAH, 5),
               (VervalResult.MENINGGAL, 3), (VervalResult.GANDA, 2),
               (VervalResult.MAMPU_TIDAK_LAYAK, 8), (VervalResult.MENOLAK, 2)]
    recorded = 0
    # a realistic share visited, capped so that a big demo village stays quick to make
    for entry in entries[: min(int(len(entries) * 0.45), 120)]:
        result = rng.choices([r for r, _w in weights], [w for _r, w in weights])[0]
        household = services.households.get(actor=actor, household_id=entry.household_id)
        members = [m for m in household.members if not m.removed and m.presence == "1"]
        findings, corrections = [], []
        if result is VervalResult.PERBAIKAN_DATA and members:
            findings = [MemberFinding(VervalMemberResult.TINGGAL.value, m.id) for m in members]
            if len(members) > 2 and rng.random() < 0.5:
                gone = members[-1]
                findings[-1] = MemberFinding(VervalMemberResult.MENINGGAL.value, gone.id,
                                             note="meninggal menurut keterangan keluarga")
            else:
                corrections.append(Correction("household", household.id, "phone",
                                              f"08{rng.randint(10**9, 10**10 - 1)}"))
        verval.record_result(actor=actor, entry_id=entry.id, result=result.value,
                             officer_id=rng.choice(roster).id if roster else None,
                             visited_on=today - timedelta(days=rng.randint(1, 10)),
                             members=findings, corrections=corrections,
                             note="data sesuai" if result is VervalResult.TETAP else None)
        recorded += 1
    village = services.settings.village()
    people = [Attendee(village.kepala_desa, "Kepala Desa"),
              Attendee("SLAMET RIYADI", "Ketua BPD"), Attendee("RINA KUSUMA", "Sekretaris Desa")]
    from ..core.codes import OfficerRole
    people += [Attendee(o.name, OfficerRole.label_of(o.role), o.id)
               for o in services.officers.roster(actor=actor)]
    people += [Attendee("KASMIRAN", "Ketua RT 001"), Attendee("SUPARMI", "Ketua PKK")]
    verval.save_musdes(actor=actor, cycle_id=cycle.id, held_on=today - timedelta(days=1),
                       place=f"Balai {village.title}", attendees=people,
                       notulen="RINA KUSUMA", ketua_bpd="SLAMET RIYADI")
    verval.decide_suggested(actor=actor, cycle_id=cycle.id)
    return recorded


def _uniform(model, rows: list[dict]) -> list[dict]:
    """Rows with every column present, so the driver inserts them in one batch."""
    now = utcnow()
    base = {c.key: None for c in model.__table__.columns}
    base.update(created_at=now, updated_at=now, version=1)
    if "sort_order" in base:
        base["sort_order"] = 0
    return [{**base, **row} for row in rows]


def _plant_problems(rng: random.Random, hh_rows: list[dict], m_rows: list[dict],
                    p_rows: list[dict], report: DemoReport, period: str, today: date) -> None:
    """Plant a few realistic data problems (about one per 200 households, at least one each)."""
    if len(hh_rows) < 10:
        return
    n = max(1, len(hh_rows) // 400)
    by_household: dict[str, list[dict]] = {}
    for m in m_rows:
        by_household.setdefault(m["household_id"], []).append(m)
    adults = [m for m in m_rows if m["nik"] and not m["nik"].startswith("9999")
              and age_in_years(m["birth_date"], today) > 20]
    for m in rng.sample(adults, n):  # NIK date differs from the stated birth date
        m["birth_date"] = m["birth_date"] - timedelta(days=rng.randint(40, 400))
        report.plant("nik_dob_mismatch", m["id"])
    for m in rng.sample(adults, n):  # NIK says a woman, record says a man (or back)
        if m["sex"] == "L" and m["relationship_code"] != "1":
            m["sex"] = "P"
            m["pregnant"] = False
            report.plant("nik_sex_mismatch", m["id"])
    for a, b in zip(rng.sample(adults, n), rng.sample(adults, n)):  # same NIK twice
        if a["household_id"] != b["household_id"]:
            b["nik"] = a["nik"]
            b["birth_date"], b["sex"] = a["birth_date"], a["sex"]
            report.plant("duplicate_nik", b["id"])
    multi = [h for h in hh_rows if len(by_household[h["id"]]) > 1]
    for h in rng.sample(multi, min(n, len(multi))):  # the head died, no new head chosen
        head = by_household[h["id"]][0]
        head["presence"] = codes.Presence.MENINGGAL.value
        head["presence_date"] = today - timedelta(days=rng.randint(30, 300))
        head["presence_note"] = "Meninggal dunia"
        report.plant("household_without_head", h["id"])
    for h in rng.sample(hh_rows, n):  # No KK never copied
        h["no_kk"] = None
        report.plant("missing_no_kk", h["id"])
    for m in rng.sample(m_rows, n):  # member without NIK
        m["nik"] = None
        report.plant("missing_nik", m["id"])
    rich = [h for h in hh_rows if h["desil"] is not None and h["desil"] >= 9]
    for h in rng.sample(rich, min(n, len(rich))):  # inclusion error: well-off on PKH
        p_rows.append(dict(id=new_id(), program_code="PKH", household_id=h["id"],
                           member_id=None, period=period, source="import",
                           status=codes.ParticipationStatus.AKTIF.value))
        report.plant("well_off_receiving_pkh", h["id"])


def _targeting_cases(rng: random.Random, hh_rows: list[dict], m_rows: list[dict],
                     p_rows: list[dict], report: DemoReport, period: str,
                     today: date, nik_for) -> list[dict]:
    """Programs of the other sources (daerah, non-government), and what Program &
    Sasaran flags (issue 17): extreme poor left out, a recipient who died, and
    recipients on the BPNT list who are not in the registry (returned, to be kept;
    ``nik_for`` makes their NIKs as the village's own are made, never used twice)."""
    if len(hh_rows) < 10:
        return []
    n = max(1, len(hh_rows) // 400)

    def grant(program: str, household: dict, member: str | None = None) -> None:
        p_rows.append(dict(id=new_id(), program_code=program, household_id=household["id"],
                           member_id=member, period=period, source="import",
                           status=codes.ParticipationStatus.AKTIF.value))

    for h in hh_rows:
        if h["desil"] is not None and 3 <= h["desil"] <= 5 and rng.random() < 0.06:
            grant("BANTUAN_PEMDA", h)
        elif h["desil"] is not None and h["desil"] <= 3 and rng.random() < 0.04:
            grant("BAZNAS", h)
        if h["desil"] is not None and 2 <= h["desil"] <= 4 and rng.random() < 0.05:
            grant(rng.choice(("PENA", "KUBE")), h)     # raising income, not a burden
    poorest = [h for h in hh_rows if h["desil"] == 1]
    for h in rng.sample(poorest, min(n, len(poorest))):   # exclusion error
        p_rows[:] = [p for p in p_rows if p["household_id"] != h["id"]]
        report.plant("extreme_poor_uncovered", h["id"])
    living = {m["id"]: m for m in m_rows if m["presence"] == codes.Presence.TINGGAL.value
              and m["relationship_code"] != codes.Relationship.KEPALA.value}
    personal = [p for p in p_rows if p["member_id"] in living]
    for p in rng.sample(personal, min(n, len(personal))):  # died, still on the list
        member = living[p["member_id"]]
        member["presence"] = codes.Presence.MENINGGAL.value
        member["presence_date"] = today - timedelta(days=rng.randint(30, 200))
        member["presence_note"] = "Meninggal dunia"
        report.plant("recipient_died", member["id"])
    strangers = []
    for i in range(n + 1):     # on the kabupaten's list, never registered here
        sex = rng.choice("LP")
        born = _birth(rng, today, 25, 70)
        strangers.append(dict(
            id=new_id(), program_code="BPNT", period=period, line=i + 2,
            nik=nik_for(born, sex, home=False),
            name=f"{rng.choice(('SITI', 'AHMAD', 'SRI', 'BUDI'))} PENERIMA {i + 1}",
            no_kk=None, import_batch_id=None, created_at=utcnow()))
        report.plant("not_in_registry", strangers[-1]["id"])
    return strangers


__all__ = ["DemoReport", "generate"]

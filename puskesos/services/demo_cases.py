"""The demo village's cases of the Puskesos' own work: residents' requests in every
status of the referral flow, and a labelling campaign with a visit of every outcome
(called by :func:`.demo.generate`, in its one transaction)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from ..core.codes import LIVING
from .context import Actor


#: the demo's requests: (category, urgency, days ago received, what happened, description,
#: service, what is asked) — one in every status of the flow
_REQUESTS = (
    ("kesehatan", "biasa", 1, "draft", "Ibu mengeluh sesak napas, belum pernah periksa.",
     None, None),
    ("lansia", "biasa", 12, "recorded", "Lansia tinggal sendiri, butuh pendampingan dan "
     "bantuan makanan.", None, None),
    ("adminduk", "segera", 30, "village", "Anak belum punya akta kelahiran.", None, None),
    ("kesehatan", "segera", 20, "dirujuk", "Anak demam tinggi berulang, BPJS tidak aktif.",
     "Puskesmas", "Pemeriksaan dan pengaktifan PBI JKN"),
    ("pendidikan", "biasa", 25, "diterima", "Anak SMP terancam putus sekolah karena biaya.",
     "Dinas Pendidikan", "Program Indonesia Pintar (PIP)"),
    ("bansos", "biasa", 35, "diproses", "Keluarga desil 1 belum menerima bantuan apa pun.",
     "Dinas Sosial", "Usulan PKH dan BPNT"),
    ("disabilitas", "segera", 40, "selesai", "Penyandang disabilitas fisik butuh kursi roda.",
     "Dinas Sosial", "Bantuan alat bantu (ATENSI)"),
    ("rtlh", "biasa", 45, "ditolak", "Atap rumah bocor dan dinding retak.",
     "Dinas Sosial", "Bantuan bedah rumah (RTLH)"),
    ("ekonomi", "biasa", 28, "tidak_dapat", "Kepala keluarga kehilangan pekerjaan, butuh "
     "modal usaha.", "BAZNAS", "Bantuan modal usaha mikro"),
    ("anak", "segera", 8, "batal", "Laporan anak tidak diasuh orang tuanya.", None, None),
)


def demo_referrals(services, *, actor: Actor, rng: random.Random, today: date) -> int:
    """Residents' requests in every status of the flow, some overdue, with surat rujukan
    printed for the referred ones, so every screen and printout of the Rujukan page has
    data."""
    from ..core.codes import ReferralStatus as S
    from .registry import HouseholdFilter
    referrals = services.referrals
    rows, _total = services.households.search(
        actor=actor, filter=HouseholdFilter(desil=(1, 2, 3)), limit=400)
    # spread over the village (the list is in dusun order), so the report has every dusun
    heads = [r for r in rows if r.head_name]
    heads = heads[::max(1, len(heads) // len(_REQUESTS))]
    village = services.settings.village()
    # letters need their signatories: a village set up by init without them gets none
    letters = bool(village.kepala_desa and village.ketua_puskesos)
    made = 0
    for i, (category, urgency, ago, fate, text, service, asked) in enumerate(_REQUESTS):
        received = today - timedelta(days=ago)
        if fate == "village" or not heads:
            who = dict(person_name="SRI WAHYUNI", nik_absent_reason="belum rekam KTP-el",
                       dusun=heads[0].dusun if heads else None)
        else:
            home = services.households.get(actor=actor,
                                           household_id=heads[i % len(heads)].id)
            living = [m for m in home.members if not m.removed and m.presence in LIVING]
            who = dict(member_id=rng.choice(living).id)
        r = referrals.add(actor=actor, category=category, description=text, urgency=urgency,
                          received_on=received, draft=fate == "draft", **who)
        made += 1
        step = received + timedelta(days=min(2, ago))
        if fate == "village":
            referrals.solve_in_village(actor=actor, referral_id=r.id, on=step,
                                       action_taken="Didampingi mengurus akta ke Disdukcapil "
                                                    "keliling di balai desa.")
        elif fate == "batal":
            referrals.transition(actor=actor, referral_id=r.id, status=S.DIBATALKAN.value,
                                 on=step, note="Sudah ditangani keluarga besar.")
        elif service:
            documents = [(d.name, k < 2) for k, d in enumerate(r.documents)]
            referrals.refer(actor=actor, referral_id=r.id, target_service=service,
                            service_requested=asked, documents=documents, on=step)
            if letters:
                referrals.print_letter(actor=actor, referral_id=r.id)
            reply = {"diterima": S.DITERIMA, "diproses": S.DIPROSES, "selesai": S.SELESAI,
                     "ditolak": S.DITOLAK, "tidak_dapat": S.TIDAK_DAPAT_DITINDAKLANJUTI
                     }.get(fate)
            if reply is not None:
                notes = {S.DITOLAK: "Kuota tahun ini sudah penuh; diusulkan tahun depan.",
                         S.TIDAK_DAPAT_DITINDAKLANJUTI: "Tidak memenuhi syarat program.",
                         S.SELESAI: "Kursi roda sudah diserahkan."}
                referrals.record_reply(actor=actor, referral_id=r.id, outcome=reply.value,
                                       on=step + timedelta(days=min(7, ago - 2)),
                                       reference=f"460/{rng.randint(10, 99)}/{service[:6]}"
                                                 f"/{today.year}".replace(" ", ""),
                                       note=notes.get(reply))
        if fate == "recorded":
            referrals.add_visit(actor=actor, referral_id=r.id, visited_on=step,
                                visitor="AGUS SALIM (TKSK)",
                                findings="Tinggal sendiri di rumah semi permanen; makan dibantu "
                                         "tetangga.")
    return made


#: the demo campaign's visits: (outcome, days ago, note, well-off, photo)
_VISITS = (("terpasang", 6, None, False, True), ("ditolak", 6, "Keluarga malu dan menolak "
           "dipasangi stiker.", False, False), ("mundur", 5, None, False, False),
           ("ditolak", 5, "Rumah permanen, ada mobil dan usaha toko.", True, True),
           ("tidak_ditemukan", 4, "Rumah kosong, tetangga tidak tahu.", False, False),
           ("pindah", 4, "Pindah ke Surabaya sejak Agustus.", False, False),
           ("meninggal", 3, "Kepala keluarga (lansia tunggal) meninggal bulan lalu.", False,
            False),
           ("rusak", 2, "Stiker dicopot, katanya oleh anak-anak.", False, True),
           ("rusak", 1, "Stiker rusak terkena hujan; perlu dipasang ulang.", False, False))
#: the visit whose torn sticker is put up again (its history shows both)
_PUT_UP_AGAIN = 7


def demo_stickers(services, *, actor: Actor, today: date) -> int:
    """A labelling campaign of the PKH and BPNT recipients with a visit of every outcome
    (photos included, with the camera's time and place), and a torn sticker put up
    again, so the Stiker page and its printouts have data."""
    import tempfile
    from datetime import datetime
    from pathlib import Path

    from PIL import Image

    from ..errors import InvalidInput
    stickers = services.stickers
    try:
        campaign = stickers.create_campaign(
            actor=actor, code=f"STK{today.year}", name=f"Labelisasi KPM PKH dan BPNT {today.year}",
            sticker_text="KELUARGA MISKIN PENERIMA BANTUAN SOSIAL\nSemoga keluarga ini segera "
                         "sejahtera. Melepas atau menutupi stiker ini berarti mengundurkan diri "
                         "dari bantuan sosial.", programs=["PKH", "BPNT"],
            legal_basis=f"SK Bupati Nomor 400/117/{today.year}",
            starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=20))
    except InvalidInput:            # a village without PKH or BPNT recipients: no campaign
        return 0
    targets = stickers.targets(actor=actor, campaign_id=campaign.id)
    # spread over the village (serials are in area order), so the rekap has every dusun
    targets = targets[::max(1, len(targets) // (len(_VISITS) + 1))]
    officers = [o.name for o in services.officers.roster(actor=actor)][:2] or ["PETUGAS DESA"]
    made = 0
    with tempfile.TemporaryDirectory() as folder:
        for i, (outcome, ago, note, well_off, photo) in enumerate(_VISITS):
            if i >= len(targets):
                break
            at = datetime.combine(today - timedelta(days=ago), datetime.min.time()).replace(
                hour=9 + i)
            row = stickers.record_outcome(actor=actor, campaign_id=campaign.id,
                                          household_id=targets[i].household_id,
                                          outcome=outcome, at=at, officers=officers,
                                          note=note, well_off=well_off,
                                          witnesses="Ketua RT setempat")
            made += 1
            if photo:
                path = Path(folder) / f"IMG_{i:04d}.jpg"
                exif = Image.Exif()
                exif[0x0132] = at.strftime("%Y:%m:%d %H:%M:%S")
                exif[0x8825] = {1: "S", 2: (6.0, 52.0, 30.0 + i), 3: "E",
                                4: (111.0, 35.0, 10.0 + i)}
                Image.new("RGB", (1600, 1200), (90 + 20 * i, 120, 90)).save(
                    path, "JPEG", exif=exif.tobytes())
                stickers.add_photos(actor=actor, log_id=row.id, paths=[path])
        torn = _PUT_UP_AGAIN
        if torn < len(targets):     # the torn sticker is put up again the next day
            stickers.record_outcome(actor=actor, campaign_id=campaign.id,
                                    household_id=targets[torn].household_id,
                                    outcome="terpasang", at=datetime.now().replace(
                                        microsecond=0) - timedelta(hours=3),
                                    officers=officers, note="Dipasang ulang.")
            made += 1
    if services.verval.cycles(actor=actor):
        # the refusals, withdrawals and well-off families wait in the verval cycle, their
        # reason shown there and in the musdes
        stickers.carry_to_verval(actor=actor)
    return made


def demo_care(services, *, actor: Actor, rng: random.Random, today: date) -> int:
    """Orphans with their guardians (a resident, or a grandmother outside the
    registry), residents willing to be foster sponsors, and the coordinator's matches
    for about half the orphans — the rest, receiving no program that fits, are
    flagged (issue 17 point 6).  Returns the number of orphans."""
    from sqlalchemy import select

    from ..core.validation import age_in_years
    from ..models import Household, Member
    with services.db.read() as s:
        rows = list(s.execute(
            select(Member.id, Member.household_id, Member.birth_date,
                   Member.relationship_code, Household.desil)
            .join(Household, Household.id == Member.household_id)
            .where(Member.deleted_at.is_(None), Member.presence.in_(LIVING),
                   Household.deleted_at.is_(None), Member.birth_date.is_not(None))
            .order_by(Member.id)))
    heads = {hid: mid for mid, hid, _born, rel, _d in rows if rel == "1"}
    children = [r for r in rows if r[3] != "1" and age_in_years(r[2], today) < 16
                and r[1] in heads and r[4] is not None and r[4] <= 4]
    adults = [r for r in rows if 30 <= age_in_years(r[2], today) <= 60
              and r[4] is not None and r[4] >= 6]
    count = min(len(children), max(3, len(rows) // 150), 40)
    orphans = []
    for mid, hid, _born, _rel, _desil in rng.sample(children, count):
        if rng.random() < 0.8:
            oid = services.targeting.record_orphan(
                actor=actor, member_id=mid, status=rng.choice(
                    ("yatim", "yatim", "piatu", "yatim_piatu")),
                guardian_member_id=heads[hid],
                guardian_relation=rng.choice(("kakek", "paman", "ibu", "bibi")), today=today)
        else:
            oid = services.targeting.record_orphan(
                actor=actor, member_id=mid, status="yatim_piatu",
                guardian_name="MBOK " + rng.choice(("SUMINAH", "PAINEM", "TUMINAH")),
                guardian_relation="nenek", note="Nenek tinggal di desa sebelah",
                today=today)
        orphans.append(oid)
    sponsors = []
    for mid, *_rest in rng.sample(adults, min(len(adults), max(2, count // 2))):
        sponsors.append(services.targeting.record_sponsor(
            actor=actor, member_id=mid, offers=rng.sample(
                ("pendidikan", "kebutuhan", "kesehatan", "pengasuhan"), rng.randint(1, 2)),
            capacity=rng.randint(1, 3), today=today))
    for oid in orphans[: len(orphans) // 2]:
        choice = services.targeting.suggested_sponsors(actor=actor, orphan_id=oid)
        if choice:
            services.targeting.match(actor=actor, orphan_id=oid, sponsor_id=choice[0].id,
                                     started_on=today - timedelta(days=rng.randint(10, 300)))
    return len(orphans)

"""Official documents: verval forms, berita acara musdes, SKTM.

Each document is built the same way: the values (flat dictionaries) →
preflight of the template against them (unknown placeholders, empty
signatories, logo, fonts, empty selection) → only then a number from the
letter register → PDF bytes → a row in the print log (what, who, when),
which the footer of every page repeats.  A trial render with the number
still blank runs before the number is taken, so a failure never leaves a
gap in the register.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from ..core import codes
from ..core.bahasa import date_in_words, day_name, long_date, short_date, short_datetime
from ..core.codes import MusdesDecision, VervalResult
from ..core.labels import address_text
from ..core.validation import PLACE_LIMIT, checked_text
from ..core.permissions import Permission
from ..db.engine import Database
from ..errors import InvalidInput, NotFound
from ..files import safe_name
from ..i18n import N_, _
from ..jobs import CancelToken, Progress
from ..models import Household, Member, Participation, PrintLog, Program, utcnow
from ..printing import load_template, preflight, render, render_sheets
from ..printing.template import PrintProblem, TemplateError
from . import audit
from .audit import Change
from .context import Actor, require
from .letters import LetterRegister
from .settings import SettingsService, VillageIdentity
from .verval import VervalService


def check_target(path) -> None:
    """Refuse an output file that could not be written, before anything is numbered."""
    import os
    from pathlib import Path

    from ..errors import UserError
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(_("The folder {folder} does not exist. Choose an existing folder for "
                          "{name}.").format(folder=folder, name=path.name))
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserError(_("{path} cannot be written here (no permission). Choose another "
                          "folder.").format(path=path))


class PrintBlocked(InvalidInput):
    """The document cannot be printed yet; ``problems`` says what to fix."""

    def __init__(self, problems: list[PrintProblem]):
        lines = "\n".join(f"• {p}" for p in problems)
        super().__init__(_("The document cannot be printed yet:\n{problems}").format(
            problems=lines))
        self.problems = problems


@dataclass(frozen=True)
class Document:
    pdf: bytes
    pages: int
    title: str
    filename: str
    letter_number: str | None
    log_id: str


@dataclass(frozen=True)
class PrintLogRow:
    id: str
    kind: str
    title: str
    reference: str | None
    pages: int
    actor: str
    printed_at: datetime


REQUIRED_HINTS = {
    "desa.kepala_desa": N_("The village has no Kepala Desa name. Fill it in Settings → "
                          "Village (signatories)."),
    "desa.nama": N_("The village has no name. Fill it in Settings → Village."),
    "desa.ketua_puskesos": N_("The Puskesos coordinator's name is empty. Fill it in Settings → "
                             "Village (signatories)."),
}


def _kop(text: str) -> str:
    return (text or "").upper()


def village_context(village: VillageIdentity) -> dict[str, Any]:
    """The letterhead fields of a template (``desa.*``) from the village identity."""
    kind = village.desa_kind or "Desa"
    address = ", ".join(p for p in (village.address, f"Kode Pos {village.postal_code}"
                                    if village.postal_code else "") if p)
    contact = " · ".join(p for p in (f"Telp. {village.phone}" if village.phone else "",
                                     village.email) if p)
    return {
        "desa.nama": village.desa, "desa.nama_kop": _kop(village.desa),
        "desa.jenis": kind, "desa.jenis_kop": _kop(kind), "desa.kode": village.code,
        # the kind and the name together, never "Desa Desa Baru"
        "desa.judul": village.title, "desa.judul_kop": _kop(village.title),
        "desa.kecamatan": village.kecamatan, "desa.kecamatan_kop": _kop(village.kecamatan),
        "desa.kabupaten": village.kabupaten, "desa.kabupaten_kop": _kop(village.kabupaten),
        "desa.provinsi": village.provinsi, "desa.alamat": village.address,
        "desa.alamat_lengkap": address, "desa.kontak": contact,
        "desa.kode_pos": village.postal_code, "desa.telepon": village.phone,
        "desa.email": village.email, "desa.logo": village.logo_path,
        "desa.kepala_desa": village.kepala_desa, "desa.kepala_desa_nip":
            f"NIP. {village.kepala_desa_nip}" if village.kepala_desa_nip else "",
        "desa.jabatan_kepala": "Lurah" if kind.lower() == "kelurahan" else "Kepala Desa",
        # the head's title with the village, never "Kepala Desa Desa Baru"
        "desa.jabatan_lengkap": (f"Lurah {village.desa}" if kind.lower() == "kelurahan"
                                 else f"Kepala {village.title}"),
        "desa.ketua_puskesos": village.ketua_puskesos,
        "desa.ketua_puskesos_nip":
            f"NIP. {village.ketua_puskesos_nip}" if village.ketua_puskesos_nip else "",
        "tanggal": long_date(date.today()),
    }


def _area(h) -> str:
    """The address with RT/RW and dusun, each only once."""
    return address_text(h.address, h.rt, h.rw, h.dusun)


def _label(code_list, code) -> str:
    return code_list.label_of(code) if code else ""


def _short(code_list, code) -> str:
    """The label as a form's narrow cell prints it (see CodeList.short_of)."""
    return code_list.short_of(code) if code else ""


def _member_details(m: Member) -> str:
    """A member's socio-economic details as one short line of the verval form:
    marital status, schooling, work, disability, chronic illness (and pregnancy)."""
    level = _label(codes.EducationLevel, m.education_level)
    if m.school_attendance == codes.SchoolAttendance.MASIH.value:
        school = f"Masih sekolah {level}".strip()
    elif m.school_attendance == codes.SchoolAttendance.TIDAK_LAGI.value:
        school = f"Pendidikan terakhir {level}" if level else "Tidak bersekolah lagi"
    elif m.school_attendance:
        school = _label(codes.SchoolAttendance, m.school_attendance)
    else:
        school = f"Pendidikan: {level or '-'}"
    occupation = (m.occupation or "").strip()
    if m.work_status == codes.WorkStatus.TIDAK_BEKERJA.value:
        work = "Tidak bekerja"
    elif m.work_status:
        status = _short(codes.WorkStatus, m.work_status)
        work = f"Bekerja: {occupation} ({status})" if occupation else f"Bekerja: {status}"
    else:
        work = f"Pekerjaan: {occupation or '-'}"
    if m.chronic_illness == codes.ChronicIllness.TIDAK_ADA.value:
        illness = "Tanpa penyakit kronis"
    else:
        illness = f"Penyakit kronis: {_label(codes.ChronicIllness, m.chronic_illness) or '-'}"
    parts = [_label(codes.MaritalStatus, m.marital_status) or "Status kawin: -", school, work,
             _label(codes.Disability, m.disability) or "Disabilitas: -", illness]
    if m.pregnant:
        parts.append("Sedang hamil")
    return " · ".join(parts)


class DocumentService:
    def __init__(self, db: Database, *, settings: SettingsService, letters: LetterRegister,
                 verval: VervalService):
        self._db = db
        self._settings = settings
        self.letters = letters
        self._verval = verval

    # -- shared steps ----------------------------------------------------------

    def _template(self, name: str):
        try:
            return load_template(name)
        except TemplateError as exc:
            raise PrintBlocked(exc.problems) from None

    def _check(self, template, context, item_word=None) -> None:
        hints = {key: _(text) for key, text in REQUIRED_HINTS.items()}
        problems = preflight(template, context, required_hints=hints,
                             item_word=item_word)
        if problems:
            raise PrintBlocked(problems)

    @staticmethod
    def _footer(actor: Actor, title: str, reference: str | None, secret: bool) -> str:
        who = actor.full_name or actor.username
        if actor.full_name and actor.full_name != actor.username:
            who = f"{actor.full_name} ({actor.username})"
        text = (f"Dicetak oleh {who} pada {short_datetime(datetime.now())} · {title}"
                + (f" · {reference}" if reference else ""))
        return ("RAHASIA – " + text) if secret else text

    def _log(self, actor: Actor, kind: str, title: str, reference: str | None,
             pages: int, pdf: bytes) -> str:
        with self._db.write() as s:
            row = PrintLog(kind=kind, title=title, reference=reference, pages=pages,
                           actor=actor.username, printed_at=utcnow())
            s.add(row)
            s.flush()
            audit.append(s, actor, "print", [Change("print_log", row.id, "pages", None, pages)],
                         f"{title} {reference or ''} sha256={hashlib.sha256(pdf).hexdigest()[:16]}")
            return row.id

    def print_log(self, limit: int = 200, *, actor: Actor) -> list[PrintLogRow]:
        """The most recent printouts, newest first."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            return [PrintLogRow(r.id, r.kind, r.title, r.reference, r.pages, r.actor,
                                r.printed_at)
                    for r in s.scalars(select(PrintLog).order_by(PrintLog.printed_at.desc())
                                       .limit(limit))]

    def village(self) -> dict[str, Any]:
        """The letterhead fields of the village, as templates use them."""
        return village_context(self._settings.village())

    # -- verval forms ----------------------------------------------------------

    def verval_context(self, *, actor: Actor, cycle_id: str | None = None,
                       rt: str | None = None, rw: str | None = None,
                       dusun: str | None = None, entry_ids: list[str] | None = None,
                       progress: Progress | None = None, cancel: CancelToken | None = None,
                       area: tuple[str, str, str] | None = None) -> dict[str, Any]:
        """The fields of the verval forms of a cycle (optionally one area or the
        given entries), one form per household."""
        require(actor, Permission.VIEW_FULL_NIK)
        verval = self._verval
        cycle = verval.cycle(cycle_id, actor=actor)
        rows = verval.entries(actor=actor, cycle_id=cycle.id, rt=rt, rw=rw, dusun=dusun,
                              area=area)
        if entry_ids is not None:
            wanted = set(entry_ids)
            rows = [r for r in rows if r.id in wanted]
        context = self.village()
        context.update({"siklus.nama": cycle.name, "siklus.periode": cycle.period,
                        "siklus.batas": short_date(cycle.deadline) or "-",
                        "siklus.id": cycle.id})
        items = []
        ids = [r.household_id for r in rows]
        households: dict[str, Household] = {}
        members: dict[str, list[Member]] = {}
        programs: dict[str, list[str]] = {}
        with self._db.read() as s:
            names = dict(s.execute(select(Program.code, Program.name)).all())
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                for h in s.scalars(select(Household).where(Household.id.in_(chunk))):
                    households[h.id] = h
                for m in s.scalars(select(Member).where(
                        Member.household_id.in_(chunk), Member.deleted_at.is_(None),
                        Member.presence.in_(codes.LIVING))
                        .order_by(Member.household_id, Member.sort_order)):
                    members.setdefault(m.household_id, []).append(m)
                for hid, code in s.execute(select(Participation.household_id,
                                                  Participation.program_code).where(
                        Participation.household_id.in_(chunk),
                        Participation.deleted_at.is_(None),
                        Participation.status == codes.ParticipationStatus.AKTIF.value)):
                    programs.setdefault(hid, [])
                    if code not in programs[hid]:
                        programs[hid].append(code)
                s.expunge_all()
        for number, row in enumerate(rows, 1):
            if cancel:
                cancel.raise_if_cancelled()
            h = households[row.household_id]
            if h.deleted_at is not None:
                continue  # removed from the registry after joining the cycle
            people = members.get(h.id, [])
            assets = [codes.Asset.label_of(k) for k, v in sorted((h.assets or {}).items())
                      if v and k in {a.value for a in codes.Asset}]
            items.append({
                "ruta.qr": f"PSKS/V1/{cycle.id}/{h.id}".upper(),
                "ruta.kode": f"{cycle.period} · {row.seq:05d}",
                "ruta.no_urut": str(row.seq),
                "ruta.dusun": h.dusun or "", "ruta.rw": h.rw or "", "ruta.rt": h.rt or "",
                "ruta.alamat": h.address or "", "ruta.id_dtsen": h.dtsen_id or "",
                "ruta.no_kk": h.no_kk or "", "ruta.kepala": row.head_name or "",
                "ruta.jumlah_anggota": str(len(people)),
                "ruta.desil": str(h.desil) if h.desil else "",
                "ruta.telepon": h.phone or "",
                "ruta.status_bangunan": _short(codes.BuildingOwnership, h.building_ownership),
                "ruta.bukti_lahan": _short(codes.LandProof, h.land_proof),
                "ruta.luas_lantai": f"{h.floor_area:g}" if h.floor_area else "",
                "ruta.lantai": _short(codes.Floor, h.floor),
                "ruta.dinding": _short(codes.Wall, h.wall),
                "ruta.atap": _short(codes.Roof, h.roof),
                "ruta.air_minum": _short(codes.DrinkingWater, h.drinking_water),
                "ruta.jarak_tinja": _short(codes.SepticDistance, h.septic_distance),
                "ruta.penerangan": _short(codes.Lighting, h.lighting),
                "ruta.daya_listrik": _short(codes.PowerCapacity, h.power_capacity),
                "ruta.bahan_bakar": _short(codes.CookingFuel, h.cooking_fuel),
                "ruta.jamban": _short(codes.ToiletFacility, h.toilet_facility),
                "ruta.kloset": _short(codes.ToiletType, h.toilet_type),
                "ruta.pembuangan_tinja": _short(codes.SewageDisposal, h.sewage_disposal),
                "ruta.aset": ", ".join(assets) or "-",
                "ruta.program": ", ".join(names.get(c, c) for c in programs.get(h.id, []))
                or "-",
                "anggota": [{
                    "nik": m.nik or "", "nama": m.name, "jk": m.sex,
                    "lahir": ", ".join(p for p in (m.birth_place or "",
                                                   short_date(m.birth_date)) if p),
                    "hubungan": _label(codes.Relationship, m.relationship_code),
                    "rincian": _member_details(m),
                } for m in people],
            })
            if progress and number % 100 == 0:
                progress.report(number, len(rows) * 3, _("Preparing the forms"))
        context["rumah_tangga"] = items
        return context

    def verval_forms(self, *, actor: Actor, cycle_id: str | None = None,
                     rt: str | None = None, rw: str | None = None, dusun: str | None = None,
                     entry_ids: list[str] | None = None, progress: Progress | None = None,
                     cancel: CancelToken | None = None,
                     area: tuple[str, str, str] | None = None) -> Document:
        """One PDF with a prefilled form per household, ordered by dusun/RW/RT."""
        template = self._template("verval")
        context = self.verval_context(actor=actor, cycle_id=cycle_id, rt=rt, rw=rw,
                                      dusun=dusun, entry_ids=entry_ids, progress=progress,
                                      cancel=cancel, area=area)
        self._check(template, context)
        count = len(context["rumah_tangga"])
        reference = f"{context['siklus.nama']}" + (f" RT {rt}" if rt else "") + (
            f" {area[0] or '-'} RW {area[1] or '-'} RT {area[2] or '-'}" if area else "")
        message = _("Drawing the forms")

        def step(done: int) -> None:
            if cancel:
                cancel.raise_if_cancelled()
            if progress and done % 20 == 0:
                progress.report(count + 2 * done, count * 3, message)

        rendered = render(template, context, step=step,
                          footer=self._footer(actor, template.title, reference, True))
        log_id = self._log(actor, "verval", template.title, reference, rendered.pages,
                           rendered.pdf)
        # named by what it holds: the cycle's period and the area chosen
        where_dusun, where_rw, where_rt = area if area else (dusun, rw, rt)
        filename = safe_name("verval", context["siklus.periode"], where_dusun,
                             f"RW{where_rw}" if where_rw else None,
                             f"RT{where_rt}" if where_rt else None) + ".pdf"
        return Document(rendered.pdf, rendered.pages, template.title, filename, None, log_id)

    # -- berita acara ------------------------------------------------------------

    def berita_acara_context(self, *, actor: Actor, cycle_id: str | None = None
                             ) -> dict[str, Any]:
        """The fields of the musdes berita acara of a cycle; refused with what to fix
        when the musdes is not recorded yet."""
        require(actor, Permission.VIEW_REGISTRY)
        verval = self._verval
        cycle = verval.cycle(cycle_id, actor=actor)
        musdes = verval.musdes(cycle.id, actor=actor)
        if musdes is None:
            raise PrintBlocked([PrintProblem(_("musdes"), _(
                "No musdes is recorded for {cycle}. Record the date, place and attendees "
                "first (Verval → Musdes).").format(cycle=cycle.name))])
        rows = verval.entries(actor=actor, cycle_id=cycle.id)
        decided = [r for r in rows if r.decision]
        counts: dict[str, int] = {}
        for r in decided:
            counts[r.decision] = counts.get(r.decision, 0) + 1
        context = self.village()
        context.update({
            "siklus.nama": cycle.name, "siklus.nama_kop": cycle.name.upper(),
            "siklus.periode": cycle.period, "siklus.jumlah": str(len(rows)),
            "musdes.hari": day_name(musdes.held_on),
            "musdes.tanggal": long_date(musdes.held_on),
            "musdes.tanggal_huruf": date_in_words(musdes.held_on),
            "musdes.tempat": musdes.place,
            "musdes.agenda": musdes.agenda or f"pembahasan hasil {cycle.name}",
            "musdes.jumlah_hadir": str(len(musdes.attendees)),
            "musdes.notulen": musdes.notulen or "", "musdes.ketua_bpd": musdes.ketua_bpd or "",
            "musdes.catatan": musdes.note or "",
            "surat.nomor": "",
            "rekap": [{"keputusan": MusdesDecision.label_of(code), "jumlah": str(counts[code])}
                      for code in (d.value for d in MusdesDecision) if code in counts]
            + ([{"keputusan": "Belum diputuskan (belum dikunjungi atau ditunda)",
                 "jumlah": str(len(rows) - len(decided))}] if len(rows) > len(decided) else []),
            "bnba": [{"no_kk": r.no_kk or "", "nik": r.head_nik or "",
                      "nama": r.head_name or "",
                      "alamat": _area(r), "hasil": VervalResult.label_of(r.result)
                      if r.result else "Belum dikunjungi",
                      "keputusan": MusdesDecision.label_of(r.decision),
                      "keterangan": r.decision_note or ""}
                     for r in sorted(decided, key=lambda r: (
                         [d.value for d in MusdesDecision].index(r.decision),
                         r.dusun or "", r.rw or "", r.rt or "", r.head_name or ""))],
            "hadir": [{"nama": a.name, "jabatan": a.position or ""}
                      for a in musdes.attendees],
        })
        return context

    def berita_acara(self, *, actor: Actor, cycle_id: str | None = None) -> Document:
        """The berita acara with BNBA (Lampiran I) and daftar hadir (Lampiran II).

        The first print takes a number from the register; a reprint keeps that
        number and is marked SALINAN.
        """
        require(actor, Permission.EDIT_REGISTRY)
        context = self.berita_acara_context(actor=actor, cycle_id=cycle_id)
        verval = self._verval
        cycle = verval.cycle(cycle_id, actor=actor)
        musdes = verval.musdes(cycle.id, actor=actor)
        with self._db.read() as s:
            anchor = audit.head(s)
        return self.numbered_letter(
            actor=actor, template_name="berita_acara", context=context,
            letter_type="berita_acara", subject=cycle.name, entity="musdes",
            entity_id=musdes.id, letter_id=musdes.letter_id,
            link=lambda s, issued: verval.link_letter(s, cycle.id, issued),
            filename=lambda number: safe_name("berita-acara", cycle.period) + ".pdf",
            anchor=_anchor_line(anchor))

    def numbered_letter(self, *, actor: Actor, template_name: str, context: dict[str, Any],
                        letter_type: str, subject: str, entity: str, entity_id: str,
                        letter_id: str | None, link, filename,
                        anchor: str = "") -> Document:
        """Print a letter that is numbered once: the first print takes a number from
        the register (after a trial render, so a letter that cannot print takes no
        number), ``link(session, letter_id)`` records it on its record and returns the
        number in force; a reprint keeps that number and is marked SALINAN.
        ``filename(number)`` names the file; the context's ``surat.nomor`` is filled."""
        from ..models import Letter
        template = self._template(template_name)
        context = dict(context, **{"surat.nomor": "…"})
        self._check(template, context)
        watermark = None
        letter = None
        number = None
        if letter_id:
            with self._db.read() as s:
                letter = s.get(Letter, letter_id)
                if letter is not None and letter.status == codes.LetterStatus.VOID.value:
                    letter = None  # voided: the letter is numbered again
                number = letter.number_text if letter is not None else None
        if letter is not None:
            watermark = "SALINAN"  # what was sent stays what it said: this is a copy
        else:
            render(template, context)  # trial: nothing may fail after the number is taken
            issued = self.letters.issue(actor=actor, letter_type=letter_type,
                                        subject=subject, entity=entity, entity_id=entity_id)
            number = issued.text
            with self._db.write() as s:
                in_force = link(s, issued.id)
                if in_force != issued.id:
                    # another operator numbered it at the same moment: theirs stands,
                    # ours stays in the register as void (no gap) and this is a copy
                    row = s.get(Letter, issued.id)
                    row.status, row.void_reason = codes.LetterStatus.VOID.value, _(
                        "printed twice at the same moment; the other number stands")
                    audit.append(s, actor, "update", [Change("letter", row.id, "status",
                                                             "issued", "void")],
                                 row.void_reason)
                    number = s.get(Letter, in_force).number_text
                    watermark = "SALINAN"
        context["surat.nomor"] = number
        rendered = render(template, context, watermark=watermark,
                          footer=self._footer(actor, template.title, number, False),
                          anchor=anchor)
        log_id = self._log(actor, letter_type, template.title, number, rendered.pages,
                           rendered.pdf)
        return Document(rendered.pdf, rendered.pages, template.title, filename(number),
                        number, log_id)

    def report(self, *, actor: Actor, template_name: str, context: dict[str, Any],
               kind: str, reference: str | None, filename: str, cells: int | None = None,
               item_word: str | None = None) -> Document:
        """Print an unnumbered document (a report, a list, stickers): preflight, render
        with the print footer, and a line in the print log.  ``cells``: a template
        designed as a small page, that many to a sheet (printing/sheets.py)."""
        template = self._template(template_name)
        self._check(template, context, item_word)
        footer = self._footer(actor, template.title, reference, False)
        rendered = (render_sheets(template, context, cells=cells, footer=footer) if cells
                    else render(template, context, footer=footer))
        log_id = self._log(actor, kind, template.title, reference, rendered.pages,
                           rendered.pdf)
        return Document(rendered.pdf, rendered.pages, template.title, filename, None, log_id)

    # -- SKTM ------------------------------------------------------------------------

    def sktm_context(self, *, actor: Actor, member_id: str, purpose: str) -> dict[str, Any]:
        """The fields of an SKTM (surat keterangan tidak mampu) for one resident."""
        require(actor, Permission.EDIT_REGISTRY)
        with self._db.read() as s:
            m = s.get(Member, member_id)
            if m is None or m.deleted_at is not None:
                raise NotFound(_("That resident is not in the registry (removed?)."))
            h = s.get(Household, m.household_id)
            if m.presence not in codes.LIVING:
                raise InvalidInput(_("{name} is recorded as {presence}; an SKTM is only "
                                     "given to a resident who lives here.").format(
                    name=m.name, presence=codes.Presence.label_of(m.presence).lower()))
            dtsen = f" (tercatat dalam DTSEN, desil {h.desil})" if h.desil else ""
            context = self.village()
            context.update({
                "warga.nama": m.name, "warga.nik": m.nik or "-", "warga.no_kk": h.no_kk or "-",
                "warga.lahir": ", ".join(p for p in (m.birth_place or "",
                                                     long_date(m.birth_date)) if p) or "-",
                "warga.jenis_kelamin": _label(codes.Sex, m.sex),
                "warga.agama": _label(codes.Religion, m.religion) or "-",
                "warga.status_kawin": _label(codes.MaritalStatus, m.marital_status) or "-",
                "warga.pekerjaan": m.occupation or "-",
                "warga.alamat": _area(h) or "-",
                "warga.dtsen": dtsen,
                "surat.nomor": "…", "surat.keperluan": (purpose or "").strip(),
            })
        return context

    def sktm(self, *, actor: Actor, member_id: str, purpose: str) -> Document:
        """A numbered SKTM for a resident."""
        if not (purpose or "").strip():
            raise PrintBlocked([PrintProblem(_("purpose"), _(
                "Fill in what the letter is for (keperluan), e.g. school fee relief."))])
        # the letter register keeps "SKTM: " and the purpose as its subject
        purpose = checked_text(_("Purpose"), purpose, PLACE_LIMIT - len("SKTM: "))
        template = self._template("sktm")
        context = self.sktm_context(actor=actor, member_id=member_id, purpose=purpose)
        self._check(template, context)
        render(template, context)  # trial: nothing may fail after the number is taken
        issued = self.letters.issue(actor=actor, letter_type="sktm",
                                    subject=f"SKTM: {context['surat.keperluan']}",
                                    entity="member", entity_id=member_id)
        context["surat.nomor"] = issued.text
        rendered = render(template, context,
                          footer=self._footer(actor, template.title, issued.text, False))
        log_id = self._log(actor, "sktm", template.title, issued.text, rendered.pages,
                           rendered.pdf)
        return Document(rendered.pdf, rendered.pages, template.title,
                        f"sktm-{issued.year}-{issued.number:03d}.pdf", issued.text, log_id)


def _anchor_line(anchor: audit.Anchor) -> str:
    """The audit anchor as a berita acara prints it: the head of the trail when it
    was printed, which ``puskesos db check --anchor`` compares with the history later
    (printouts are always Indonesian)."""
    return (f"Jangkar jejak audit {anchor.text} — bila riwayat data sebelum cetakan ini "
            f"diubah, 'puskesos db check --anchor {anchor.text}' melaporkannya.")

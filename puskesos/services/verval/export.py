"""The cycle's results as a workbook for the kabupaten (upload after the musdes)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ...core.codes import MusdesDecision, ProposalStatus, VervalMemberResult, VervalResult
from ...core.permissions import Permission
from ...formats.xlsx_write import Book, save_book, table_sheet
from ...models import Member, VervalMember
from .. import audit
from ..audit import Change
from ..context import Actor, require

#: columns written as text so that Excel never turns a NIK into 3.52E+15
_TEXT_HEADERS = {"No KK", "NIK", "NIK kepala keluarga", "ID keluarga"}


def _sheet(book: Book, title: str, headers: list[str], rows) -> int:
    return table_sheet(book, title, headers, rows, text_headers=_TEXT_HEADERS)


#: how the results workbook words a proposal's status
_PROPOSAL_WORDS = {ProposalStatus.DIUSULKAN.value: "Menunggu",
                   ProposalStatus.DISETUJUI.value: "Disetujui",
                   ProposalStatus.DITOLAK.value: "Ditolak"}


def export_results(services, *, actor: Actor, cycle_id: str | None, path: Path) -> int:
    """Write the results of a cycle; returns the number of households written."""
    require(actor, Permission.EXPORT)
    verval = services.verval
    cycle = verval.cycle(cycle_id, actor=actor)
    entries = verval.entries(actor=actor, cycle_id=cycle.id)
    officers = {o.id: o.name for o in services.officers.roster(include_inactive=True, actor=actor)}
    book = Book()
    count = _sheet(book, "Hasil keluarga", [
        "No urut", "ID keluarga", "No KK", "NIK kepala keluarga", "Nama kepala keluarga",
        "Dusun", "RW", "RT", "Alamat", "Kode hasil", "Hasil verval", "Tanggal kunjungan",
        "Petugas", "Catatan petugas", "Keputusan musdes", "Keterangan keputusan"],
        ([e.seq, e.household_id, e.no_kk, e.head_nik, e.head_name, e.dusun, e.rw, e.rt,
          e.address, e.result, VervalResult.label_of(e.result) if e.result else
          "Belum dikunjungi", e.visited_on, officers.get(e.officer_id, ""), e.note,
          MusdesDecision.label_of(e.decision) if e.decision else "", e.decision_note]
         for e in entries))
    seq = {e.id: e for e in entries}
    with services.db.read() as s:
        members = [(seq[v.entry_id].seq, seq[v.entry_id].no_kk, nik or v.nik, name or v.name,
                    v.result, VervalMemberResult.label_of(v.result), v.note)
                   for v, nik, name in s.execute(
                       select(VervalMember, Member.nik, Member.name)
                       .outerjoin(Member, Member.id == VervalMember.member_id)
                       .where(VervalMember.entry_id.in_(list(seq)))).all()] if seq else []
    _sheet(book, "Anggota", ["No urut", "No KK", "NIK", "Nama", "Kode keberadaan", "Keberadaan",
                           "Catatan"], sorted(members, key=lambda r: (r[0], r[3] or "")))
    proposals = verval.proposals(cycle_id=cycle.id, status=None, actor=actor)
    _sheet(book, "Perbaikan data", ["Nama kepala keluarga", "Untuk", "Isian", "Nilai lama",
                                  "Nilai baru", "Status", "Diusulkan oleh", "Diputuskan oleh"],
           ([p.head_name, p.target_name, p.field_label, p.old_value, p.new_value,
             _PROPOSAL_WORDS[p.status],
             p.proposed_by, p.decided_by] for p in proposals))
    musdes = verval.musdes(cycle.id, actor=actor)
    info = [["Siklus", cycle.name], ["Periode", cycle.period],
            ["Jumlah keluarga", cycle.households], ["Sudah dikunjungi", cycle.done]]
    if musdes:
        info += [["Tanggal musdes", musdes.held_on], ["Tempat", musdes.place],
                 ["Jumlah hadir", len(musdes.attendees)]]
    _sheet(book, "Ringkasan", ["Keterangan", "Nilai"], info)
    save_book(book, path)
    with services.db.write() as s:
        audit.append(s, actor, "export", [Change("verval_cycle", cycle.id, "results", None,
                                                 count)], str(Path(path).name))
    return count

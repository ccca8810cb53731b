"""The monthly report for the Kepala Desa and the forum, and the surat rujukan.

The report counts the requests *received* in the month (drafts are not yet
received) and tells where each stands on the day it is printed: solved in the
village, referred, the service's outcome, cancelled, or still open; and the
median days from receipt to close of those closed.  By category and by dusun,
as a PDF (with a bar chart) and a workbook.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ...core import referrals as rules
from ...core.bahasa import MONTHS, long_date, short_date
from ...core.codes import ReferralCategory, ReferralChannel, ReferralStatus, ReferralUrgency
from ...core.permissions import Permission
from ...errors import InvalidInput
from ...files import safe_name
from ...formats.xlsx_write import Book, save_book, table_sheet
from ...i18n import _
from ...models import Household, Referral, ReferralEvent
from .. import audit
from ..letters import keep_first_letter
from ..audit import Change
from ..context import Actor, require
from .common import get_referral, letter_numbers, to_row, village_writes
from .dto import MonthlyReport, Tally

S = ReferralStatus
NO_DUSUN = "(tanpa dusun)"


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last day of a month; a month that is not one is refused."""
    if not (1 <= month <= 12) or not (2000 <= year <= 2100):
        raise InvalidInput(_("Give the month as YYYY-MM, e.g. 2026-11."))
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def parse_month(text: str | None, today: date | None = None) -> tuple[int, int]:
    """``YYYY-MM`` as (year, month); empty means this month."""
    today = today or date.today()
    if not text:
        return today.year, today.month
    try:
        year, month = (int(p) for p in text.strip().split("-"))
    except ValueError:
        raise InvalidInput(_("Give the month as YYYY-MM, e.g. 2026-11.")) from None
    month_bounds(year, month)
    return year, month


def _tally(name: str, referrals: list[Referral], referred: set[str]) -> Tally:
    counts: dict[str, int] = defaultdict(int)
    for r in referrals:
        counts[r.status] += 1
    closed = [(r.received_on, r.closed_on) for r in referrals
              if r.closed_on and r.status in {s.value for s in rules.CLOSED}
              and r.status != S.DIBATALKAN.value]
    return Tally(
        name=name, received=len(referrals),
        solved_in_village=counts[S.SELESAI_DI_DESA.value],
        referred=sum(1 for r in referrals if r.id in referred),
        done=counts[S.SELESAI.value], rejected=counts[S.DITOLAK.value],
        cannot=counts[S.TIDAK_DAPAT_DITINDAKLANJUTI.value],
        cancelled=counts[S.DIBATALKAN.value],
        still_open=sum(1 for r in referrals if rules.is_open(r.status)),
        median_days=rules.median_days(closed))


class ReportOps:
    """The report part of :class:`~puskesos.services.referrals.ReferralService`."""

    def monthly_report(self, *, actor: Actor, year: int, month: int,
                       today: date | None = None) -> MonthlyReport:
        """The month's figures: received, solved in the village, referred, outcomes and
        median days to close, in all, by category and by dusun."""
        require(actor, Permission.VIEW_REGISTRY)
        first, last = month_bounds(year, month)
        today = today or date.today()
        with self._db.read() as s:
            rows = list(s.scalars(select(Referral).where(
                Referral.deleted_at.is_(None), Referral.status != S.DRAFT.value,
                Referral.received_on >= first, Referral.received_on <= last)
                .order_by(Referral.received_on, Referral.created_at)))
            ids = [r.id for r in rows]
            referred: set[str] = set()
            for start in range(0, len(ids), 500):
                referred.update(s.scalars(select(ReferralEvent.referral_id).where(
                    ReferralEvent.referral_id.in_(ids[start:start + 500]),
                    ReferralEvent.to_status == S.DIRUJUK.value)))
            numbers = letter_numbers(s, rows)
            listed = tuple(to_row(r, actor, today, numbers) for r in rows)
            by_category = tuple(_tally(c.label, [r for r in rows if r.category == c.value],
                                       referred) for c in ReferralCategory)
            dusun_names = sorted({r.dusun or NO_DUSUN for r in rows},
                                 key=lambda d: (d == NO_DUSUN, d.lower()))
            by_dusun = tuple(_tally(d, [r for r in rows if (r.dusun or NO_DUSUN) == d],
                                    referred) for d in dusun_names)
            total = _tally("Jumlah", rows, referred)
        return MonthlyReport(year, month, total, by_category, by_dusun, listed)

    # -- the report as a document -------------------------------------------------------

    def _report_context(self, report: MonthlyReport) -> dict[str, Any]:
        def figures(t: Tally) -> dict[str, str]:
            days = "-" if t.median_days is None else f"{t.median_days:g}".replace(".", ",")
            return {"nama": t.name, "diterima": str(t.received),
                    "selesai_desa": str(t.solved_in_village), "dirujuk": str(t.referred),
                    "selesai": str(t.done), "ditolak": str(t.rejected),
                    "tidak_dapat": str(t.cannot), "batal": str(t.cancelled),
                    "proses": str(t.still_open), "median": days}
        month = f"{MONTHS[report.month - 1]} {report.year}"
        context = self._documents.village()
        context.update({
            "rekap.bulan": month, "rekap.bulan_kop": month.upper(),
            "rekap.per_tanggal": long_date(date.today()),
            "rekap.jumlah": figures(report.total),
            "kategori": [figures(t) for t in report.by_category] + [figures(report.total)],
            "kategori_ada": [figures(t) for t in report.by_category if t.received],
            "dusun": [figures(t) for t in report.by_dusun]
            + ([figures(report.total)] if len(report.by_dusun) > 1 else []),
            "daftar": [{"kode": r.tracking_code, "tanggal": short_date(r.received_on),
                        "nama": r.person_name,
                        "kategori": ReferralCategory.label_of(r.category),
                        "dusun": r.dusun or "-", "layanan": r.target_service or "-",
                        "status": ReferralStatus.label_of(r.status)} for r in report.rows],
            # an empty month's lists still know their columns (the preflight checks them)
            "_row_keys": {"daftar": ("kode", "tanggal", "nama", "kategori", "dusun", "layanan",
                                     "status"), "dusun": tuple(figures(report.total)),
                          "kategori_ada": tuple(figures(report.total))},
        })
        for key, value in figures(report.total).items():
            context[f"jumlah.{key}"] = value
        return context

    def monthly_pdf(self, *, actor: Actor, year: int, month: int):
        """The monthly report as a PDF (``Document``), with a bar chart by category."""
        report = self.monthly_report(actor=actor, year=year, month=month)
        context = self._report_context(report)
        return self._documents.report(
            actor=actor, template_name="rekap_rujukan", context=context, kind="rekap_rujukan",
            reference=context["rekap.bulan"],
            filename=safe_name("rekap-rujukan", f"{year}-{month:02d}") + ".pdf")

    def monthly_xlsx(self, *, actor: Actor, year: int, month: int, path: Path | str) -> Path:
        """The monthly report as a workbook: summary by category and by dusun, and the
        list of the month's referrals."""
        require(actor, Permission.EXPORT)
        report = self.monthly_report(actor=actor, year=year, month=month)
        headers = ["", "Diterima", "Selesai di desa", "Dirujuk", "Selesai", "Ditolak",
                   "Tidak dapat ditindaklanjuti", "Dibatalkan", "Masih berjalan",
                   "Median hari sampai selesai"]

        def line(t: Tally) -> list:
            return [t.name, t.received, t.solved_in_village, t.referred, t.done, t.rejected,
                    t.cannot, t.cancelled, t.still_open, t.median_days]
        book = Book()
        table_sheet(book, "Per kategori", ["Kategori"] + headers[1:],
                    [line(t) for t in report.by_category] + [line(report.total)])
        table_sheet(book, "Per dusun", ["Dusun"] + headers[1:],
                    [line(t) for t in report.by_dusun] + [line(report.total)])
        table_sheet(book, "Daftar rujukan", [
            "Kode lacak", "Tanggal diterima", "Nama", "NIK", "Kategori", "Urgensi", "Dusun",
            "Layanan tujuan", "Nomor surat", "Status", "Tindak lanjut"],
            ([r.tracking_code, r.received_on, r.person_name, r.person_nik,
              ReferralCategory.label_of(r.category), ReferralUrgency.label_of(r.urgency),
              r.dusun, r.target_service, r.letter_number, ReferralStatus.label_of(r.status),
              r.follow_up_on] for r in report.rows), text_headers={"NIK"})
        save_book(book, path)
        with self._db.write() as s:
            audit.append(s, actor, "export", [Change("referral", None, "monthly_report", None,
                                                     len(report.rows))],
                         f"{year}-{month:02d} {Path(path).name}")
        return Path(path)

    # -- the surat rujukan ---------------------------------------------------------------

    def letter_context(self, *, actor: Actor, referral_id: str) -> dict[str, Any]:
        """The fields of the surat rujukan of a referral (refused before it is referred)."""
        village_writes(self._db, actor)
        with self._db.read() as s:
            r = get_referral(s, referral_id)
            sent = letter_numbers(s, [r]).get(r.letter_id or "")
            if sent and r.letter_snapshot:
                # a reprint says what the letter said when it was sent
                return dict(r.letter_snapshot)
            if not sent and (not r.target_service or r.status not in (
                    S.DIRUJUK.value, S.DITERIMA.value, S.DIPROSES.value)):
                raise InvalidInput(_("A surat rujukan is printed once the request is referred "
                                     "to a service (Rujuk…), while it is open; this one is "
                                     "'{status}'.").format(
                    status=ReferralStatus.label_of(r.status)))
            h = s.get(Household, r.household_id) if r.household_id else None
            documents = r.documents or []
            context = self._documents.village()
            dtsen = "-"
            if h is not None and (h.dtsen_id or h.desil):
                dtsen = " · ".join(p for p in (f"ID DTSEN {h.dtsen_id}" if h.dtsen_id else "",
                                               f"desil {h.desil}" if h.desil else "") if p)
            elif h is not None:
                dtsen = "Belum terdaftar dalam DTSEN"
            context.update({
                "surat.nomor": "…", "rujukan.kode": r.tracking_code,
                "rujukan.qr": rules.qr_payload(r.id, r.tracking_code),
                "rujukan.tujuan": r.target_service,
                "rujukan.perihal": f"Rujukan Layanan {ReferralCategory.label_of(r.category)}",
                "rujukan.kategori": ReferralCategory.label_of(r.category),
                "rujukan.urgensi": ReferralUrgency.label_of(r.urgency),
                "rujukan.saluran": ReferralChannel.label_of(r.channel),
                "rujukan.tanggal_diterima": long_date(r.received_on),
                "rujukan.permasalahan": r.description,
                "rujukan.layanan": r.service_requested or "-",
                "rujukan.tindakan": r.action_taken or "-",
                "warga.nama": r.person_name,
                "warga.nik": r.person_nik or f"- ({r.nik_absent_reason or 'tidak ada'})",
                "warga.no_kk": (h.no_kk if h is not None and h.no_kk else "-"),
                "warga.lahir": long_date(r.person_birth_date) if r.person_birth_date else "-",
                "warga.alamat": r.person_address or "-",
                "warga.telepon": r.phone or "-",
                "warga.dtsen": dtsen,
                "lampiran": [{"nama": d.get("name", ""),
                              "ada": "Ada" if d.get("present") else "Belum ada"}
                             for d in documents],
                "lampiran.jumlah": str(sum(1 for d in documents if d.get("present"))) or "-",
                "_row_keys": {"lampiran": ("nama", "ada")},
            })
        return context

    def print_letter(self, *, actor: Actor, referral_id: str):
        """The surat rujukan (``Document``): numbered from the letter register the first
        time, with its tracking code and a QR code; a reprint is a SALINAN with the
        same number."""
        context = self.letter_context(actor=actor, referral_id=referral_id)
        with self._db.read() as s:
            r = get_referral(s, referral_id)
            letter_id, code = r.letter_id, r.tracking_code

        def link(s, issued_id: str) -> str:
            row = get_referral(s, referral_id, lock=True)
            before = row.letter_id
            if keep_first_letter(s, row, issued_id) != issued_id:
                return row.letter_id
            audit.append(s, actor, "update", [Change("referral", row.id, "letter_id",
                                                     before, issued_id)], None)
            row.letter_snapshot = {k: v for k, v in context.items() if k != "surat.nomor"}
            return issued_id

        return self._documents.numbered_letter(
            actor=actor, template_name="rujukan", context=context, letter_type="rujukan",
            subject=f"Rujukan {code} ke {context['rujukan.tujuan']}", entity="referral",
            entity_id=referral_id, letter_id=letter_id, link=link,
            filename=lambda number: safe_name("surat-rujukan", code) + ".pdf")

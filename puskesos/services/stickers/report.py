"""The rekap of a campaign: each outcome counted (a household's latest), those not
visited yet and the progress, in all, by dusun and RT and by program — PDF with a
chart (forms/rekap_stiker.toml) and a workbook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ...core.bahasa import long_date
from ...core.codes import StickerOutcome
from ...core.permissions import Permission
from ...files import safe_name
from ...formats.xlsx_write import Book, save_book, table_sheet
from .. import audit
from ..audit import Change
from ..context import Actor, require

#: the outcomes in the order the rekap shows them, then "not visited yet"
ORDER = tuple(o.value for o in StickerOutcome)
NOT_VISITED = "belum"


@dataclass(frozen=True)
class RekapLine:
    """One group's figures: households, per outcome, not visited, progress (0–100)."""

    name: str
    households: int
    outcomes: dict[str, int]
    not_visited: int
    progress: float


def _line(name: str, rows) -> RekapLine:
    counts = {code: 0 for code in ORDER}
    for r in rows:
        if r.outcome:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
    visited = sum(counts.values())
    total = len(rows)
    return RekapLine(name, total, counts, total - visited,
                     round(100 * visited / total, 1) if total else 0.0)


class ReportOps:
    """The rekap part of :class:`~puskesos.services.stickers.StickerService`."""

    def rekap(self, *, actor: Actor, campaign_id: str | None = None
              ) -> tuple[Any, RekapLine, list[RekapLine], list[RekapLine]]:
        """(campaign, all, by dusun and RT, by program) of a campaign's outcomes."""
        require(actor, Permission.VIEW_REGISTRY)
        campaign = self.campaign(campaign_id, actor=actor)
        rows = self.targets(actor=actor, campaign_id=campaign.id)
        areas: dict[tuple[str, str], list] = {}
        for r in rows:
            areas.setdefault((r.dusun or "-", r.rt or "-"), []).append(r)
        by_area = [_line(f"{dusun} RT {rt}", group) for (dusun, rt), group in
                   sorted(areas.items())]
        programs = sorted({p for r in rows for p in r.programs})
        by_program = [_line(p, [r for r in rows if p in r.programs]) for p in programs]
        return campaign, _line("Jumlah", rows), by_area, by_program

    def _by_dusun(self, actor: Actor, campaign_id: str) -> list[RekapLine]:
        rows = self.targets(actor=actor, campaign_id=campaign_id)
        names = sorted({r.dusun or "-" for r in rows})
        return [_line(d, [r for r in rows if (r.dusun or "-") == d]) for d in names]

    def _rekap_context(self, actor: Actor, campaign_id: str | None) -> dict[str, Any]:
        campaign, total, by_area, by_program = self.rekap(actor=actor, campaign_id=campaign_id)

        def figures(line: RekapLine) -> dict[str, str]:
            out = {"nama": line.name, "keluarga": str(line.households),
                   "belum": str(line.not_visited),
                   "kemajuan": f"{line.progress:g}".replace(".", ",") + "%"}
            out.update({code: str(n) for code, n in line.outcomes.items()})
            out["ditolak_mundur"] = str(line.outcomes.get("ditolak", 0)
                                        + line.outcomes.get("mundur", 0))
            return out
        keys = tuple(figures(total))
        context = self._documents.village()
        context.update({
            "kampanye.nama": campaign.name, "kampanye.kode": campaign.code,
            "kampanye.dasar": campaign.legal_basis or "-",
            "rekap.per_tanggal": long_date(date.today()),
            "jumlah": figures(total),
            "wilayah": [figures(x) for x in by_area] + [figures(total)],
            "program": [figures(x) for x in by_program],
            "_row_keys": {"wilayah": keys, "program": keys, "grafik": keys},
            "grafik": [figures(x) for x in self._by_dusun(actor, campaign.id)],
        })
        for key, value in figures(total).items():
            context[f"jumlah.{key}"] = value
        return context

    def rekap_pdf(self, *, actor: Actor, campaign_id: str | None = None):
        """The rekap as a PDF (``Document``) with a chart of the outcomes by area."""
        context = self._rekap_context(actor, campaign_id)
        return self._documents.report(
            actor=actor, template_name="rekap_stiker", context=context, kind="rekap_stiker",
            reference=context["kampanye.kode"],
            filename=safe_name("rekap-stiker", context["kampanye.kode"]) + ".pdf")

    def rekap_xlsx(self, *, actor: Actor, campaign_id: str | None = None,
                   path: Path | str) -> Path:
        """The rekap as a workbook: by dusun and RT, by program, and every household."""
        require(actor, Permission.EXPORT)
        campaign, total, by_area, by_program = self.rekap(actor=actor, campaign_id=campaign_id)
        labels = [StickerOutcome.label_of(code) for code in ORDER]
        headers = ["Keluarga", *labels, "Belum dikunjungi", "Kemajuan (%)"]

        def line(x: RekapLine) -> list:
            return [x.name, x.households, *(x.outcomes[c] for c in ORDER), x.not_visited,
                    x.progress]
        book = Book()
        table_sheet(book, "Per wilayah", ["Dusun dan RT", *headers],
                    [line(x) for x in by_area] + [line(total)])
        table_sheet(book, "Per program", ["Program", *headers], [line(x) for x in by_program])
        table_sheet(book, "Keluarga", ["Nomor stiker", "Kepala keluarga", "Dusun", "RW", "RT",
                                       "Alamat", "Bantuan", "Hasil terakhir", "Waktu",
                                       "Kunjungan"],
                    ([r.serial_text, r.head_name, r.dusun, r.rw, r.rt, r.address,
                      ", ".join(r.programs), StickerOutcome.label_of(r.outcome) or
                      "Belum dikunjungi", r.outcome_at.replace(tzinfo=None)
                      if r.outcome_at else None, r.visits]
                     for r in self.targets(actor=actor, campaign_id=campaign.id)))
        save_book(book, path)
        with self._db.write() as s:
            audit.append(s, actor, "export", [Change("sticker_campaign", campaign.id,
                                                     "rekap", None, total.households)],
                         Path(path).name)
        return Path(path)

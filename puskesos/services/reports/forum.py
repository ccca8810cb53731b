"""The forum report (``report sasaran``): the dashboard's figures of an area for the
kabupaten's TKPK forum, as a PDF with its charts (forms/laporan_sasaran.toml, with
the village's letterhead) and as a workbook (summary, by area, by program, flags by
kind).  Counts only: the report names nobody, so it holds no NIK."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from ...core.bahasa import long_date
from ...core.permissions import Permission
from ...core.targeting import FlagKind, ProgramKind, ProgramSource
from ...errors import InvalidInput
from ...files import safe_name
from ...formats.xlsx_write import Book, save_book, table_sheet
from ...i18n import _
from .. import audit
from ..audit import Change
from ..context import Actor, require
from .dto import DESILS, FLAG_KINDS, KINDS, Area, AreaLine, Dashboard

TEMPLATE = "laporan_sasaran"


def _percent(value: float) -> str:
    return f"{value:g}".replace(".", ",") + "%"


def extreme_words(extreme_desil: int) -> str:
    """"desil 1" or "desil 1–2": the extreme poor as the report names them."""
    return "desil 1" if extreme_desil == 1 else f"desil 1–{extreme_desil}"


def _line(x: AreaLine, name: str | None = None) -> dict[str, str]:
    out = {"nama": name or x.name, "keluarga": str(x.households), "jiwa": str(x.members),
           "desil_1_4": str(sum(x.by_desil[:4])), "tanpa_desil": str(x.by_desil[10]),
           "ekstrem": str(x.extreme), "ekstrem_menerima": str(x.extreme_covered),
           "ekstrem_belum": str(x.extreme_uncovered), "cakupan": _percent(x.coverage),
           "penerima": str(x.reached), "tanda": str(x.flags)}
    out.update({kind: str(x.by_kind.get(kind, 0)) for kind in KINDS})
    return out


def forum_context(board: Dashboard, village: dict[str, Any]) -> dict[str, Any]:
    """The fields of the forum report's template from the dashboard (Indonesian)."""
    total = board.total
    context = dict(village)
    desil_rows = [{"nama": f"Desil {d}", "keluarga": str(total.by_desil[d - 1])}
                  for d in DESILS] + [{"nama": "Tanpa desil",
                                       "keluarga": str(total.by_desil[10])}]
    # the extreme poor's chart by dusun (by RT within a dusun or an RW)
    parts = board.by_dusun if board.area.whole else board.by_area
    extreme_rows = [{"nama": x.name, "menerima": str(x.extreme_covered),
                     "belum": str(x.extreme_uncovered)} for x in parts]
    kind_rows = [{"nama": ProgramKind.label_of(k), "semua": str(total.by_kind.get(k, 0)),
                  "ekstrem": str(board.extreme_by_kind.get(k, 0))} for k in KINDS]
    flag_rows = [{"nama": FlagKind.label_of(k), "tanda": str(board.flags[k]),
                  "keluarga": "-" if k == FlagKind.NOT_IN_REGISTRY.value
                  else str(board.flag_households[k])} for k in FLAG_KINDS]
    program_rows = [{"kode": p.code, "nama": p.name, "jenis": ProgramKind.label_of(p.kind)
                     or "-", "sumber": ProgramSource.label_of(p.source) or "-",
                     "keluarga": str(p.households), "ekstrem": str(p.extreme)}
                    for p in board.programs]
    line_keys = tuple(_line(total))
    summary = _line(total, board.area.words())
    summary["tanda"] = str(sum(board.flags.values()))
    context.update({
        "wilayah.nama": board.area.words(),
        "wilayah.nama_kop": board.area.words().upper(),
        "laporan.per_tanggal": long_date(board.on),
        "aturan.desil_ekstrem": extreme_words(board.extreme_desil),
        "desil": desil_rows, "ekstrem_grafik": extreme_rows, "jenis": kind_rows,
        "tanda_grafik": flag_rows, "tanda": flag_rows, "program": program_rows,
        "wilayah": [_line(x) for x in board.by_area] + [_line(total, "Jumlah")],
        "_row_keys": {"desil": ("nama", "keluarga"),
                      "ekstrem_grafik": ("nama", "menerima", "belum"),
                      "jenis": ("nama", "semua", "ekstrem"),
                      "tanda_grafik": ("nama", "tanda", "keluarga"),
                      "tanda": ("nama", "tanda", "keluarga"),
                      "program": ("kode", "nama", "jenis", "sumber", "keluarga", "ekstrem"),
                      "wilayah": line_keys},
    })
    for key, value in summary.items():
        context[f"jumlah.{key}"] = value
    v = board.vulnerable
    context.update({"rentan.yatim": str(v.orphans),
                    "rentan.yatim_tanpa_asuh": str(v.orphans_unsponsored),
                    "rentan.orang_tua_asuh": str(v.sponsors),
                    "rentan.tempat_kosong": str(v.places_free),
                    "rentan.lansia_sendiri": str(v.elderly_alone),
                    "rentan.disabilitas_berat": str(v.severe)})
    return context


def _held(board: Dashboard) -> Dashboard:
    """The dashboard of an area that holds households (a mistyped dusun would print an
    empty report without a word)."""
    if not board.area.whole and not board.total.households:
        raise InvalidInput(_("No household is recorded in {area}: check how the dusun, "
                             "RW and RT are written in the registry.").format(
            area=board.area.words()))
    return board


class ForumOps:
    """The forum report part of :class:`~puskesos.services.reports.ReportService`."""

    def forum_pdf(self, *, actor: Actor, area: Area = Area(), today: date | None = None):
        """The forum report of ``area`` as a PDF (``Document``): the figures in words,
        charts of the households by desil, the extreme poor covered and not, the
        households reached by each kind of program and the open flags by kind, then
        the tables by dusun and RT, by program and by flag; the village's letterhead
        and signatures."""
        board = _held(self.dashboard(actor=actor, area=area, today=today))
        context = forum_context(board, self._documents.village())
        return self._documents.report(
            actor=actor, template_name=TEMPLATE, context=context, kind=TEMPLATE,
            reference=board.area.words(),
            filename=safe_name("laporan-sasaran", None if area.whole else area.words(),
                               board.on.isoformat()) + ".pdf")

    def forum_xlsx(self, *, actor: Actor, path: Path | str, area: Area = Area(),
                   today: date | None = None) -> Path:
        """The forum report of ``area`` as a workbook, written whole or not at all:
        "Ringkasan" (the summary), "Per wilayah" (by dusun and RT), "Per program",
        "Tanda per jenis"."""
        require(actor, Permission.EXPORT)
        board = _held(self.dashboard(actor=actor, area=area, today=today))
        total = board.total
        kinds = [ProgramKind.label_of(k) for k in KINDS]
        book = Book()
        summary = [
            ("Wilayah", board.area.words()),
            ("Keadaan pada", board.on),
            ("Keluarga", total.households),
            ("Jiwa", total.members),
            *((f"Keluarga desil {d}", total.by_desil[d - 1]) for d in DESILS),
            ("Keluarga tanpa desil", total.by_desil[10]),
            (f"Miskin ekstrem ({extreme_words(board.extreme_desil)})", total.extreme),
            ("Miskin ekstrem menerima program", total.extreme_covered),
            ("Miskin ekstrem belum menerima program", total.extreme_uncovered),
            ("Cakupan miskin ekstrem (%)", total.coverage),
            ("Keluarga penerima program", total.reached),
            *((f"Penerima: {label}", total.by_kind.get(k, 0)) for k, label in
              zip(KINDS, kinds)),
            *((f"Miskin ekstrem penerima: {label}", board.extreme_by_kind.get(k, 0))
              for k, label in zip(KINDS, kinds)),
            ("Tanda terbuka", sum(board.flags.values())),
            ("Anak yatim, piatu, yatim piatu", board.vulnerable.orphans),
            ("Anak yatim belum memiliki orang tua asuh", board.vulnerable.orphans_unsponsored),
            ("Orang tua asuh", board.vulnerable.sponsors),
            ("Tempat anak asuh yang masih kosong", board.vulnerable.places_free),
            ("Lansia tinggal sendiri", board.vulnerable.elderly_alone),
            ("Penyandang disabilitas berat", board.vulnerable.severe),
        ]
        table_sheet(book, "Ringkasan", ["Ukuran", "Nilai"], summary)

        def line(x: AreaLine, name: str | None = None) -> list:
            return [name or x.dusun or "-", (x.rw or "-") if name is None else "",
                    (x.rt or "-") if name is None else "", x.households, x.members,
                    *x.by_desil, x.extreme, x.extreme_covered, x.extreme_uncovered,
                    x.coverage, x.reached, *(x.by_kind.get(k, 0) for k in KINDS), x.flags]
        table_sheet(book, "Per wilayah", [
            "Dusun", "RW", "RT", "Keluarga", "Jiwa", *(f"Desil {d}" for d in DESILS),
            "Tanpa desil", "Miskin ekstrem", "Ekstrem menerima", "Ekstrem belum menerima",
            "Cakupan ekstrem (%)", "Keluarga penerima", *kinds, "Tanda terbuka"],
            [line(x) for x in board.by_area] + [line(total, "Jumlah")],
            text_headers={"RW", "RT"})
        table_sheet(book, "Per program", ["Kode", "Program", "Jenis", "Sumber",
                                          "Keluarga penerima", "Di antaranya miskin ekstrem"],
                    ([p.code, p.name, ProgramKind.label_of(p.kind) or "-",
                      ProgramSource.label_of(p.source) or "-", p.households, p.extreme]
                     for p in board.programs))
        table_sheet(book, "Tanda per jenis", ["Jenis tanda", "Kode", "Tanda terbuka",
                                              "Keluarga"],
                    ([FlagKind.label_of(k), k, board.flags[k],
                      None if k == FlagKind.NOT_IN_REGISTRY.value
                      else board.flag_households[k]] for k in FLAG_KINDS))
        save_book(book, path)
        with self._db.write() as s:
            audit.append(s, actor, "export", [Change("report", None, "sasaran", None,
                                                     total.households)],
                         f"{board.area.words()} {Path(path).name}")
        return Path(path)


__all__ = ["ForumOps", "TEMPLATE", "extreme_words", "forum_context"]

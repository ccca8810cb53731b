"""The columns of the registry spreadsheets: canonical headers and their synonyms.

Every office names its columns differently; a header is matched to a field
by comparing its *folded* form (upper case, only letters and digits) with
the folded synonyms below.  Exports write the canonical header, so an
exported file is always recognised when it is imported again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..i18n import in_language
from .questions import QUESTIONS


@dataclass(frozen=True)
class Column:
    key: str                 # field key used by the importer
    header: str              # canonical header written by exports
    synonyms: tuple[str, ...]
    text: bool = False       # written as text ('@'): identifiers, codes with zeros


COLUMNS: tuple[Column, ...] = (
    Column("dtsen_id", "ID DTSEN", ("ID DTSEN", "IDDTSEN", "ID DTKS", "IDDTKS", "ID BDT",
                                    "IDBDT", "ID SEMESTA", "IDSEMESTA", "ID KELUARGA"), text=True),
    Column("no_kk", "No KK", ("No KK", "NO. KK", "NOMOR KK", "NOMOR KARTU KELUARGA", "NO KARTU "
                              "KELUARGA", "NOKK", "KK"), text=True),
    Column("nik", "NIK", ("NIK", "NO. NIK", "NO NIK", "NOMOR NIK", "NOMOR INDUK KEPENDUDUKAN",
                          "NIK ART", "NIK ANGGOTA", "NIK KTP", "NO KTP", "NOMOR KTP"),
           text=True),
    Column("name", "Nama", ("Nama", "NAMA LENGKAP", "NAMA ART", "NAMA ANGGOTA", "NAMA PENERIMA",
                            "NAMA KPM", "NAMA PENDUDUK")),
    Column("sex", "Jenis Kelamin", ("Jenis Kelamin", "JK", "L/P", "KELAMIN", "SEX",
                                    "JENIS KELAMIN L/P")),
    Column("birth_place", "Tempat Lahir", ("Tempat Lahir", "TMP LAHIR", "TEMPAT LHR")),
    Column("birth_date", "Tanggal Lahir", ("Tanggal Lahir", "TGL LAHIR", "TGL. LAHIR",
                                           "TANGGAL LHR", "TGL LHR", "TANGGAL KELAHIRAN")),
    Column("relationship", "Hubungan", ("Hubungan", "HUBUNGAN KELUARGA", "HUBUNGAN DENGAN KK",
                                        "HUBUNGAN DGN KK", "HUB KEL", "SHDK",
                                        "HUBUNGAN DENGAN KEPALA KELUARGA", "STATUS HUBUNGAN")),
    Column("address", "Alamat", ("Alamat", "ALAMAT LENGKAP", "ALAMAT RUMAH")),
    Column("dusun", "Dusun", ("Dusun", "NAMA DUSUN", "DUKUH", "LINGKUNGAN", "BANJAR",
                              "JORONG")),
    Column("rt", "RT", ("RT", "NO RT", "NO. RT"), text=True),
    Column("rw", "RW", ("RW", "NO RW", "NO. RW"), text=True),
    Column("desil", "Desil", ("Desil", "DESIL NASIONAL", "PERINGKAT DESIL", "DESIL DTSEN")),
    Column("presence", "Status Keberadaan", ("Status Keberadaan", "KEBERADAAN",
                                             "STATUS KEBERADAAN ART", "KETERANGAN KEBERADAAN")),
)
#: the identity and area columns (a file needs some of these to be recognised)
BASE_COLUMNS = COLUMNS

#: the names DTSEN extracts give some questions' columns
_VARIABLES = {
    "work_field": ("ID PEKERJAAN UTAMA", "LAPANGAN USAHA PEKERJAAN UTAMA"),
    "business_count": ("JUMLAH JENIS USAHA", "JUMLAH USAHA"),
    "business_field": ("ID LAPANGAN USAHA DARI USAHA UTAMA", "LAPANGAN USAHA UTAMA"),
    "paid_workers": ("JUMLAH PEKERJA DIBAYAR",),
    "unpaid_workers": ("JUMLAH PEKERJA TIDAK DIBAYAR",),
    "business_licence": ("ID KEPEMILIKAN IZIN USAHA", "IZIN USAHA"),
    "business_turnover": ("ID OMSET USAHA UTAMA", "OMSET USAHA", "OMZET USAHA"),
    "nutrition": ("ID KONDISI GIZI", "KONDISI GIZI"),
    "difficulty_seeing": ("ID PENGLIHATAN", "PENGLIHATAN"),
    "difficulty_hearing": ("ID PENDENGARAN", "PENDENGARAN"),
    "difficulty_walking": ("ID BERJALAN ATAU NAIK TANGGA", "BERJALAN ATAU NAIK TANGGA"),
    "difficulty_hands": ("ID MENGGUNAKAN TANGAN JARI", "MENGGUNAKAN TANGAN JARI"),
    "difficulty_learning": ("ID BELAJAR KEMAMPUAN INTELEKTUAL",),
    "difficulty_behaviour": ("ID PENGENDALIAN PERILAKU", "PENGENDALIAN PERILAKU"),
    "difficulty_speaking": ("ID BERBICARA KOMUNIKASI", "BERBICARA KOMUNIKASI"),
    "difficulty_self_care": ("ID MENGURUS DIRI", "MENGURUS DIRI"),
    "difficulty_remembering": ("ID MENGINGAT BERKONSENTRASI", "MENGINGAT BERKONSENTRASI"),
    "sadness": ("ID KESEDIHAN DEPRESI", "KESEDIHAN DEPRESI"),
}


def _question_column(q) -> Column:
    """A DTSEN question's column: headed by its Indonesian label and number
    ("Kesulitan melihat (428a)"), also found by "R428a" and a DTSEN variable name."""
    name = in_language(q.label, "id")
    return Column(q.field, f"{name} ({q.number})",
                  (name, f"R{q.number}", f"R {q.number}", f"R.{q.number}",
                   *_VARIABLES.get(q.field, ())))


COLUMNS = BASE_COLUMNS + tuple(_question_column(q) for q in QUESTIONS)

BY_KEY = {c.key: c for c in COLUMNS}
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


def fold(text: object) -> str:
    """'No. K.K' → 'NOKK': the form headers are compared in."""
    return _NON_ALNUM.sub("", str(text or "").upper())


_SYNONYMS = {fold(s): c.key for c in COLUMNS for s in (c.synonyms + (c.header,))}


_BRACKETS = re.compile(r"\([^)]*\)|\[[^]]*\]")


def match_header(text: object) -> str | None:
    """The field key for a header cell, or None when no synonym fits.

    A remark in brackets is ignored: "NAMA (SESUAI KTP)" is the name column.
    """
    key = _SYNONYMS.get(fold(text))
    if key is None and text is not None:
        key = _SYNONYMS.get(fold(_BRACKETS.sub(" ", str(text))))
    return key


#: words in the first cells of a row that mark a total line at the bottom of a sheet
TOTAL_WORDS = ("JUMLAH", "TOTAL", "GRAND TOTAL", "SUBTOTAL", "SUB TOTAL", "JML")

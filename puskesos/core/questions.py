"""The DTSEN/Regsosek questions beyond a person's identity and the house's block 3.

Each :class:`Question` is one column of ``member`` or ``household``; the
table below is the one place that says its question number, its label, and
what answers it takes.  The forms, the checks, the history, the import and
the export are built from it, so adding a question here (with its column and
a migration) is enough for every one of them.

Answers are stored as text, like every code of :mod:`puskesos.core.codes`:

- ``code``: one code of a :class:`~puskesos.core.codes.CodeList`;
- ``flags``: a sum of powers of two, as the questionnaire writes a "tick all
  that apply" question (411 documents: 1 akta lahir + 4 KTP = ``5``; ``0`` is
  "none of them");
- ``count``: a whole number from 0 to :attr:`Question.maximum`;
- ``area``: square metres, a number (stored as a float column).

The numbering of 420–426 (a member's own business) follows the order of the
DTSEN variable list (number of businesses, their field, paid and unpaid
workers, licence, turnover, internet use); the official form was not at hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from typing import Any

from ..i18n import N_
from .codes import CodeList


class YesNo(CodeList):
    YA = ("1", "Ya")
    TIDAK = ("2", "Tidak")


class YesNoUnknown(CodeList):
    """431b–e: Prakerja, KUR, UMi, PIP."""

    YA = ("1", "Ya")
    TIDAK = ("2", "Tidak")
    TIDAK_TAHU = ("8", "Tidak tahu")


class Industry(CodeList):
    """417 and 421: lapangan usaha (KBLI sections as the questionnaire groups them)."""

    PANGAN = ("1", "Pertanian tanaman padi dan palawija")
    HORTIKULTURA = ("2", "Hortikultura")
    PERKEBUNAN = ("3", "Perkebunan")
    PERIKANAN = ("4", "Perikanan")
    PETERNAKAN = ("5", "Peternakan")
    KEHUTANAN = ("6", "Kehutanan dan pertanian lainnya")
    PERTAMBANGAN = ("7", "Pertambangan/penggalian")
    INDUSTRI = ("8", "Industri pengolahan")
    LISTRIK_GAS = ("9", "Pengadaan listrik, gas, uap/air panas dan udara dingin")
    AIR_LIMBAH = ("10", "Pengelolaan air, air limbah, sampah dan daur ulang")
    KONSTRUKSI = ("11", "Konstruksi")
    PERDAGANGAN = ("12", "Perdagangan besar dan eceran, reparasi mobil dan motor")
    ANGKUTAN = ("13", "Pengangkutan dan pergudangan")
    AKOMODASI = ("14", "Penyediaan akomodasi dan makan minum")
    INFORMASI = ("15", "Informasi dan komunikasi")
    KEUANGAN = ("16", "Keuangan dan asuransi")
    REAL_ESTAT = ("17", "Real estat")
    PROFESIONAL = ("18", "Aktivitas profesional, ilmiah dan teknis")
    PENYEWAAN = ("19", "Penyewaan, ketenagakerjaan, agen perjalanan dan penunjang usaha")
    PEMERINTAHAN = ("20", "Administrasi pemerintahan, pertahanan dan jaminan sosial wajib")
    PENDIDIKAN = ("21", "Pendidikan")
    KESEHATAN = ("22", "Kesehatan manusia dan kegiatan sosial")
    KESENIAN = ("23", "Kesenian, hiburan dan rekreasi")
    JASA_LAIN = ("24", "Aktivitas jasa lainnya")
    RUMAH_TANGGA = ("25", "Aktivitas keluarga sebagai pemberi kerja")
    INTERNASIONAL = ("26", "Badan internasional dan badan ekstra internasional lainnya")


class Turnover(CodeList):
    """425 omzet usaha utama per bulan."""

    UM1 = ("1", "< 5 juta (ultra mikro)")
    UM2 = ("2", "5 – < 15 juta (ultra mikro)")
    UM3 = ("3", "15 – < 25 juta (ultra mikro)")
    MIKRO = ("4", "25 – < 167 juta (mikro)")
    KECIL = ("5", "167 juta – < 1,25 miliar (kecil)")
    MENENGAH = ("6", "1,25 – < 4,167 miliar (menengah)")
    BESAR = ("7", "≥ 4,167 miliar (besar)")


class Nutrition(CodeList):
    """427 keterangan gizi (balita)."""

    WASTING = ("1", "Kurang gizi (wasting)")
    STUNTING = ("2", "Kerdil (stunting)")
    TIDAK_ADA = ("3", "Tidak ada catatan")
    TIDAK_TAHU = ("8", "Tidak tahu")


class Difficulty(CodeList):
    """428a–i kesulitan fungsional."""

    TIDAK_BISA = ("1", "Ya, sama sekali tidak bisa")
    BANYAK = ("2", "Ya, banyak kesulitan")
    SEDIKIT = ("3", "Ya, sedikit kesulitan")
    TIDAK = ("4", "Tidak mengalami kesulitan")


class Frequency(CodeList):
    """428j merasa sedih/tertekan/depresi."""

    SANGAT_SERING = ("1", "Sangat sering")
    SERING = ("2", "Sering")
    JARANG = ("3", "Jarang")
    TIDAK_PERNAH = ("4", "Tidak pernah")


class EnumerationResult(CodeList):
    """205 hasil pendataan keluarga."""

    LENGKAP = ("1", "Terisi lengkap")
    TIDAK_LENGKAP = ("2", "Terisi tidak lengkap")
    TIDAK_ADA_RESPONDEN = ("3", "Tidak ada responden sampai akhir pendataan")
    MENOLAK = ("4", "Responden menolak")
    PINDAH = ("5", "Keluarga pindah/bangunan sudah tidak ada")


class PovertyStatus(CodeList):
    """206 status kemiskinan keluarga."""

    MISKIN = ("1", "Miskin")
    TIDAK_MISKIN = ("2", "Tidak miskin")


class Internet(CodeList):
    """505 akses internet sebulan terakhir."""

    TIDAK = ("0", "Tidak")
    BERLANGGANAN = ("1", "Ya, berlangganan")
    WIFI = ("2", "Ya, wifi")
    HP = ("3", "Ya, paket data HP")


class BankAccount(CodeList):
    """506 rekening aktif."""

    USAHA = ("1", "Ya, untuk usaha")
    PRIBADI = ("2", "Ya, pribadi")
    KEDUANYA = ("3", "Ya, usaha dan pribadi")
    TIDAK = ("4", "Tidak")


@dataclass(frozen=True)
class FlagSet:
    """A "tick all that apply" answer: a sum of the ticked items' values."""

    name: str
    none: str                              # the label of 0
    items: tuple[tuple[int, str], ...]     # (value, label), values powers of two

    @property
    def total(self) -> int:
        return sum(value for value, _label in self.items)

    def valid(self, value: object) -> bool:
        text = str(value).strip()
        return text.isdigit() and text.isascii() and int(text) <= self.total

    def ticked(self, value: object) -> list[int]:
        """The item values in ``value`` (empty for 0 or an invalid value)."""
        if not self.valid(value):
            return []
        number = int(str(value).strip())
        return [v for v, _label in self.items if number & v]

    def label_of(self, value: object) -> str:
        if value in (None, ""):
            return ""
        if not self.valid(value):
            return str(value)
        ticked = self.ticked(value)
        return ", ".join(label for v, label in self.items if v in ticked) or self.none

    def read(self, text: object) -> str | None:
        """A cell's answer as stored: a number, or labels separated by commas;
        raises ValueError for anything else."""
        if text is None or str(text).strip() == "":
            return None
        raw = str(text).strip()
        if raw.endswith(".0"):
            raw = raw[:-2]
        if self.valid(raw):
            return str(int(raw))
        folded = raw.upper()
        if folded == self.none.upper():
            return "0"
        total = 0
        for part in folded.replace(";", ",").replace("+", ",").split(","):
            part = part.strip()
            found = [v for v, label in self.items if label.upper() == part]
            if not found:
                raise ValueError(raw)
            total |= found[0]
        return str(total)


DOCUMENTS = FlagSet("documents", "Tidak punya",
                    ((1, "Akta kelahiran"), (2, "KIA"), (4, "KTP")))
HEALTH_INSURANCE = FlagSet("health_insurance", "Tidak punya",
                           ((1, "PBI JKN"), (2, "JKN mandiri"), (4, "JKN pemberi kerja"),
                            (8, "Jaminan kesehatan lainnya")))
EMPLOYMENT_INSURANCE = FlagSet("employment_insurance", "Tidak punya",
                               ((1, "Jaminan kecelakaan kerja"), (2, "Jaminan kematian"),
                                (4, "Jaminan hari tua"), (8, "Jaminan pensiun"),
                                (16, "Pensiun/jaminan hari tua lain (Taspen, Asabri)")))


@dataclass(frozen=True)
class Question:
    """One DTSEN question stored in a column of its own."""

    entity: str          # "member" or "household"
    field: str           # the column, and the field of MemberInput/HouseholdInput
    number: str          # the questionnaire's number: "411", "428a"
    label: str           # English source, translated where shown (N_)
    group: str           # the form's section, translated where shown (N_)
    choices: type[CodeList] | FlagSet | None = None
    maximum: int | None = None     # a count's highest answer

    @property
    def kind(self) -> str:
        if isinstance(self.choices, FlagSet):
            return "flags"
        if self.choices is not None:
            return "code"
        return "count" if self.maximum is not None else "area"

    def label_of(self, value: object) -> str:
        """A stored answer as a person reads it ('' for none)."""
        if value in (None, ""):
            return ""
        if self.choices is not None:
            return self.choices.label_of(value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)


DOCS = N_("Documents")
SCHOOL = N_("Education")
WORK = N_("Work and business")
HEALTH = N_("Health and functioning")
PROTECTION = N_("Social protection")
SURVEY = N_("Enumeration")
WEALTH = N_("Land, internet and bank account")


def _m(field, number, label, group, choices=None, maximum=None) -> Question:
    return Question("member", field, number, label, group, choices, maximum)


def _h(field, number, label, group, choices=None, maximum=None) -> Question:
    return Question("household", field, number, label, group, choices, maximum)


MEMBER_QUESTIONS: tuple[Question, ...] = (
    _m("documents", "411", N_("Identity documents"), DOCS, DOCUMENTS),
    _m("highest_grade", "414", N_("Highest grade reached"), SCHOOL, maximum=8),
    _m("work_field", "417", N_("Field of main work"), WORK, Industry),
    _m("has_npwp", "419", N_("Has a tax number (NPWP)"), WORK, YesNo),
    _m("business_count", "420", N_("Own businesses (number)"), WORK, maximum=99),
    _m("business_field", "421", N_("Field of the main business"), WORK, Industry),
    _m("paid_workers", "422", N_("Paid workers in the business"), WORK, maximum=999),
    _m("unpaid_workers", "423", N_("Unpaid workers in the business"), WORK, maximum=999),
    _m("business_licence", "424", N_("Business has a licence"), WORK, YesNo),
    _m("business_turnover", "425", N_("Business turnover a month"), WORK, Turnover),
    _m("business_internet", "426", N_("Business uses the internet"), WORK, YesNo),
    _m("nutrition", "427", N_("Nutrition (under five)"), HEALTH, Nutrition),
    _m("difficulty_seeing", "428a", N_("Difficulty seeing"), HEALTH, Difficulty),
    _m("difficulty_hearing", "428b", N_("Difficulty hearing"), HEALTH, Difficulty),
    _m("difficulty_walking", "428c", N_("Difficulty walking or climbing steps"), HEALTH,
       Difficulty),
    _m("difficulty_hands", "428d", N_("Difficulty using hands or fingers"), HEALTH,
       Difficulty),
    _m("difficulty_learning", "428e", N_("Difficulty learning (intellectual)"), HEALTH,
       Difficulty),
    _m("difficulty_behaviour", "428f", N_("Difficulty controlling behaviour"), HEALTH,
       Difficulty),
    _m("difficulty_speaking", "428g", N_("Difficulty speaking or communicating"), HEALTH,
       Difficulty),
    _m("difficulty_self_care", "428h", N_("Difficulty caring for oneself"), HEALTH,
       Difficulty),
    _m("difficulty_remembering", "428i", N_("Difficulty remembering or concentrating"),
       HEALTH, Difficulty),
    _m("sadness", "428j", N_("Feels sad or depressed"), HEALTH, Frequency),
    _m("has_caregiver", "429", N_("Has a caregiver"), HEALTH, YesNo),
    _m("health_insurance", "431a", N_("Health insurance"), PROTECTION, HEALTH_INSURANCE),
    _m("prakerja", "431b", N_("Kartu Prakerja"), PROTECTION, YesNoUnknown),
    _m("kur", "431c", N_("KUR credit"), PROTECTION, YesNoUnknown),
    _m("umi", "431d", N_("UMi credit"), PROTECTION, YesNoUnknown),
    _m("pip", "431e", N_("PIP school aid"), PROTECTION, YesNoUnknown),
    _m("employment_insurance", "431f", N_("Employment insurance"), PROTECTION,
       EMPLOYMENT_INSURANCE),
)

HOUSEHOLD_QUESTIONS: tuple[Question, ...] = (
    _h("enumeration_result", "205", N_("Result of the enumeration"), SURVEY,
       EnumerationResult),
    _h("poverty_status", "206", N_("Poverty status"), SURVEY, PovertyStatus),
    _h("land_area", "503", N_("Land owned elsewhere (m²)"), WEALTH),
    _h("internet", "505", N_("Internet access"), WEALTH, Internet),
    _h("bank_account", "506", N_("Active bank account"), WEALTH, BankAccount),
)

QUESTIONS = MEMBER_QUESTIONS + HOUSEHOLD_QUESTIONS
BY_FIELD = {(q.entity, q.field): q for q in QUESTIONS}
MEMBER_QUESTION_FIELDS = tuple(q.field for q in MEMBER_QUESTIONS)
HOUSEHOLD_QUESTION_FIELDS = tuple(q.field for q in HOUSEHOLD_QUESTIONS)


def question(entity: str, field: str) -> Question | None:
    return BY_FIELD.get((entity, field))


def read_answer(q: Question, value: object) -> object:
    """A typed or written answer as stored: a code given by its code or its label,
    ticked items by their sum or their labels, a count, an area; None when empty.
    Raises ValueError (naming nothing: the caller says which cell) otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(q.choices, FlagSet):
        return q.choices.read(value)
    if q.choices is not None:
        text = str(value).strip()
        if text.endswith(".0"):
            text = text[:-2]
        try:
            return q.choices.from_code(text).value
        except ValueError:
            folded = text.upper()
            for item in q.choices:
                if item.label.upper() == folded:
                    return item.value
            raise
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(str(value).strip().replace(",", ".")) if isinstance(value, str) \
        else float(value)
    if q.kind == "count":
        if not number.is_integer() or not 0 <= number <= q.maximum:
            raise ValueError(value)
        return int(number)
    if not 0 <= number < 100_000_000:
        raise ValueError(value)
    return number


def groups(questions: tuple[Question, ...]) -> list[tuple[str, list[Question]]]:
    """The questions by section, in the table's order."""
    out: dict[str, list[Question]] = {}
    for q in questions:
        out.setdefault(q.group, []).append(q)
    return list(out.items())


def with_answers(name: str, base: type, questions: tuple[Question, ...], *, doc: str,
                 module: str) -> type:
    """The frozen dataclass ``base`` with one more field (default None) for each
    question: how the inputs and DTOs of members and households carry the answers."""
    cls = make_dataclass(name, [(q.field, Any, field(default=None)) for q in questions],
                         bases=(base,), frozen=True, namespace={"__doc__": doc})
    cls.__module__ = module
    return cls

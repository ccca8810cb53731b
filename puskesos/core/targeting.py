"""Who social aid is for (issue 17), pure: the program catalogue's code lists, the
kinds of flag the village sees, and the rules that raise them, each configurable.

DTSEN ranks households by welfare in deciles (desil 1 = the poorest tenth of the
country); national social aid (PKH, BPNT/Sembako, PBI-JK) targets desil 1–4.  A new
verval cycle takes these households unless the operator chooses otherwise
(:data:`AID_TARGET_DESILS`); each program has its own ceiling in the catalogue.

A flag names a person (the member concerned; for a family's flag its head) and says
why in words, with the data behind it.  The rules are data: the desil ceiling of
each program lives in the catalogue; everything else here (which programs may not
go together, which desil counts as extreme, who counts as vulnerable and which
programs fit them) in :class:`TargetingRules`, stored as a setting.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import InvalidInput
from ..i18n import N_, _
from .codes import CodeList


class ProgramSource(CodeList):
    """Who funds and runs a program."""

    NASIONAL = ("nasional", "Pemerintah pusat", "Pusat")
    DAERAH = ("daerah", "Pemerintah daerah/OPD", "Daerah/OPD")
    DESA = ("desa", "Pemerintah desa", "Desa")
    NON_PEMERINTAH = ("nonpemerintah", "Non-pemerintah (BAZNAS, filantropi, CSR)",
                      "Non-pemerintah")


class ProgramKind(CodeList):
    """What a program does for a family (the forum's question: does it raise income,
    or only lower a burden?)."""

    BEBAN = ("beban", "Mengurangi beban")
    PENDAPATAN = ("pendapatan", "Meningkatkan pendapatan")
    PEMBERDAYAAN = ("pemberdayaan", "Pemberdayaan")


class FlagKind(CodeList):
    """What a flag says (the kinds ``flags --kind`` takes)."""

    NOT_IN_REGISTRY = ("not_in_registry", "Penerima tidak ada di registrasi desa")
    DESIL_ABOVE_THRESHOLD = ("desil_above_threshold", "Desil di atas batas program")
    DOUBLE_AID = ("double_aid", "Bantuan ganda yang tidak dibolehkan")
    UNCOVERED_EXTREME = ("uncovered_extreme", "Miskin ekstrem tanpa bantuan")
    RECIPIENT_DIED = ("recipient_died", "Penerima meninggal")
    RECIPIENT_MOVED = ("recipient_moved", "Penerima pindah/tidak ditemukan")
    RECIPIENT_WITHDREW = ("recipient_withdrew", "Penerima mundur (pelabelan)")
    RECIPIENT_WELL_OFF = ("recipient_well_off", "Penerima mampu (verval/pelabelan)")
    VULNERABLE_UNCOVERED = ("vulnerable_uncovered", "Rentan tanpa program yang sesuai")


class OrphanStatus(CodeList):
    """Which parent a child has lost (anak yatim: the father; piatu: the mother)."""

    YATIM = ("yatim", "Yatim (ayah meninggal)", "Yatim")
    PIATU = ("piatu", "Piatu (ibu meninggal)", "Piatu")
    YATIM_PIATU = ("yatim_piatu", "Yatim piatu (ayah dan ibu meninggal)", "Yatim piatu")


class FosterOffer(CodeList):
    """What a foster sponsor (orang tua asuh) offers a child."""

    PENDIDIKAN = ("pendidikan", "Biaya pendidikan")
    KEBUTUHAN = ("kebutuhan", "Kebutuhan sehari-hari")
    KESEHATAN = ("kesehatan", "Biaya kesehatan")
    PENGASUHAN = ("pengasuhan", "Pengasuhan di rumah")


#: a child is a person under this age (UU 35/2014 Perlindungan Anak): an orphan
#: recorded as such, and a foster sponsor is at least this old
CHILD_AGE_LIMIT = 18

#: the programs seeded into a new database: code → (source, kind, desil ceiling)
DEFAULT_CATALOGUE: dict[str, tuple[str, str, int | None]] = {
    "PKH": ("nasional", "beban", 4), "BPNT": ("nasional", "beban", 4),
    "PBI": ("nasional", "beban", 5), "BLT_DD": ("desa", "beban", 4),
    "PIP": ("nasional", "pemberdayaan", 4), "ATENSI": ("nasional", "pemberdayaan", 5),
    "RUTILAHU": ("nasional", "beban", 4), "PERMAKANAN": ("nasional", "beban", 5),
    "SUBSIDI_LISTRIK": ("nasional", "beban", 5), "SUBSIDI_LPG": ("nasional", "beban", 5),
    "BANTUAN_PEMDA": ("daerah", "beban", 4), "BAZNAS": ("nonpemerintah", "pemberdayaan", 3),
    "PENA": ("nasional", "pendapatan", 4), "KUBE": ("nasional", "pendapatan", 4)}
#: the desil of the households national social aid targets
AID_TARGET_DESILS = (1, 2, 3, 4)
#: a program without a ceiling of its own: desil 1–4 are the aid's target
DEFAULT_DESIL_CEILING = max(AID_TARGET_DESILS)


#: the months of each quarter, as periods write them ("2026-Q3" holds "2026-07")
QUARTER_MONTHS = {f"Q{q}": tuple(f"{m:02d}" for m in range(3 * q - 2, 3 * q + 1))
                  for q in range(1, 5)}


def periods_overlap(a: str | None, b: str | None) -> bool:
    """Whether two periods as the lists write them ("2026", "2026-Q3", "2026-08") share
    a month: equal, a year holding the other, or a quarter holding the month.  Any
    other text overlaps only itself.  (The flags' SQL says the same:
    ``services.targeting.flags.periods_overlap``.)"""
    a, b = (a or "").strip().upper(), (b or "").strip().upper()
    if a == b:
        return True
    for year, part in ((a, b), (b, a)):
        if len(year) == 4 and part.startswith(year + "-"):
            return True
    for quarter, month in ((a, b), (b, a)):
        if (len(quarter) == 7 and len(month) == 7 and quarter[:5] == month[:5]
                and month[5:] in QUARTER_MONTHS.get(quarter[5:], ())):
            return True
    return False


@dataclass(frozen=True)
class TargetingRules:
    """The configurable rules (a setting; ``flags rules`` shows and changes them)."""

    #: pairs of programs a household may not receive together
    forbidden_pairs: tuple[tuple[str, str], ...] = (("BLT_DD", "PKH"), ("BLT_DD", "BPNT"))
    #: the desil at or below which a family receiving nothing is flagged
    extreme_desil: int = 1
    #: the age from which a person living alone counts as vulnerable elderly
    elderly_age: int = 60
    #: functional difficulty answers that count as a severe disability (428a–i)
    severe_difficulty: tuple[str, ...] = ("1",)
    #: the programs that fit a vulnerable person (one of them, to the person or the
    #: family, covers them)
    vulnerable_programs: tuple[str, ...] = ("ATENSI", "PERMAKANAN", "PKH")
    #: the programs that fit an orphan (a foster sponsor matched to the child covers
    #: them too)
    orphan_programs: tuple[str, ...] = ("ATENSI", "PKH", "PIP", "BAZNAS")
    #: flag kinds switched off
    off: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["forbidden_pairs"] = [list(p) for p in self.forbidden_pairs]
        for name in ("severe_difficulty", "vulnerable_programs", "orphan_programs", "off"):
            out[name] = list(out[name])
        return out

    @classmethod
    def from_json(cls, value: dict[str, Any] | None) -> "TargetingRules":
        """Rules as stored (a value missing takes its default); refused with why when a
        value cannot be a rule."""
        value = dict(value or {})
        unknown = set(value) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidInput(_("Unknown targeting rule: {names}.").format(
                names=", ".join(sorted(unknown))))
        defaults = cls()
        try:
            pairs = tuple(tuple(str(c).strip().upper() for c in pair)
                          for pair in value.get("forbidden_pairs",
                                                defaults.forbidden_pairs))
            extreme = int(value.get("extreme_desil", defaults.extreme_desil))
            elderly = int(value.get("elderly_age", defaults.elderly_age))
        except (TypeError, ValueError):
            raise InvalidInput(_("A targeting rule has a value that is not a number or a "
                                 "list of programs.")) from None
        if any(len(p) != 2 or p[0] == p[1] or not all(p) for p in pairs):
            raise InvalidInput(_("Each forbidden combination names two different "
                                 "programs, e.g. BLT_DD+PKH."))
        if not 1 <= extreme <= 10:
            raise InvalidInput(_("The extreme poverty desil is between 1 and 10."))
        if not 40 <= elderly <= 100:
            raise InvalidInput(_("The elderly age is between 40 and 100."))
        off = tuple(str(k) for k in value.get("off", ()))
        for kind in off:
            FlagKind.from_code(kind)
        return cls(forbidden_pairs=pairs, extreme_desil=extreme, elderly_age=elderly,
                   severe_difficulty=tuple(str(c) for c in value.get(
                       "severe_difficulty", defaults.severe_difficulty)),
                   vulnerable_programs=tuple(str(c).strip().upper() for c in value.get(
                       "vulnerable_programs", defaults.vulnerable_programs)),
                   orphan_programs=tuple(str(c).strip().upper() for c in value.get(
                       "orphan_programs", defaults.orphan_programs)),
                   off=off)

    def on(self, kind: "FlagKind | str") -> bool:
        return FlagKind(kind).value not in self.off


#: why each kind of flag is raised, in words ({…} filled from the data behind it)
EXPLANATIONS = {
    FlagKind.NOT_IN_REGISTRY: N_(
        "{program}: {name} (NIK {nik}) is on the recipients' list ({period}) but not in "
        "the village's registry: register the family, or check the NIK."),
    FlagKind.DESIL_ABOVE_THRESHOLD: N_(
        "{program}: the family is in desil {desil}, above the program's ceiling of "
        "desil {ceiling}."),
    FlagKind.DOUBLE_AID: N_(
        "{program} together with {other}: this combination is not allowed."),
    FlagKind.UNCOVERED_EXTREME: N_(
        "The family is in desil {desil} (extreme poverty) and receives no program."),
    FlagKind.RECIPIENT_DIED: N_(
        "{program}: the recipient {name} has died (recorded in the registry)."),
    FlagKind.RECIPIENT_MOVED: N_(
        "{program}: the recipient {name} is recorded as {presence}."),
    FlagKind.RECIPIENT_WITHDREW: N_(
        "{program}: the family withdrew voluntarily at the labelling ({when})."),
    FlagKind.RECIPIENT_WELL_OFF: N_(
        "{program}: the family was found well-off ({where})."),
    FlagKind.VULNERABLE_UNCOVERED: N_(
        "{name} is {why} and receives none of the programs that fit ({programs})."),
}


def explain(kind: FlagKind | str, **data: Any) -> str:
    """A flag's reason in the user's language, from the data behind it."""
    return _(EXPLANATIONS[FlagKind(kind)]).format(**data)


__all__ = ["AID_TARGET_DESILS", "CHILD_AGE_LIMIT", "QUARTER_MONTHS", "periods_overlap", "FosterOffer", "OrphanStatus", "DEFAULT_CATALOGUE", "DEFAULT_DESIL_CEILING", "EXPLANATIONS", "FlagKind",
           "ProgramKind", "ProgramSource", "TargetingRules", "explain"]

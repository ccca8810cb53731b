"""What the Sasaran dashboard and the forum report show: an area, its figures, and the
key of each figure (:class:`Figure`), which names the households it counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ...core.normalize import area_number
from ...core.targeting import FlagKind, ProgramKind
from ...i18n import _

#: the desil a household may have; a household without one counts under NO_DESIL
DESILS = tuple(range(1, 11))
NO_DESIL = "none"
KINDS = tuple(k.value for k in ProgramKind)
FLAG_KINDS = tuple(k.value for k in FlagKind)

#: what a figure counts (``Figure.measure``); ``value`` says which desil, kind,
#: program or flag kind
MEASURES = ("households", "members", "desil", "extreme", "extreme_covered",
            "extreme_uncovered", "reached", "kind", "extreme_kind", "program", "flag")


@dataclass(frozen=True)
class Area:
    """The whole village (nothing given), a dusun, an RW or an RT (the parts given
    narrow it: "RT 002" alone is every RT 002 of the village)."""

    dusun: str | None = None
    rw: str | None = None
    rt: str | None = None

    @property
    def whole(self) -> bool:
        return not (self.dusun or self.rw or self.rt)

    def words(self) -> str:
        """The area as a printed report names it (Indonesian, whatever the window's
        language)."""
        if self.whole:
            return "Seluruh desa"
        return " ".join(p for p in (f"Dusun {self.dusun}" if self.dusun else "",
                                    f"RW {area_number(self.rw)}" if self.rw else "",
                                    f"RT {area_number(self.rt)}" if self.rt else "") if p)

    def label(self) -> str:
        """The area as the window names it."""
        return _("The whole village") if self.whole else self.words()


@dataclass(frozen=True)
class Figure:
    """The key of one figure: what it counts (one of :data:`MEASURES`) and which
    desil (1–10 or "none"), kind of program, program code or kind of flag."""

    measure: str
    value: str | None = None

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"unknown figure {self.measure!r}")


@dataclass(frozen=True)
class AreaLine:
    """The figures of a group of households (an RT, a dusun, or the whole area)."""

    dusun: str | None
    rw: str | None
    rt: str | None
    households: int = 0
    members: int = 0
    #: households in desil 1..10, then those without a desil (11 numbers)
    by_desil: tuple[int, ...] = (0,) * 11
    #: households in extreme poverty (desil at or below the rules' extreme desil)
    extreme: int = 0
    #: ... of whom receive at least one active program
    extreme_covered: int = 0
    #: households receiving at least one active program
    reached: int = 0
    #: households reached by each kind of program (beban, pendapatan, pemberdayaan)
    by_kind: dict[str, int] = field(default_factory=dict)
    #: open flags about a family of this group
    flags: int = 0
    #: "rt" (a line by dusun, RW and RT), "dusun" (a dusun's line) or "area" (the
    #: area's totals)
    level: str = "rt"

    @property
    def extreme_uncovered(self) -> int:
        return self.extreme - self.extreme_covered

    @property
    def coverage(self) -> float:
        """The share of the extreme poor receiving a program, 0–100 (100 with none)."""
        return round(100 * self.extreme_covered / self.extreme, 1) if self.extreme else 100.0

    @property
    def name(self) -> str:
        """"KRAJAN RW 001 RT 002" (a part not recorded as "-"), "KRAJAN" (a dusun's
        line), "Dusun KRAJAN" (the area's totals)."""
        if self.level == "area":
            return Area(self.dusun, self.rw, self.rt).words()
        if self.level == "dusun":
            return self.dusun or "-"
        return f"{self.dusun or '-'} RW {self.rw or '-'} RT {self.rt or '-'}"


@dataclass(frozen=True)
class ProgramLine:
    """A program and the households of the area receiving it (active)."""

    code: str
    name: str
    kind: str
    source: str
    households: int
    #: ... of whom are extreme poor
    extreme: int

    @property
    def kind_label(self) -> str:
        return ProgramKind.label_of(self.kind)


@dataclass(frozen=True)
class Vulnerable:
    """The vulnerable groups of an area (issue 17 point 3): orphans and how many have
    no foster sponsor matched, the sponsors and their places still free, the elderly
    living alone, the severely disabled."""

    orphans: int = 0
    orphans_unsponsored: int = 0
    sponsors: int = 0
    places_free: int = 0
    elderly_alone: int = 0
    severe: int = 0


@dataclass(frozen=True)
class Dashboard:
    """The Sasaran figures of an area: the totals, the same by RT and by dusun, each
    program's recipients and the open flags by kind."""

    area: Area
    #: the rules' extreme-poverty desil (households at or below it are extreme poor)
    extreme_desil: int
    total: AreaLine
    by_area: tuple[AreaLine, ...]
    by_dusun: tuple[AreaLine, ...]
    #: extreme poor households reached by each kind of program
    extreme_by_kind: dict[str, int]
    programs: tuple[ProgramLine, ...]
    #: open flags (not set aside) by kind, and the families they name
    flags: dict[str, int]
    flag_households: dict[str, int]
    #: recipients on a list who are not in the registry: no family, so no area (counted
    #: for the whole village only)
    not_in_registry: int
    on: date
    vulnerable: Vulnerable = Vulnerable()


@dataclass(frozen=True)
class FamilyLine:
    """A household behind a figure, as the list of a click-through shows it."""

    household_id: str
    no_kk: str | None
    head_name: str | None
    #: masked for a role that may not see it whole
    head_nik: str | None
    dusun: str | None
    rw: str | None
    rt: str | None
    desil: int | None
    programs: tuple[str, ...]

    @property
    def area(self) -> str:
        return " ".join(p for p in (self.dusun or "-", f"RW {self.rw or '-'}",
                                    f"RT {self.rt or '-'}"))


__all__ = ["Area", "AreaLine", "DESILS", "Dashboard", "FLAG_KINDS", "FamilyLine", "Figure",
           "KINDS", "MEASURES", "NO_DESIL", "ProgramLine", "Vulnerable"]

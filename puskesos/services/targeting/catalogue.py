"""The program catalogue (each program's source, kind, target unit, desil ceiling and
periods) and the targeting rules, as the window and the command line change them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import select

from ...core.codes import DEFAULT_PROGRAMS
from ...core.permissions import Permission
from ...core.targeting import ProgramKind, ProgramSource, TargetingRules
from ...core.validation import checked_text
from ...errors import InvalidInput
from ...i18n import _
from ...models import Program, Setting
from .. import audit
from ..audit import Change
from ..context import Actor, require

#: where the rules are kept
RULES_KEY = "targeting_rules"
_CODE = re.compile(r"^[A-Z0-9_]{2,20}$")
#: who a program is registered to
TARGETS = ("keluarga", "individu")


@dataclass(frozen=True)
class ProgramEntry:
    code: str
    name: str
    target: str
    source: str
    kind: str
    desil_ceiling: int | None
    periods: str | None
    active: bool

    @property
    def source_label(self) -> str:
        return ProgramSource.label_of(self.source)

    @property
    def kind_label(self) -> str:
        return ProgramKind.label_of(self.kind)


def _entry(p: Program) -> ProgramEntry:
    return ProgramEntry(p.code, p.name, p.target, p.source, p.kind, p.desil_ceiling,
                        p.periods, p.active)


class CatalogueOps:
    """The catalogue half of :class:`~puskesos.services.targeting.TargetingService`."""

    def catalogue(self, *, actor: Actor) -> list[ProgramEntry]:
        """Every program, by code."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            return [_entry(p) for p in s.scalars(select(Program).order_by(Program.code))]

    def save_program(self, *, actor: Actor, code: str, name: str | None = None,
                     target: str | None = None, source: str | None = None,
                     kind: str | None = None, desil_ceiling: int | None | str = "",
                     periods: str | None = None, active: bool | None = None,
                     new: bool = False) -> ProgramEntry:
        """Add a program (``new``) or change one; a value left None is kept (a desil
        ceiling of "" is kept, None removes it).  Each change in the audit trail."""
        require(actor, Permission.APPROVE)
        code = (code or "").strip().upper()
        if not _CODE.match(code):
            raise InvalidInput(_("A program code is 2 to 20 capital letters, digits or _ "
                                 "(e.g. BLT_DD)."))
        if name is not None:
            name = checked_text(_("Name"), name, 120)
            if not name:
                raise InvalidInput(_("Give the program's name."))
        if target is not None and target not in TARGETS:
            raise InvalidInput(_("A program is for a family (keluarga) or a person "
                                 "(individu)."))
        if source is not None:
            ProgramSource.from_code(source)
        if kind is not None:
            ProgramKind.from_code(kind)
        if desil_ceiling not in ("", None) and not (isinstance(desil_ceiling, int)
                                                   and 1 <= desil_ceiling <= 10):
            raise InvalidInput(_("The desil ceiling is a number from 1 to 10."))
        if periods is not None:
            periods = checked_text(_("Periods"), periods, 120) or None
        with self._db.write() as s:
            row = s.get(Program, code)
            if new:
                if row is not None:
                    raise InvalidInput(_("The program {code} is already in the catalogue.")
                                       .format(code=code))
                if not name:
                    raise InvalidInput(_("Give the program's name."))
                row = Program(code=code, name=name, target=target or "keluarga",
                              source=source or ProgramSource.NASIONAL.value,
                              kind=kind or ProgramKind.BEBAN.value,
                              desil_ceiling=None if desil_ceiling == "" else desil_ceiling,
                              periods=periods, active=True if active is None else active)
                s.add(row)
                s.flush()
                audit.append(s, actor, "create", [Change("program", code, "name", None,
                                                         name)])
                return _entry(row)
            if row is None:
                raise InvalidInput(_("Unknown program {code}.").format(code=code))
            changes = []
            for field, value in (("name", name), ("target", target), ("source", source),
                                 ("kind", kind), ("periods", periods), ("active", active),
                                 ("desil_ceiling", desil_ceiling)):
                if value is None and field != "desil_ceiling" or value == "":
                    continue
                if getattr(row, field) != value:
                    changes.append(Change("program", code, field, getattr(row, field), value))
                    setattr(row, field, value)
            if changes:
                audit.append(s, actor, "update", changes)
            return _entry(row)

    def rules(self, *, actor: Actor) -> TargetingRules:
        """The targeting rules in force (the defaults until someone changes them)."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            row = s.get(Setting, RULES_KEY)
            return TargetingRules.from_json(row.value if row is not None else None)

    def set_rules(self, *, actor: Actor, rules: TargetingRules | dict) -> TargetingRules:
        """Change the rules (checked; the programs they name must be in the catalogue)."""
        require(actor, Permission.APPROVE)
        if isinstance(rules, dict):
            rules = TargetingRules.from_json(rules)
        with self._db.write() as s:
            known = set(s.scalars(select(Program.code)))
            named = {c for pair in rules.forbidden_pairs for c in pair} | set(
                rules.vulnerable_programs) | set(rules.orphan_programs)
            if named - known:
                raise InvalidInput(_("The rules name programs that are not in the "
                                     "catalogue: {codes}.").format(
                    codes=", ".join(sorted(named - known))))
            row = s.get(Setting, RULES_KEY)
            before = row.value if row is not None else None
            if row is None:
                row = Setting(key=RULES_KEY, value=rules.as_json())
                s.add(row)
            else:
                row.value = rules.as_json()
            audit.append(s, actor, "update", [Change(
                "setting", RULES_KEY, "value",
                json.dumps(before, sort_keys=True) if before is not None else None,
                json.dumps(rules.as_json(), sort_keys=True))])
        return rules


__all__ = ["CatalogueOps", "DEFAULT_PROGRAMS", "ProgramEntry", "RULES_KEY", "TARGETS"]

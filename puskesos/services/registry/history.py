"""A household's audit trail told in plain language for the History tab."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from ...core import codes
from ...core.labels import field_label, value_label
from ...i18n import _
from ..audit import AuditEntry, reason_text
from ..context import Actor


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor: str
    text: str
    reason: str | None


def _who(entry: AuditEntry, names: dict[str, str]) -> str:
    if entry.entity == "member":
        return names.get(entry.entity_id or "", "?")
    return ""


def _owned(value: str | None) -> dict:
    try:
        data = json.loads(value) if value else {}
    except ValueError:
        return {}
    return {code: amount for code, amount in data.items() if amount} \
        if isinstance(data, dict) else {}


def _asset_change(old: str | None, new: str | None) -> str:
    """'Aset: emas ditambahkan; sepeda motor dihapus; sapi 2 → 3' (never JSON)."""
    before, after = _owned(old), _owned(new)

    def name(code: str) -> str:
        for kind in (codes.Asset, codes.Livestock):
            if code in {c.value for c in kind}:
                return kind.label_of(code)
        return code

    parts = []
    for code in after.keys() - before.keys():
        parts.append(_("{asset} added").format(asset=name(code)) if after[code] is True
                     else f"{name(code)} {after[code]}")
    for code in before.keys() - after.keys():
        parts.append(_("{asset} removed").format(asset=name(code)))
    for code in before.keys() & after.keys():
        if before[code] != after[code] and before[code] is not True:
            parts.append(f"{name(code)} {before[code]} → {after[code]}")
    if not parts:
        return ""
    return _("Assets: {changes}").format(changes="; ".join(sorted(parts)))


def describe(entries: list[AuditEntry], names: dict[str, str],
             household_id: str) -> list[HistoryLine]:
    """Group raw field events into sentences, newest first."""
    lines: list[HistoryLine] = []
    for e in entries:
        who = _who(e, names)
        if e.action == "create" and e.field is None:
            # bulk-created record (import or demo): one line with a snapshot
            try:
                snapshot = json.loads(e.new_value or "{}")
            except ValueError:
                snapshot = {}
            if e.entity == "household":
                text = _("Household registered")
            elif e.entity == "member":
                text = _("Member {name} added").format(name=snapshot.get("name", who))
            elif e.entity == "participation":
                text = _("Program {program} ({period}) recorded").format(
                    program=snapshot.get("program_code", "?"), period=snapshot.get("period", ""))
            else:
                continue
        elif e.action == "create":
            if e.entity == "household" and e.field == "no_kk":
                text = _("Household registered with No KK {kk}").format(kk=e.new_value)
            elif e.entity == "member" and e.field == "name":
                text = _("Member {name} added").format(name=e.new_value)
            elif e.entity == "participation" and e.field == "program_code":
                text = _("Program {program} recorded").format(program=e.new_value)
            else:
                continue  # the other initial values are shown on the form itself
        elif e.action == "delete":
            text = (_("Member {name} removed").format(name=e.old_value or who)
                    if e.entity == "member" else _("Household removed"))
        elif e.action == "restore":
            text = _("Household restored")
        elif e.field == "household_id" and e.entity == "member":
            if e.new_value == household_id:
                text = _("{name} moved into this household").format(name=who)
            else:
                text = _("{name} moved to another household").format(name=who)
        elif e.field in (None, "password"):
            continue
        elif e.entity == "household" and e.field == "assets":
            text = _asset_change(e.old_value, e.new_value)
            if not text:
                continue
        else:
            label = field_label(e.entity, e.field)
            old = value_label(e.entity, e.field, e.old_value)
            new = value_label(e.entity, e.field, e.new_value)
            if who:
                text = _("{name}: {field} changed from “{old}” to “{new}”").format(
                    name=who, field=label, old=old, new=new)
            else:
                text = _("{field} changed from “{old}” to “{new}”").format(
                    field=label, old=old, new=new)
        lines.append(HistoryLine(e.at, e.actor, text, reason_text(e.reason)))
    return lines


def household_history(services, *, actor: Actor, household_id: str) -> list[HistoryLine]:
    """The household's history in plain words, newest first, from the audit trail
    (its members' events included)."""
    ids = services.households.history_ids(actor=actor, household_id=household_id)
    # a member who moved away keeps their lines here up to the move
    left = services.households.moved_out(actor=actor, household_id=household_id)
    ids += list(left)
    entries = [e for e in services.audit.history(actor=actor, entity_ids=ids, limit=2000)
               if e.entity_id not in left or e.at <= left[e.entity_id]]
    names = services.households.member_names([i for i in ids if i != household_id], actor=actor)
    return describe(entries, names, household_id)

"""The database's health, as ``db check`` and the window's "Check the database" tell it.

:func:`check` looks at everything in one place: the file (SQLite's own integrity
and foreign key checks), the schema, the audit chain (and the anchors given
back), every household and member against its seal (changed, added or removed
behind the program: :mod:`.seal_check`), and what in the registry needs a
person's look (NIKs held twice).  It reads only, so it runs while another
program writes.  The command line prints its text (or its report as JSON);
the window shows the text.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Sequence

from ..core.identifiers import mask_nik
from ..core.labels import field_label
from ..core.permissions import Permission
from ..db.engine import Database
from ..db.migrate import check_sqlite, current_revision, head_revision, sqlite_path
from ..i18n import _
from .audit import Anchor, AuditTrail
from .context import Actor, require
from .seal_check import RecordFinding, check_database


@dataclass(frozen=True)
class HealthReport:
    """``report``: everything found, for ``--json``; ``text``: the same in the user's
    words; ``ok``: no problem (warnings may remain)."""

    ok: bool
    report: dict
    text: str


@dataclass(frozen=True)
class AcknowledgedHead(Anchor):
    """Our audit head as a bundle we sent carried it, which the other office
    acknowledged: an anchor kept outside this database (in its database too)."""

    peer: str = ""
    sequence: int = 0


def acknowledged_heads(db: Database) -> dict[int, AcknowledgedHead]:
    """The audit heads our bundles carried that a receipt acknowledged, by entry
    number (the receipt's view of it, as the other office saw our signed manifest)."""
    from sqlalchemy import select

    from ..errors import InvalidInput
    from ..models import ExchangeBundle
    out: dict[int, AcknowledgedHead] = {}
    with db.read() as s:
        for peer, sequence, receipt in s.execute(
                select(ExchangeBundle.peer_code, ExchangeBundle.sequence,
                       ExchangeBundle.receipt)
                .where(ExchangeBundle.direction == "out", ExchangeBundle.kind == "data",
                       ExchangeBundle.receipt.is_not(None))
                .order_by(ExchangeBundle.sequence)):
            seen = (receipt or {}).get("audit_head_seen")
            if not isinstance(seen, str):
                continue
            try:
                anchor = Anchor.parse(seen)
            except InvalidInput:
                continue             # not an anchor (a receipt of an older program)
            out.setdefault(anchor.seq, AcknowledgedHead(anchor.seq, anchor.hash, peer,
                                                        sequence))
    return out


def check(db: Database, *, audit: AuditTrail, actor: Actor,
          anchors: Sequence[Anchor] = ()) -> HealthReport:
    """Check the file, the schema, the audit chain (``audit``'s, against ``anchors``),
    every household and member against its seal, and the registry's duplicate NIKs."""
    require(actor, Permission.VIEW_AUDIT)
    result: dict[str, Any] = {"database": db.location}
    path = sqlite_path(db.engine)
    problems: list[str] = []
    warnings: list[str] = []
    if path is not None:
        result.update(check_sqlite(path))
        if result["integrity"] != ["ok"]:
            problems.append(_("The database file is damaged: {detail}").format(
                detail="; ".join(result["integrity"][:3])))
        if result["foreign_key_problems"]:
            problems.append(_("{n} records point to records that do not exist.").format(
                n=result["foreign_key_problems"]))
    if result.get("integrity", ["ok"]) != ["ok"]:
        revision = None  # the rest cannot be trusted on a damaged file
    else:
        revision = current_revision(db.engine)
    result["schema_revision"], result["program_schema"] = revision, head_revision()
    if problems:
        pass
    elif revision == head_revision():
        acknowledged = acknowledged_heads(db)
        chain = audit.verify([*anchors, *acknowledged.values()])
        result["audit"] = dataclasses.asdict(chain)
        result["acknowledged_heads"] = len(acknowledged)
        if not chain.ok:
            what = chain.describe()
            if chain.problem == "anchor_mismatch" and chain.first_bad_seq in acknowledged \
                    and not any(a.seq == chain.first_bad_seq for a in anchors):
                head = acknowledged[chain.first_bad_seq]
                what = _("the audit trail no longer holds entry {seq} as the bundle {n} to "
                         "{peer} carried it and {peer} acknowledged: the history up to it "
                         "was rewritten, cut short or wiped").format(
                    seq=chain.first_bad_seq, n=head.sequence, peer=head.peer)
            problems.append(_("The audit trail was tampered with: {what}. Keep this "
                              "database as evidence and restore a backup.")
                            .format(what=what))
        problems.extend(_record_findings(db, result, actor))
        warnings.extend(_registry_findings(db, result, actor))
    else:
        problems.append(_("The database is at schema {old}; this program uses {new}. Run "
                          "'puskesos db upgrade'.").format(old=revision, new=head_revision()))
    result["ok"] = not problems
    result["problems"] = problems
    result["warnings"] = warnings
    if problems:
        text = "\n".join(problems + warnings)
    elif warnings:
        text = "\n".join([_("The file, the links between records, the audit trail ({n} "
                            "entries) and the {rows} households and members are in order, "
                            "but the registry needs checking:").format(
                                n=result["audit"]["rows"], rows=result["records"]["checked"])]
                         + warnings)
    else:
        text = _("The database is healthy: the file, the links between records, the audit "
                 "trail ({n} entries) and the {rows} households and members (each as the "
                 "program last wrote it) are all in order.").format(
                     n=result["audit"]["rows"], rows=result["records"]["checked"])
    return HealthReport(not problems, result, text)


def _record_findings(db: Database, result: dict, actor: Actor) -> list[str]:
    """Households and members not as the program last wrote them (their seals,
    puskesos/db/seals.py): changed, added or removed behind the program."""
    found = check_database(db, actor=actor)
    result["records"] = dataclasses.asdict(found) | {"ok": found.ok}
    if found.ok:
        return []
    if found.seals_removed:
        return [_("The seals of the households and members were removed from the database, so "
                  "they cannot be compared with what the program wrote. Keep this database as "
                  "evidence and restore a backup.")]
    lines = [_("{n} households or members are not as the program last wrote them: they were "
               "changed, added or removed behind it (e.g. with a database tool), so the audit "
               "trail does not show it ({changed} changed, {added} added, {removed} removed). "
               "Keep this database as evidence and restore a backup:").format(
                   n=found.changed + found.added + found.removed, changed=found.changed,
                   added=found.added, removed=found.removed)]
    lines += ["  - " + describe_finding(f) for f in found.findings]
    more = found.changed + found.added + found.removed - len(found.findings)
    if more > 0:
        lines.append("  " + _("… and {n} more.").format(n=more))
    return ["\n".join(lines)]


def describe_finding(f: RecordFinding) -> str:
    """One household or member found by the seal check, in the user's words."""
    who = ", ".join(part for part in (
        f.name, _("NIK {nik}").format(nik=f.nik) if f.nik else None,
        _("No KK {kk}").format(kk=f.no_kk) if f.no_kk else None) if part) or f.entity_id
    what = _("member {who}") if f.entity == "member" else _("household {who}")
    what = what.format(who=who)
    if f.kind == "changed":
        if f.fields:
            return _("{what}: changed ({fields})").format(what=what, fields=", ".join(
                field_label(f.entity, name) for name in f.fields))
        return _("{what}: changed (which fields cannot be told: the audit trail does not "
                 "hold its values)").format(what=what)
    if f.kind == "added":
        return _("{what}: added without a record in the audit trail").format(what=what)
    return _("{what}: removed (id {id})").format(what=what, id=f.entity_id)


def _registry_findings(db: Database, result: dict, actor: Actor) -> list[str]:
    """What in the registry's data needs a person's look (not damage): NIKs held by
    more than one living member (masked for a reader who may not see full NIKs)."""
    from .registry import duplicate_niks
    with db.read() as s:
        count, first = duplicate_niks(s)
    if not actor.can(Permission.VIEW_FULL_NIK):
        first = [(mask_nik(nik), k) for nik, k in first]
    result["duplicate_niks"] = count
    if not count:
        return []
    return [_("{n} NIKs are each held by more than one living member (for example {examples}). "
              "Open them in the household list (search for the NIK), keep the right person "
              "and correct or remove the others.").format(
                  n=count, examples=", ".join(f"{nik} ×{k}" for nik, k in first))]

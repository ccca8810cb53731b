"""Names of the fields as a person reads them (English source, translated at use)."""

from __future__ import annotations

from ..i18n import _
from . import codes
from .field_names import HOUSEHOLD_LABELS, MEMBER_LABELS, REFERRAL_LABELS
from .questions import question
from .validation import HOUSEHOLD_CODE_FIELDS, MEMBER_CODE_FIELDS


def field_label(entity: str, field: str) -> str:
    q = question(entity, field)
    if q is not None:
        return _(q.label)
    table = (MEMBER_LABELS if entity == "member" else REFERRAL_LABELS
             if entity.startswith("referral") else HOUSEHOLD_LABELS)
    return _(table.get(field, field))


def value_label(entity: str, field: str | None, value: str | None) -> str:
    """A stored (text) value as a person reads it: code labels, dates, yes/no."""
    if value is None or value == "":
        return "—"
    code_fields = MEMBER_CODE_FIELDS if entity == "member" else HOUSEHOLD_CODE_FIELDS
    if field in code_fields:
        return code_fields[field].label_of(value)
    q = question(entity, field) if field else None
    if q is not None:
        return q.label_of(value)
    if field == "pregnant":
        return _("yes") if value == "1" else _("no")
    if field in ("birth_date", "presence_date") and len(value) == 10:
        y, m, d = value.split("-")
        return f"{d}-{m}-{y}"
    return value


__all__ = ["HOUSEHOLD_LABELS", "MEMBER_LABELS", "field_label", "value_label", "codes"]


def address_text(address: str | None, rt: str | None, rw: str | None,
                 dusun: str | None) -> str:
    """An address as letters and stickers print it: the address, then RT/RW and the
    dusun unless the address already says them (never "RT 001 RW 003, RT 001 RW 003")."""
    address = (address or "").strip()
    parts = [address]
    upper = address.upper()
    if (rt or rw) and "RT" not in upper:
        parts.append(f"RT {rt or '-'} RW {rw or '-'}")
    if dusun and dusun.upper() not in upper:
        parts.append(f"Dusun {dusun}")
    return ", ".join(p for p in parts if p)

"""The text cells of an import: a name, a place of birth, an address, a dusun and an
ID DTSEN as stored, and what to say about them (the rule is core.normalize's):
control characters, NUL and text-direction overrides are removed with a warning
naming the field; a value over its field's limit is never cut -- a name refuses
its row, any other text is not imported."""

from __future__ import annotations

from typing import Any

from ...core.labels import field_label
from ...core.normalize import (TEXT_LIMITS, hostile_message, identifier_cell, name_cell,
                               strip_hostile, too_long_message)
from ...i18n import _


def dropped() -> str:
    """Said after a warning about a cell that could not be read."""
    return _("This cell is not imported; what was stored before stays.")


def no_name_reason() -> str:
    """Why a row without a name is refused."""
    return _("The row has no name. Type the name as on the KTP/KK.")


NAME_LIMIT = TEXT_LIMITS["name"]


def _hostile(value: Any) -> bool:
    """Whether a cell holds control or text-direction characters (removed on reading)."""
    return type(value) is str and not value.isprintable() and strip_hostile(value)[1] > 0


def text_field(entity: str, field: str, value: Any) -> tuple[str | None, str | None]:
    """A text cell of ``field`` as stored (trimmed, upper case) and what to say about
    it: control or text-direction characters removed, or a value over the field's
    limit, which is not imported (never cut)."""
    text = name_cell(value)
    if text is None:
        return None, None
    limit = TEXT_LIMITS[field]
    if len(text) > limit:
        return None, (f"{too_long_message(field_label(entity, field), len(text), limit)} "
                      f"{dropped()}")
    if _hostile(value):
        return text, hostile_message(field_label(entity, field))
    return text, None


def name_field(value: Any) -> tuple[str | None, str | None, str | None]:
    """(the name as stored, why the row is refused, what to say about it) of a name
    cell: a name over its limit refuses the row (never cut), control or
    text-direction characters are removed with a warning."""
    if type(value) is str and value.isascii() and value.isprintable():
        name = " ".join(value.split()).upper()
    else:
        name = name_cell(value)
    if not name:
        return None, no_name_reason(), None
    if len(name) > NAME_LIMIT:
        return None, (too_long_message(field_label("member", "name"), len(name), NAME_LIMIT)
                      + " " + _("The row is not imported; correct the name in the file.")), None
    if _hostile(value):
        return name, None, hostile_message(field_label("member", "name"))
    return name, None, None


def dtsen_field(value: Any) -> tuple[str | None, str | None]:
    """The ID DTSEN of a cell and what to say about it (as :func:`text_field`)."""
    if _hostile(value):
        cleaned, _n = strip_hostile(value)
        dtsen = identifier_cell(cleaned, "ID DTSEN")[0]
        warning = hostile_message(field_label("household", "dtsen_id"))
    else:
        dtsen, warning = identifier_cell(value, "ID DTSEN")[0], None
    limit = TEXT_LIMITS["dtsen_id"]
    if dtsen is not None and len(dtsen) > limit:
        return None, (f"{too_long_message(field_label('household', 'dtsen_id'), len(dtsen), limit)}"
                      f" {dropped()}")
    return dtsen, warning


class Flagged:
    """A text cell's answer that comes with something to say (see :func:`text_field`);
    a clean cell's answer is its value alone, so the memos hold no pair for each of
    the file's many addresses and IDs."""

    __slots__ = ("value", "said")

    def __init__(self, value: str | None, said: str) -> None:
        self.value, self.said = value, said


def flagged(read):
    """``read`` (a cell → (value, what to say)) as a memo's reader: the value, or a
    :class:`Flagged` when there is something to say."""
    def answer(value: Any):
        value, said = read(value)
        return value if said is None else Flagged(value, said)
    return answer


def unflag(answer: Any) -> tuple[str | None, Any]:
    """(what to say, the value) of a memo's answer."""
    if type(answer) is Flagged:
        return answer.said, answer.value
    return None, answer

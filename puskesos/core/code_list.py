"""The base of every code list: an enum whose value is the stored code, with a label."""

from __future__ import annotations

import enum

from ..errors import InvalidInput
from ..i18n import _


class CodeList(enum.Enum):
    """An enum whose value is the stored code and which carries a label, and a
    shorter label where the official one is too long for a printed form's cell (or
    a list's column)."""

    label: str
    short: str

    def __new__(cls, code: str, label: str, short: str | None = None):
        obj = object.__new__(cls)
        obj._value_ = code
        obj.label = label
        obj.short = short or label
        return obj

    @property
    def code(self) -> str:
        return self.value

    @classmethod
    def from_code(cls, code: str | int | None):
        """Return the member for ``code`` (``None`` for an empty value).

        Raises ``ValueError`` for a code that is not on the list.
        """
        if code is None or code == "":
            return None
        text = str(code).strip()
        for member in cls:
            if member.value == text or (text.isdigit() and member.value.isdigit()
                                        and int(member.value) == int(text)):
                return member
        raise ValueError(f"{code!r} is not a code of {cls.__name__}")

    @classmethod
    def checked(cls, code: str | int | None, what: str):
        """The member for ``code``, or :class:`~puskesos.errors.InvalidInput` saying
        which codes ``what`` (the field, in words) takes: for a value a person typed."""
        try:
            member = cls.from_code(code)
        except ValueError:
            member = None
        if member is None:
            raise InvalidInput(_("{what}: \"{code}\" is not one of {choices}.").format(
                what=what, code=code or "", choices=", ".join(m.value for m in cls)))
        return member

    @classmethod
    def label_of(cls, code: str | None) -> str:
        """Label for a stored code; unknown codes are shown as they are."""
        try:
            member = cls.from_code(code)
        except ValueError:
            return str(code)
        return member.label if member else ""

    @classmethod
    def short_of(cls, code: str | None) -> str:
        """The short label (the label itself where it is short already)."""
        try:
            member = cls.from_code(code)
        except ValueError:
            return str(code)
        return member.short if member else ""

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


# ---------------------------------------------------------------- people

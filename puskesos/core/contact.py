"""Rules for the office's contact details and its signatories, as letterheads print
them: postal code, e-mail address, NIP.

Each check takes the text as typed (surrounding spaces ignored) and returns the
message that says what is wrong, or None; an empty field is always allowed.
"""

from __future__ import annotations

import re

from ..i18n import _

#: an e-mail address as letterheads print it: something@domain.tld, no spaces
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
#: the NIP of a civil servant (ASN) since 2007: 18 digits (birth date, date of
#: appointment, sex, serial); typed with or without the spaces of the printed form
NIP_DIGITS = 18


def postal_code_problem(text: str) -> str | None:
    """A postal code (kode pos) has five digits."""
    text = text.strip()
    if text and not (len(text) == 5 and text.isdigit() and text.isascii()):
        return _("The postal code has 5 digits.")
    return None


def email_problem(text: str) -> str | None:
    """An e-mail address: name@domain.tld, without spaces."""
    text = text.strip()
    if text and not _EMAIL.fullmatch(text):
        return _("The e-mail address {email} does not look right.").format(email=text)
    return None


def nip_problem(text: str, *, label: str = "NIP") -> str | None:
    """A NIP has 18 digits (spaces between the groups allowed); empty when the person
    has none (a village head is usually not a civil servant)."""
    digits = "".join(text.split())
    if digits and not (len(digits) == NIP_DIGITS and digits.isdigit() and digits.isascii()):
        return _("{label} has 18 digits (spaces allowed between the groups). Leave it empty "
                 "if the person has no NIP.").format(label=label)
    return None

"""The identity file and its fingerprint (formats/identity.py, issue 16): the number
read over the phone covers who the office is and both its keys, and never changes
for the same keys; a file is read back as written; the two signatures cannot stand
in for each other."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyrage import x25519

from puskesos.formats.identity import (Identity, IdentityRefused, fingerprint,
                                       fingerprint_digits, read_identity, sign)


def _raw(key) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _identity(key, **changes) -> Identity:
    values = dict(kind="desa", code="35.23.01.2001", name="Desa Jlodro",
                  signing_key=_raw(key),
                  age_recipient=str(x25519.Identity.generate().to_public()),
                  created_at="2026-12-07T02:40:00+00:00")
    return Identity(**(values | changes))


def test_the_fingerprint_is_pinned_six_groups_of_five_digits():
    """Offices compare it by phone months apart: the derivation never moves."""
    printed = fingerprint("desa", "35.23.01.2001", bytes(range(32)), "age1qqqq")
    assert printed == "84505 31732 44500 06419 73884 16465"
    assert fingerprint_digits(" 84505-31732 44500\\t06419 73884 16465") == \
        printed.replace(" ", "")


def test_the_fingerprint_covers_kind_code_and_both_keys_not_the_name():
    base = ("desa", "35.23.01.2001", bytes(range(32)), "age1qqqq")
    printed = fingerprint(*base)
    for other in (("kabupaten", *base[1:]), (base[0], "35.23.01.2002", *base[2:]),
                  (*base[:2], bytes(range(1, 33)), base[3]), (*base[:3], "age1qqqp")):
        assert fingerprint(*other) != printed
    key = Ed25519PrivateKey.generate()
    identity = _identity(key)
    assert replace(identity, name="Desa Lain").fingerprint == identity.fingerprint


def test_a_file_reads_back_as_written_and_a_changed_one_is_refused():
    key = Ed25519PrivateKey.generate()
    signed = sign(_identity(key), key)
    assert read_identity(signed.to_bytes()) == signed
    for field, value in (("name", "Desa Lain"), ("code", "35.23.01.2002"),
                         ("created_at", "2026-12-08T02:40:00+00:00")):
        forged = replace(signed, **{field: value})
        with pytest.raises(IdentityRefused):
            read_identity(forged.to_bytes())
    other = Ed25519PrivateKey.generate()
    with pytest.raises(IdentityRefused):          # signed by a key it does not carry
        read_identity(sign(_identity(key), other).to_bytes())


def test_a_self_signature_is_no_replacement_signature():
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    identity = _identity(new, replaces_key=_raw(old))
    agreed = sign(identity, new, previous=old)
    assert read_identity(agreed.to_bytes()).signed_by_replaced_key(_raw(old))
    # the old key's self-signature over the same body does not count as its consent
    borrowed = replace(agreed, replaces_signature=sign(identity, old).signature)
    assert not borrowed.signed_by_replaced_key(_raw(old))
    # nor does a replacement name another key than the one trusted
    assert not agreed.signed_by_replaced_key(_raw(Ed25519PrivateKey.generate()))


def test_a_name_with_hostile_characters_or_an_unknown_office_is_refused_though_signed():
    key = Ed25519PrivateKey.generate()
    for changes in ({"name": "Desa \u202eordolJ"}, {"name": " "}, {"code": "35.23.01.9999"},
                    {"kind": "kabupaten"}, {"kind": "provinsi", "code": "35"}):
        with pytest.raises(IdentityRefused):
            read_identity(sign(_identity(key, **changes), key).to_bytes())

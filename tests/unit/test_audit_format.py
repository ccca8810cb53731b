"""The audit trail's hashes are a stored format: a trail written by an earlier version
must still verify in this one, on every office's PC.  These are the hashes of a fixed
event — as written since the chain began (SHA-256) and since the key (HMAC) — and the
stored text of the values it records; a change to how an event is hashed or a value
written would make every existing trail fail its check (``db check``) or silently
change what an old event says."""

from __future__ import annotations

from datetime import date, datetime, timezone

from puskesos.services.audit import GENESIS, row_hash, to_text

AT = datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=timezone.utc)
EVENT = ("admin", "update", "member", "0f8e2c4a", "name", "SITI AMINAH",
         'SİTI ÂMINAH, "Bu"', "ganti nama: ejaan KTP")


def test_an_event_hashes_as_it_always_has():
    assert row_hash(GENESIS, 1, AT, *EVENT) == (
        "25caeb696bc0b2c23814f226e9f6f2cab457552fa6138f992ed9a9a8abff02cc")
    assert row_hash("a" * 64, 2, AT, *EVENT, key=bytes(range(32))) == (
        "f061732e357912bb745ada377a502fe18a45d4f24d2347e23d5984ed448c3e93")


def test_each_part_of_an_event_is_in_its_hash():
    """The reason, the values, who and when: each changes the hash."""
    base = row_hash(GENESIS, 1, AT, *EVENT)
    for i in range(len(EVENT)):
        changed = list(EVENT)
        changed[i] = (changed[i] or "") + "x"
        assert row_hash(GENESIS, 1, AT, *changed) != base, i
    assert row_hash(GENESIS, 2, AT, *EVENT) != base
    assert row_hash("b" * 64, 1, AT, *EVENT) != base
    assert row_hash(GENESIS, 1, AT.replace(microsecond=1), *EVENT) != base


def test_values_are_stored_as_text_the_same_way():
    assert to_text({"b": 1, "a": "é"}) == '{"a": "é", "b": 1}'
    assert to_text(["ü", 1]) == '["ü", 1]'
    assert (to_text(True), to_text(False), to_text(None)) == ("1", "0", None)
    assert to_text(date(2026, 1, 2)) == "2026-01-02"
    assert to_text(AT) == "2026-12-07T01:02:03.456789+00:00"
    assert to_text(7) == "7"

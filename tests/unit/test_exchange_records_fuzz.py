"""A bundle's records are checked value by value before anything is believed: whatever
a line holds — any JSON value in any field, broken text, a record twice — reading it
either gives values each column can hold or refuses it with a RecordError, never
another exception (hypothesis)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from puskesos.core.exchange import ENTITIES
from puskesos.services.exchange.records import RecordError, _columns, read_lines

ID = "0f8e2c4a-1b3d-4e5f-8a9b-0c1d2e3f4a5b"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(spec=st.sampled_from(ENTITIES), data=st.data())
def test_any_line_is_read_or_refused(spec, data):
    fields = data.draw(st.dictionaries(st.sampled_from(spec.fields + ("id", "version", "x")),
                                       json_values, max_size=6))
    if data.draw(st.booleans()):
        fields.setdefault("id", ID)
        fields.setdefault("version", 1)
    line = json.dumps(fields).encode()
    if data.draw(st.booleans()):
        cut = data.draw(st.integers(0, len(line)))
        line = line[:cut] + data.draw(st.binary(max_size=4)) + line[cut:]
    try:
        [(record_id, version, values)] = read_lines(spec, line) or [(ID, 1, {})]
    except RecordError:
        return
    assert record_id == ID and version >= 1
    columns = _columns(spec.name)
    for name, value in values.items():
        tag, nullable, limit = columns[name]
        assert value is not None or nullable
        if tag == "text" and value is not None:
            assert isinstance(value, str) and len(value) <= limit


def test_a_referrals_documents_and_letter_snapshot_are_read_within_bounds():
    """The JSON a referral carries has a shape: its documents a list of names brought or
    not, what its letter printed texts and table rows — nothing deeper or larger."""
    from puskesos.core.exchange import REFERRAL
    good = {"id": ID, "version": 1,
            "documents": [{"name": "Fotokopi KTP", "present": True}],
            "letter_snapshot": {"penerima.nama": "SITI", "_row_keys": {"lampiran": [
                "nama", "ada"]}, "lampiran": [{"nama": "Fotokopi KTP", "ada": "Ada"}]}}
    [(_id, _v, values)] = read_lines(REFERRAL, json.dumps(good).encode())
    assert values["letter_snapshot"]["lampiran"][0]["ada"] == "Ada"
    for field, bad in (("documents", [{"name": "KTP", "present": "ya"}]),
                       ("documents", {"name": "KTP"}),
                       ("letter_snapshot", {"a": [[["too deep"]]]}),
                       ("letter_snapshot", {"rows": [{"x": "y"}] * 3000}),
                       ("letter_snapshot", {"nama": "SITI\x00"})):
        line = json.dumps(dict(good, **{field: bad})).encode()
        try:
            read_lines(REFERRAL, line)
        except RecordError:
            continue
        raise AssertionError(f"{field}={bad!r:.60} was read")


def test_a_scan_is_taken_only_as_its_record_describes_it():
    """A scan or photo travels as files/<sha256>: taken when its bytes are what the
    record says; a file missing, other bytes, another size or a checksum that is not
    one (a path, say) refuse the bundle."""
    import hashlib

    from puskesos.core.exchange import REFERRAL_ATTACHMENT
    from puskesos.services.exchange.records import attach_contents
    data = b"%PDF-1.4 surat keterangan"
    sha = hashlib.sha256(data).hexdigest()

    def record(**over):
        return [(ID, 1, dict({"sha256": sha, "size": len(data)}, **over))]

    rows = record()
    attach_contents(REFERRAL_ATTACHMENT, rows, {f"files/{sha}": data}.__getitem__)
    assert rows[0][2]["data"] == data
    for rows, files in ((record(), {}),
                        (record(), {f"files/{sha}": data + b"x"}),
                        (record(size=3), {f"files/{sha}": data}),
                        (record(sha256="../../etc/passwd"), {"files/../../etc/passwd": data})):
        try:
            attach_contents(REFERRAL_ATTACHMENT, rows, files.__getitem__)
        except RecordError:
            continue
        raise AssertionError(f"{rows} was taken")


def test_a_code_off_its_list_or_a_nik_that_is_not_16_digits_is_refused():
    """What the program would never store is never taken from a bundle either: a code
    not on its list, a NIK or No KK that is not 16 digits, a reply that is no reply."""
    from puskesos.core.exchange import HOUSEHOLD, MEMBER, REFERRAL_REPLY
    good = [(MEMBER, {"nik": "3523014405870001", "religion": "1"}),
            (HOUSEHOLD, {"no_kk": "3523010101200001", "floor": "1"}),
            (REFERRAL_REPLY, {"outcome": "selesai"})]
    bad = [(MEMBER, {"nik": "35230144058700"}), (MEMBER, {"nik": "35.23.01.44058700"}),
           (MEMBER, {"religion": "99"}), (HOUSEHOLD, {"no_kk": "x" * 16}),
           (HOUSEHOLD, {"floor": "lantai"}), (REFERRAL_REPLY, {"outcome": "dibatalkan"}),
           (REFERRAL_REPLY, {"outcome": "tidak ada"})]
    for spec, fields in good:
        read_lines(spec, json.dumps(dict(fields, id=ID, version=1)).encode())
    for spec, fields in bad:
        try:
            read_lines(spec, json.dumps(dict(fields, id=ID, version=1)).encode())
        except RecordError:
            continue
        raise AssertionError(f"{spec.name} {fields} was read")

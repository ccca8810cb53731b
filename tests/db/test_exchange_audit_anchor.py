"""Every bundle carries the sender's audit head (issue 13 point 3, issue 16 point 6):
the receiver keeps it with the bundle and lists it ('bundle list'), its receipt says
what it saw, and the sender's 'db check' holds its trail against every head the
other office acknowledged — a village whose history was rewritten and hashed again
after sending (which the chain alone cannot tell) is found, naming the bundle."""

from __future__ import annotations

import json

from puskesos.services import open_services
from tests.db.test_audit import _key_of, _rehash
from tests.db.test_bundle_cli import offices  # noqa: F401 - the fixture
from tests.helpers import cli_json as _json


def test_the_heads_a_kabupaten_acknowledged_anchor_the_villages_trail(cli, offices, tmp_path):
    village, kabupaten, usb = offices
    services = open_services(str(village))
    try:
        head = services.audit.anchor()
    finally:
        services.close()
    sent = _json(cli("--db", village, "bundle", "export", "--out", usb, "--json"))
    bundle = usb / sent["files"][0].split("/")[-1]
    done = _json(cli("--db", kabupaten, "bundle", "import", bundle, "--json"))
    # the kabupaten lists the village's head as the signed manifest carried it
    [listed] = _json(cli("--db", kabupaten, "bundle", "list", "--json"))
    assert listed["sequence"] == 1 and listed["audit_head"] is not None
    seq, digest = listed["audit_head"].split(":")
    assert int(seq) >= head.seq and head.text.split(":")[1] != "" and len(digest) >= 16
    text = cli("--db", kabupaten, "bundle", "list").stdout
    assert listed["audit_head"] in text and "Diterapkan" in text
    # the village reads the receipt; its check now holds the acknowledged head too
    receipt = usb / done["receipt"].split("/")[-1]
    assert _json(cli("--db", village, "bundle", "import", receipt, "--json"))["receipt"]
    checked = _json(cli("--db", village, "db", "check", "--json"))
    assert checked["ok"] and checked["acknowledged_heads"] == 1
    # the same head given as an anchor by hand passes too
    assert cli("--db", village, "db", "check", "--anchor", listed["audit_head"]
               ).returncode == 0
    # someone with the database's key rewrites an entry before that head and hashes
    # the trail again: the chain alone fits, the acknowledged head does not
    services = open_services(str(village))
    try:
        key, from_seq = _key_of(services)
        with services.db.write() as s:
            _rehash(s, key=key, from_seq=from_seq, changes={2: {"new_value": "PALSU"}})
        assert services.audit.verify().ok
    finally:
        services.close()
    result = cli("--db", village, "db", "check", "--json")
    assert result.returncode != 0
    problems = " ".join(json.loads(result.stdout)["problems"])
    assert f"entri {seq}" in problems and "bundel 1" in problems and "35.23" in problems

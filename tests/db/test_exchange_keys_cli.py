"""The exchange keys on the command line (issue 16 points 2, 7 and 8): ``init
--kabupaten`` (SQLite and PostgreSQL), keys made at ``init`` and on first need,
``keys export``, ``keys trust`` (the fingerprint confirmed on a terminal or given),
``keys list``, ``keys revoke`` and ``keys rotate``, run in process."""

from __future__ import annotations

import builtins
import sys

import pytest

from tests.conftest import VILLAGE
from tests.helpers import cli_json as _json


@pytest.fixture
def offices(cli, tmp_path):
    """A village and its kabupaten, each made by ``init`` (the administrator's password
    from PUSKESOS_PASSWORD)."""
    village, kabupaten = tmp_path / "jlodro.sqlite", tmp_path / "tuban.sqlite"
    made = _json(cli("--db", village, "init", "--village", VILLAGE, "--json"))
    assert made["office"] == {"kind": "desa", "code": VILLAGE, "name": "Desa Jlodro"}
    made = _json(cli("--db", kabupaten, "init", "--kabupaten", "3523", "--json"))
    assert made["office"] == {"kind": "kabupaten", "code": "35.23", "name": "Kabupaten Tuban"}
    return village, kabupaten


def test_init_makes_the_keys_and_show_prints_their_fingerprint(cli, offices):
    village, kabupaten = offices
    for db in offices:
        shown = _json(cli("--db", db, "keys", "show", "--json"))
        assert len([c for c in shown["fingerprint"] if c.isdigit()]) == 30
    text = cli("--db", kabupaten, "keys", "show").stdout
    assert "Kabupaten Tuban" in text and shown["fingerprint"] in text


def test_init_refuses_a_wrong_code_and_both_kinds_at_once(cli, tmp_path):
    db = tmp_path / "x.sqlite"
    wrong = cli("--db", db, "init", "--kabupaten", "35.99")
    assert wrong.returncode == 2 and "35.99" in wrong.stderr and not db.exists()
    village_code = cli("--db", db, "init", "--kabupaten", VILLAGE)
    assert village_code.returncode == 2 and not db.exists()
    for usage in (("--kabupaten", "35.23", "--village", VILLAGE), ()):   # both, neither
        with pytest.raises(SystemExit) as refused:
            cli("--db", db, "init", *usage)
        assert refused.value.code == 2 and not db.exists()


@pytest.mark.postgres
def test_init_kabupaten_on_postgresql(cli, pg_url):
    made = _json(cli("--db", pg_url, "init", "--kabupaten", "35.23", "--json"))
    assert made["office"]["kind"] == "kabupaten" and "recovery_key" not in made
    shown = _json(cli("--db", pg_url, "keys", "show", "--json"))
    assert shown["fingerprint"] == made["fingerprint"] and shown["code"] == "35.23"


def test_a_database_made_before_the_keys_gets_them_from_an_administrator(cli, cli_village):
    shown = _json(cli("--db", cli_village, "keys", "show", "--json"))
    assert shown["kind"] == "desa" and shown["code"] == VILLAGE
    assert _json(cli("--db", cli_village, "keys", "show", "--json")) == shown


def test_export_trust_list_revoke_by_command(cli, offices, tmp_path):
    village, kabupaten = offices
    card = tmp_path / "usb" / "jlodro.json"
    card.parent.mkdir()
    exported = _json(cli("--db", village, "keys", "export", "--out", card, "--json"))
    assert card.exists() and exported["file"] == str(card)
    # a script must give the fingerprint it compared
    unconfirmed = cli("--db", kabupaten, "keys", "trust", card)
    assert unconfirmed.returncode == 2 and "--fingerprint" in unconfirmed.stderr
    wrong = cli("--db", kabupaten, "keys", "trust", card, "--fingerprint", "1" * 30)
    assert wrong.returncode == 2 and exported["fingerprint"] not in wrong.stderr
    assert _json(cli("--db", kabupaten, "keys", "list", "--json")) == []
    trusted = cli("--db", kabupaten, "keys", "trust", card, "--fingerprint",
                  exported["fingerprint"])
    assert trusted.returncode == 0, trusted.stderr
    assert all(word in trusted.stdout for word in (VILLAGE, "Desa Jlodro",
                                                    exported["fingerprint"], "Desa/Kelurahan"))
    peer = _json(cli("--db", kabupaten, "keys", "trust", card, "--fingerprint",
                     exported["fingerprint"], "--json"))          # again: nothing changes
    assert peer["code"] == VILLAGE and peer["revoked"] is False
    listed = _json(cli("--db", kabupaten, "keys", "list", "--json"))
    assert [{k: p[k] for k in ("code", "kind", "name", "fingerprint", "revoked")}
            for p in listed] == [{"code": VILLAGE, "kind": "desa", "name": "Desa Jlodro",
                                  "fingerprint": exported["fingerprint"], "revoked": False}]
    assert listed[0]["trusted_at"]
    assert cli("--db", kabupaten, "keys", "revoke", VILLAGE, "--reason", " "
               ).returncode == 2                                          # no reason
    revoked = _json(cli("--db", kabupaten, "keys", "revoke", VILLAGE, "--reason",
                        "flashdisk hilang", "--json"))
    assert revoked["revoked"] is True
    assert _json(cli("--db", kabupaten, "keys", "list", "--json"))[0]["revoked"] is True
    again = cli("--db", kabupaten, "keys", "trust", card, "--fingerprint",
                exported["fingerprint"])
    assert again.returncode == 2 and "--reason" in again.stderr


def test_trust_asks_on_a_terminal(cli, offices, tmp_path, monkeypatch):
    village, kabupaten = offices
    card = tmp_path / "tuban.json"
    exported = _json(cli("--db", kabupaten, "keys", "export", "--out", card, "--json"))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(builtins, "input", lambda prompt="": "t")
    declined = cli("--db", village, "keys", "trust", card)
    assert declined.returncode == 2 and exported["fingerprint"] in declined.stdout
    assert _json(cli("--db", village, "keys", "list", "--json")) == []
    monkeypatch.setattr(builtins, "input", lambda prompt="": "ya")
    assert cli("--db", village, "keys", "trust", card).returncode == 0
    assert _json(cli("--db", village, "keys", "list", "--json"))[0]["code"] == "35.23"


def test_a_rotation_travels_as_a_replacement(cli, offices, tmp_path):
    village, kabupaten = offices
    first = tmp_path / "jlodro.json"
    old = _json(cli("--db", village, "keys", "export", "--out", first, "--json"))
    assert cli("--db", kabupaten, "keys", "trust", first, "--fingerprint",
               old["fingerprint"]).returncode == 0
    new = _json(cli("--db", village, "keys", "rotate", "--json"))
    assert new["fingerprint"] != old["fingerprint"]
    assert new["replaces_fingerprint"] == old["fingerprint"]
    second = tmp_path / "jlodro-baru.json"
    cli("--db", village, "keys", "export", "--out", second)
    peer = _json(cli("--db", kabupaten, "keys", "trust", second, "--fingerprint",
                     new["fingerprint"], "--json"))
    assert peer["fingerprint"] == new["fingerprint"] and peer["replaced_keys"] == 1

"""The services never store a name or free text with control characters, NUL or
text-direction overrides, nor one over its field's limit: each is refused with a
message naming the field (and the limit), on both engines and from the command
line (issue 13 point 5).  Before, SQLite stored a NUL and a megabyte name as
given, and PostgreSQL failed on an over-long value with a "bug"."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from puskesos.core.codes import VervalResult
from puskesos.errors import InvalidInput
from puskesos.services.verval import Attendee

from tests.conftest import ADMIN, OPERATOR
from tests.db.test_cli import run
from tests.helpers import family

RLO = "\u202e"


def _saved(services):
    house, people = family()
    return services.households.save(actor=OPERATOR, household=house, members=people)


@pytest.mark.parametrize("change, says", [
    (dict(address="JL. MA\x00WAR 1"), "Alamat berisi karakter kontrol"),
    (dict(address=f"JL. {RLO}RAWAM"), "Alamat berisi karakter kontrol"),
    (dict(address="JL. " + "A" * 1_000_000),
     "Alamat berisi 1.000.004 karakter; paling banyak 200 karakter"),
    (dict(note="catatan " * 600), "Catatan berisi 4.799 karakter; paling banyak 4000"),
])
def test_a_household_with_hostile_or_huge_text_is_refused(services, change, says):
    house, people = family()
    with pytest.raises(InvalidInput) as refused:
        services.households.save(actor=OPERATOR, household=replace(house, **change),
                                 members=people)
    assert says in refused.value.message
    assert services.households.search(actor=OPERATOR)[1] == 0


@pytest.mark.parametrize("name, says", [
    ("SRI\x00WAHYUNI", "Nama berisi karakter kontrol"),
    ("B" * 1_000_000, "Nama berisi 1.000.000 karakter; paling banyak 120 karakter"),
])
def test_a_member_with_a_hostile_or_huge_name_is_refused(services, name, says):
    house, people = family()
    people[1] = replace(people[1], name=name)
    with pytest.raises(InvalidInput) as refused:
        services.households.save(actor=OPERATOR, household=house, members=people)
    assert says in refused.value.message


def test_verval_notes_and_the_musdes_refuse_hostile_or_huge_text(services):
    _saved(services)
    cycle = services.verval.create_cycle(actor=OPERATOR, name="Verval", period="2026-S1")
    services.verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    entry = services.verval.entries(actor=OPERATOR, cycle_id=cycle.id)[0]
    with pytest.raises(InvalidInput) as refused:
        services.verval.record_result(actor=OPERATOR, entry_id=entry.id,
                                      result=VervalResult.TETAP.value, note="ada\x00apa")
    assert "Catatan berisi karakter kontrol" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        services.verval.save_musdes(actor=OPERATOR, cycle_id=cycle.id,
                                    held_on=date(2026, 1, 9), place="BALAI " * 100,
                                    attendees=[Attendee("SUPARMAN", "Kepala Desa")])
    assert "Tempat berisi 599 karakter; paling banyak 200" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        services.verval.save_musdes(actor=OPERATOR, cycle_id=cycle.id,
                                    held_on=date(2026, 1, 9), place="BALAI DESA",
                                    attendees=[Attendee(f"SUPAR{RLO}MAN", "Kepala Desa")])
    assert "Nama berisi karakter kontrol" in refused.value.message
    assert services.verval.musdes(cycle.id, actor=OPERATOR) is None


def test_an_officer_name_with_a_direction_override_is_refused(services):
    with pytest.raises(InvalidInput) as refused:
        services.officers.add(actor=ADMIN, name=f"BUDI {RLO}SANTOSO", role="operator")
    assert "Nama berisi karakter kontrol" in refused.value.message


def test_the_command_line_refuses_hostile_and_huge_names(tmp_path):
    db = tmp_path / "desa.sqlite"
    assert run("--db", str(db), "init", "--village", "3523012001").returncode == 0
    added = run("--lang", "en", "--db", str(db), "user", "add", "budi", "--role", "operator",
                "--name", f"BUDI {RLO}SANTOSO", "--password", "rahasia-sekali-1")
    assert added.returncode == 2
    assert "Name contains invisible control or text-direction characters" in added.stderr
    village = run("--lang", "en", "--db", str(db), "settings", "village", "--kepala-desa",
                  "K" * 300)
    assert village.returncode == 2
    assert "kepala_desa is 300 characters long; at most 200 are allowed" in village.stderr


def test_a_verval_correction_with_hostile_or_huge_text_is_refused(services):
    from puskesos.services.verval import Correction
    saved = _saved(services)
    cycle = services.verval.create_cycle(actor=OPERATOR, name="Verval", period="2026-S1")
    services.verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    entry = services.verval.entries(actor=OPERATOR, cycle_id=cycle.id)[0]
    for value, says in ((f"JL. {RLO}BARU", "Alamat berisi karakter kontrol"),
                        ("JL. " + "B" * 300, "Alamat berisi 304 karakter; paling banyak 200")):
        with pytest.raises(InvalidInput) as refused:
            services.verval.record_result(
                actor=OPERATOR, entry_id=entry.id, result=VervalResult.PERBAIKAN_DATA.value,
                corrections=[Correction("household", saved.id, "address", value)])
        assert says in refused.value.message
    assert services.verval.proposals(cycle_id=cycle.id, actor=OPERATOR) == []

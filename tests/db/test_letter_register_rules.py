"""Rules of the letter register as the operator, the kepala desa and an auditor see them.

The numbering itself (per type and year, no duplicate under two operators) is in
test_letters.py; these are the rules around it: voiding, numbers typed outside the
program, what the register lists, the configured number patterns and the audit trail.
"""

from datetime import datetime

import pytest
from sqlalchemy import text

from puskesos.errors import InvalidInput, NotFound
from puskesos.models import Letter
from puskesos.services.letters import format_number

from tests.conftest import ADMIN, OPERATOR
from tests.helpers import ChangeElsewhere, at_the_same_moment

WHEN = datetime(2026, 4, 2)


def _issue(services, letter_type="sktm", when=WHEN, **kw):
    return services.letters.issue(actor=OPERATOR, letter_type=letter_type, when=when, **kw)


def _configure(services, types):
    services.settings.set(actor=ADMIN, key="letter_types", value=types)


# --- voiding -------------------------------------------------------------------------


def test_a_voided_number_stays_in_the_register_with_its_reason_and_is_not_reused(services):
    first = _issue(services)
    _issue(services)
    voided = services.letters.void(actor=OPERATOR, letter_id=first.id,
                                   reason="  salah NIK pemohon ")
    assert (voided.number, voided.status, voided.void_reason) == (1, "void",
                                                                 "salah NIK pemohon")
    third = _issue(services)
    assert third.number == 3
    register = services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR)
    assert [(r.number, r.status, r.void_reason) for r in register] == [
        (1, "void", "salah NIK pemohon"), (2, "issued", None), (3, "issued", None)]
    assert services.letters.gaps(letter_type="sktm", year=2026, actor=OPERATOR) == []


def test_a_letter_can_be_voided_only_once_and_keeps_the_first_reason(services):
    letter = _issue(services)
    services.letters.void(actor=OPERATOR, letter_id=letter.id, reason="salah nama")
    with pytest.raises(InvalidInput) as err:
        services.letters.void(actor=OPERATOR, letter_id=letter.id, reason="dobel")
    assert err.value.message == "Surat itu sudah dibatalkan."
    [listed] = services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR)
    assert (listed.status, listed.void_reason) == ("void", "salah nama")
    # the audit trail holds the one voiding only
    history = services.audit.history(actor=ADMIN, entity_ids=[letter.id])
    assert [e.action for e in history] == ["update", "create"]


def test_a_letter_voided_on_two_computers_at_once_is_voided_once(services, db_target):
    """The second voiding waits for the first and is then told the letter is already
    void: one reason in the register, one voiding in the audit trail."""
    letter = _issue(services)
    elsewhere = ChangeElsewhere(db_target, "UPDATE letter SET status = 'void', "
                                "void_reason = 'dobel' WHERE id = :id", {"id": letter.id})
    [outcome] = at_the_same_moment(elsewhere, lambda: services.letters.void(
        actor=OPERATOR, letter_id=letter.id, reason="salah nama"))
    assert isinstance(outcome, InvalidInput)
    assert outcome.message == "Surat itu sudah dibatalkan."
    [listed] = services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR)
    assert (listed.status, listed.void_reason) == ("void", "dobel")
    assert [e.action for e in services.audit.history(actor=ADMIN, entity_ids=[letter.id])
            ] == ["create"]


@pytest.mark.parametrize("reason", ["", None, "   "])
def test_voiding_without_a_reason_is_refused_and_the_letter_stays_issued(services, reason):
    letter = _issue(services)
    with pytest.raises(InvalidInput) as err:
        services.letters.void(actor=OPERATOR, letter_id=letter.id, reason=reason)
    assert err.value.message == "Tuliskan alasan perubahan ini."
    [listed] = services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR)
    assert (listed.status, listed.void_reason) == ("issued", None)


def test_voiding_a_letter_that_is_not_in_the_register_says_so(services):
    with pytest.raises(NotFound) as err:
        services.letters.void(actor=OPERATOR, letter_id="00000000-0000-0000-0000-000000000000",
                              reason="salah")
    assert err.value.message == "Surat itu tidak ada dalam buku register."


def test_the_audit_trail_shows_who_voided_which_letter_and_why(services):
    letter = _issue(services, subject="SKTM beasiswa")
    services.letters.void(actor=OPERATOR, letter_id=letter.id, reason="pemohon pindah")
    voiding, creation = services.audit.history(actor=ADMIN, entity_ids=[letter.id])
    assert (voiding.action, voiding.actor, voiding.entity, voiding.entity_id, voiding.field,
            voiding.old_value, voiding.new_value, voiding.reason) == (
        "update", "operator", "letter", letter.id, "status", "issued", "void", "pemohon pindah")
    assert creation.action == "create" and creation.new_value == letter.text
    assert services.audit.verify().ok


@pytest.mark.parametrize(("subject", "said"), [
    ("x" * 201, "Perihal berisi 201 karakter; paling banyak 200 karakter. Persingkat "
                "isiannya."),
    ("SKTM\u202ebeasiswa", "Perihal berisi karakter kontrol atau pengatur arah teks"),
])
def test_a_subject_too_long_or_with_hidden_characters_is_refused_naming_the_field(
        services, subject, said):
    """The subject of an issued or a hand-typed letter: refused whole, never cut, with
    the field named; no number is taken."""
    with pytest.raises(InvalidInput) as refused:
        _issue(services, subject=subject)
    assert refused.value.message.startswith(said)
    with pytest.raises(InvalidInput) as refused:
        services.letters.record_external(actor=OPERATOR, letter_type="sktm", year=2026,
                                         number=7, number_text="460/007/2026",
                                         subject=subject)
    assert refused.value.message.startswith(said)
    assert services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR) == []
    assert _issue(services, subject="x" * 200).number == 1


# --- numbers of letters typed outside the program ------------------------------------


def test_the_first_letter_of_the_year_typed_by_hand_can_be_recorded_as_number_1(services):
    external = services.letters.record_external(
        actor=OPERATOR, letter_type="sktm", year=2026, number=1,
        number_text="460/001/35.23.01.2001/I/2026")
    assert (external.number, external.external, external.status) == (1, True, "issued")
    assert _issue(services).number == 2
    assert services.letters.gaps(letter_type="sktm", year=2026, actor=OPERATOR) == []


@pytest.mark.parametrize("number", [0, -3])
def test_a_hand_typed_number_below_1_is_refused(services, number):
    with pytest.raises(InvalidInput) as err:
        services.letters.record_external(actor=OPERATOR, letter_type="sktm", year=2026,
                                         number=number, number_text="460/000/2026")
    assert err.value.message == "Nomor surat dimulai dari 1."
    assert services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR) == []


def test_a_hand_typed_number_collides_only_with_the_same_type_and_year(services):
    """Number 2 of SKTM 2026 is free although Rujukan 2026 and SKTM 2025 have a 2."""
    for _ in range(2):
        _issue(services, "rujukan")
        _issue(services, "sktm", when=datetime(2025, 12, 1))
    _issue(services, "sktm")
    recorded = services.letters.record_external(
        actor=OPERATOR, letter_type="sktm", year=2026, number=2,
        number_text="460/002/35.23.01.2001/IV/2026")
    assert recorded.number == 2
    assert [r.number for r in services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR)] == [1, 2]


def test_a_number_already_in_the_register_is_refused_naming_the_letter_that_has_it(services):
    _issue(services)
    second = _issue(services)
    with pytest.raises(InvalidInput) as err:
        services.letters.record_external(actor=OPERATOR, letter_type="sktm", year=2026,
                                         number=2, number_text="460/002/manual")
    assert err.value.message == (
        "Nomor 2 tahun 2026 sudah ada dalam buku register (460/002/35.23.01.2001/IV/2026).")
    assert second.text == "460/002/35.23.01.2001/IV/2026"
    assert len(services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR)) == 2


def test_a_hand_typed_letter_keeps_its_subject_and_is_audited_as_external(services):
    recorded = services.letters.record_external(
        actor=OPERATOR, letter_type="sktm", year=2026, number=4,
        number_text="  460/004/35.23.01.2001/II/2026 ", subject="diketik di mesin tik")
    assert recorded.text == "460/004/35.23.01.2001/II/2026"
    assert recorded.issued_at is not None
    with services.db.read() as s:
        assert s.get(Letter, recorded.id).subject == "diketik di mesin tik"
    [entry] = services.audit.history(actor=ADMIN, entity_ids=[recorded.id])
    assert (entry.action, entry.actor, entry.entity, entry.entity_id, entry.field,
            entry.old_value, entry.new_value, entry.reason) == (
        "create", "operator", "letter", recorded.id, "number_text", None,
        "460/004/35.23.01.2001/II/2026", "external letter")
    assert services.audit.verify().ok


# --- what the register lists ---------------------------------------------------------


def test_the_register_of_a_type_and_year_lists_only_its_letters_by_number(services):
    for number in (3, 1):
        services.letters.record_external(actor=OPERATOR, letter_type="sktm", year=2026,
                                         number=number, number_text=f"460/{number:03d}/2026")
    _issue(services, "rujukan")
    _issue(services, "sktm", when=datetime(2027, 1, 4))
    fourth = _issue(services)
    services.letters.record_external(actor=OPERATOR, letter_type="sktm", year=2026,
                                     number=2, number_text="460/002/2026")
    # a database that knows the table is small (PostgreSQL's autovacuum analyses it on
    # its own) reads it in the order the rows were written: 3, 1, 4, 2
    with services.db.write() as s:
        s.execute(text("ANALYZE letter"))
    register = services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR)
    assert [(r.letter_type, r.year, r.number) for r in register] == [
        ("sktm", 2026, 1), ("sktm", 2026, 2), ("sktm", 2026, 3), ("sktm", 2026, 4)]
    assert register[-1] == fourth
    assert [r.number for r in services.letters.register(letter_type="rujukan",
                                                        year=2026, actor=OPERATOR)] == [1]
    assert [r.year for r in services.letters.register(letter_type="sktm",
                                                      year=2027, actor=OPERATOR)] == [2027]


# --- letter types and number patterns from the settings ------------------------------


def test_an_unknown_letter_type_is_refused_by_its_name(services):
    with pytest.raises(InvalidInput) as err:
        _issue(services, "sk_usaha")
    assert err.value.message == "Jenis surat sk_usaha tidak dikenal."
    with pytest.raises(InvalidInput) as err:
        services.letters.record_external(actor=OPERATOR, letter_type="sk_usaha", year=2026,
                                         number=1, number_text="1")
    assert err.value.message == "Jenis surat sk_usaha tidak dikenal."


def test_a_new_letter_type_from_the_settings_gets_the_default_pattern_and_its_own_numbers(
        services):
    _configure(services, {"domisili": {"kode": "470", "name": "Surat Keterangan Domisili"}})
    types = services.letters.letter_types()
    assert types["domisili"]["name"] == "Surat Keterangan Domisili"
    assert types["sktm"]["kode"] == "460"  # the built-in types stay
    _issue(services, "sktm")
    letter = _issue(services, "domisili")
    assert (letter.number, letter.text) == (1, "470/001/35.23.01.2001/IV/2026")


def test_the_configured_pattern_shapes_the_number_text(services):
    """An office that writes the month as a number (04) instead of Roman (IV)."""
    _configure(services, {"sktm": {"pattern": "{kode}/{nomor:03d}/{kode_desa}/{bulan:02d}/"
                                              "{tahun}"}})
    letter = _issue(services)
    assert letter.text == "460/001/35.23.01.2001/04/2026"
    assert services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR)[0].text == letter.text


def test_format_options_apply_to_the_code_and_the_village_code(services):
    """A classification code stored as a number can be zero-padded, and the village
    code cut to its kecamatan part; a valid pattern like that is not refused."""
    _configure(services, {"sktm": {"kode": 460,
                                   "pattern": "{kode:04d}/{nomor:03d}/{kode_desa:.8}/{tahun}"}})
    assert _issue(services).text == "0460/001/35.23.01/2026"


def test_a_type_without_a_code_never_prints_a_placeholder_for_it(services):
    """Without a classification code the code part of the number stays empty (not
    'None'), also where the pattern gives the code a width."""
    _configure(services, {"pengantar": {"name": "Surat Pengantar"},
                          "undangan": {"name": "Undangan", "pattern": "{nomor:03d}/{kode:>3}/"
                                                                      "{tahun}"}})
    assert _issue(services, "pengantar").text == "/001/35.23.01.2001/IV/2026"
    assert _issue(services, "undangan").text == "001/   /2026"


def test_a_broken_pattern_is_reported_with_the_pattern_and_the_bad_placeholder():
    with pytest.raises(InvalidInput) as err:
        format_number("{kode}/{nomer}/{tahun}", kode="460", nomor=1,
                      kode_desa="35.23.01.2001", when=WHEN)
    assert err.value.message.startswith(
        "Pola nomor surat {kode}/{nomer}/{tahun} memuat isian yang tidak dikenal atau rusak "
        "('nomer').")


def test_after_a_refused_pattern_is_corrected_the_first_letter_is_still_number_1(services):
    _configure(services, {"sktm": {"pattern": "{kode}/{nomor:03d}/{bulan_rom}/{tahun}"}})
    with pytest.raises(InvalidInput):
        _issue(services)
    assert services.letters.gaps(letter_type="sktm", year=2026, actor=OPERATOR) == []
    _configure(services, {"sktm": {"pattern": "{kode}/{nomor:03d}/{bulan_romawi}/{tahun}"}})
    letter = _issue(services)
    assert (letter.number, letter.text) == (1, "460/001/IV/2026")
    assert services.letters.gaps(letter_type="sktm", year=2026, actor=OPERATOR) == []

"""The letter register: no duplicate and no gap, also with two operators at once."""

import threading
from datetime import datetime

import pytest
from sqlalchemy import text

from puskesos.errors import InvalidInput
from puskesos.services import open_services

from tests.conftest import ADMIN, OPERATOR


def test_numbers_follow_the_pattern_and_restart_each_year(services):
    first = services.letters.issue(actor=OPERATOR, letter_type="sktm",
                                   when=datetime(2026, 4, 2))
    second = services.letters.issue(actor=OPERATOR, letter_type="sktm",
                                    when=datetime(2026, 11, 20))
    assert first.text == "460/001/35.23.01.2001/IV/2026"
    assert second.text == "460/002/35.23.01.2001/XI/2026"
    next_year = services.letters.issue(actor=OPERATOR, letter_type="sktm",
                                       when=datetime(2027, 1, 3))
    assert next_year.number == 1 and next_year.text.endswith("/I/2027")
    # each letter type has its own sequence
    assert services.letters.issue(actor=OPERATOR, letter_type="rujukan",
                                  when=datetime(2026, 5, 1)).number == 1


def test_void_keeps_its_number_and_external_numbers_fill_the_sequence(services):
    a = services.letters.issue(actor=OPERATOR, letter_type="sktm", when=datetime(2026, 1, 5))
    with pytest.raises(InvalidInput):
        services.letters.void(actor=OPERATOR, letter_id=a.id, reason=" ")
    services.letters.void(actor=OPERATOR, letter_id=a.id, reason="salah nama")
    services.letters.record_external(actor=OPERATOR, letter_type="sktm", year=2026, number=2,
                                     number_text="460/002/35.23.01.2001/I/2026",
                                     subject="diketik manual")
    with pytest.raises(InvalidInput):
        services.letters.record_external(actor=OPERATOR, letter_type="sktm", year=2026,
                                         number=2, number_text="x")
    c = services.letters.issue(actor=OPERATOR, letter_type="sktm", when=datetime(2026, 1, 9))
    assert c.number == 3
    register = services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR)
    assert [(r.number, r.status, r.external) for r in register] == [
        (1, "void", False), (2, "issued", True), (3, "issued", False)]
    assert services.letters.gaps(letter_type="sktm", year=2026, actor=OPERATOR) == []


def test_the_gap_report_names_a_missing_number_at_the_top_of_the_year(services):
    """The register reports every number from 1 up to the year's counter that has no
    letter, including the last ones: with 1-3 issued and number 5 recorded, 4 is
    missing; when letter 5 then disappears from the table (deleted outside the
    program), 5 is reported as well, and so is 3 when the newest issued letter goes."""
    for day in (5, 6, 7):
        services.letters.issue(actor=OPERATOR, letter_type="sktm",
                               when=datetime(2026, 3, day))
    assert services.letters.gaps(letter_type="sktm", year=2026, actor=OPERATOR) == []
    services.letters.record_external(actor=OPERATOR, letter_type="sktm", year=2026, number=5,
                                     number_text="460/005/35.23.01.2001/III/2026")
    assert services.letters.gaps(letter_type="sktm", year=2026, actor=OPERATOR) == [4]
    with services.db.write() as s:
        s.execute(text("DELETE FROM letter WHERE letter_type = 'sktm' AND number = 5"))
    assert services.letters.gaps(letter_type="sktm", year=2026, actor=OPERATOR) == [4, 5]
    rujukan = [services.letters.issue(actor=OPERATOR, letter_type="rujukan",
                                      when=datetime(2026, 3, 9)) for _ in range(3)]
    with services.db.write() as s:
        s.execute(text("DELETE FROM letter WHERE id = :id"), {"id": rujukan[-1].id})
    assert services.letters.gaps(letter_type="rujukan", year=2026, actor=OPERATOR) == [3]
    assert services.letters.gaps(letter_type="sktm", year=2026, actor=OPERATOR) == [4, 5]


def test_a_broken_pattern_is_refused_before_a_number_is_taken(services):
    services.settings.set(actor=ADMIN, key="letter_types",
                          value={"sktm": {"pattern": "{kode}/{nomer}/{tahun}"}})
    with pytest.raises(InvalidInput) as err:
        services.letters.issue(actor=OPERATOR, letter_type="sktm")
    assert "nomer" in err.value.message
    assert services.letters.register(letter_type="sktm", year=datetime.now().year, actor=OPERATOR) == []


def test_two_operators_at_once_get_no_duplicate_and_no_gap(services, db_target):
    second = open_services(db_target)
    errors = []

    def work(svc):
        try:
            for _ in range(20):
                svc.letters.issue(actor=OPERATOR, letter_type="sktm",
                                  when=datetime(2026, 6, 1))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(svc,)) for svc in (services, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    second.close()
    assert errors == []
    numbers = [r.number for r in services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR)]
    assert numbers == list(range(1, 41))
    assert services.letters.gaps(letter_type="sktm", year=2026, actor=OPERATOR) == []


def test_a_gap_is_not_hidden_by_letters_of_another_year_or_type(services):
    """Number 1 missing in 2026 is reported although 2027 and another type have a 1."""
    issued = [services.letters.issue(actor=OPERATOR, letter_type="sktm",
                                     when=datetime(2026, 3, d)) for d in (1, 2)]
    services.letters.issue(actor=OPERATOR, letter_type="sktm", when=datetime(2027, 1, 2))
    services.letters.issue(actor=OPERATOR, letter_type="rujukan", when=datetime(2026, 3, 3))
    with services.db.write() as s:
        s.execute(text("DELETE FROM letter WHERE id = :id"), {"id": issued[0].id})
    assert services.letters.gaps(letter_type="sktm", year=2026, actor=OPERATOR) == [1]
    assert services.letters.gaps(letter_type="sktm", year=2027, actor=OPERATOR) == []
    assert services.letters.gaps(letter_type="sktm", year=2028, actor=OPERATOR) == []


def test_an_issued_letter_is_registered_and_audited_with_what_it_is_about(services):
    """The register keeps the type, year, time, subject and the record the letter is
    for; the audit trail says who created which number, with the subject as reason."""
    from puskesos.models import Letter
    letter = services.letters.issue(actor=OPERATOR, letter_type="sktm",
                                    subject="SKTM untuk beasiswa", entity="member",
                                    entity_id="m-123", when=datetime(2026, 6, 15))
    assert (letter.letter_type, letter.year, letter.number) == ("sktm", 2026, 1)
    assert letter.issued_at is not None and letter.void_reason is None
    assert letter.status == "issued" and not letter.external
    [listed] = services.letters.register(letter_type="sktm", year=2026, actor=OPERATOR)
    assert listed == letter
    with services.db.read() as s:
        row = s.get(Letter, letter.id)
        assert (row.subject, row.entity, row.entity_id) == ("SKTM untuk beasiswa", "member",
                                                            "m-123")
    entry = services.audit.recent(actor=ADMIN, limit=1)[0]
    assert (entry.action, entry.entity, entry.entity_id, entry.field) == \
        ("create", "letter", letter.id, "number_text")
    assert entry.old_value is None and entry.new_value == letter.text
    assert entry.reason == "SKTM untuk beasiswa" and entry.actor == "operator"

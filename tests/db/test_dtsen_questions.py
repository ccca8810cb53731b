"""The DTSEN questions that were not stored before (issue 12, point 10): a member's
411, 414, 417, 419–429 (428a–j), 431a–f and a household's 205, 206, 503, 505, 506 are
saved, read back, checked, told in the history in plain words, and survive a new
schema (on SQLite and PostgreSQL)."""

from dataclasses import replace

import pytest

from puskesos.core import questions
from puskesos.errors import InvalidInput
from puskesos.services.registry.history import household_history

from tests.conftest import OPERATOR
from tests.helpers import family


ANSWERS = {
    "documents": "5",            # akta kelahiran + KTP
    "highest_grade": 6,
    "work_field": "1",
    "has_npwp": "2",
    "business_count": 1,
    "business_field": "12",
    "paid_workers": 0,
    "unpaid_workers": 2,
    "business_licence": "2",
    "business_turnover": "1",
    "business_internet": "1",
    "nutrition": "3",
    "difficulty_seeing": "2",
    "difficulty_hearing": "4",
    "difficulty_walking": "1",
    "difficulty_hands": "4",
    "difficulty_learning": "4",
    "difficulty_behaviour": "4",
    "difficulty_speaking": "3",
    "difficulty_self_care": "4",
    "difficulty_remembering": "4",
    "sadness": "3",
    "has_caregiver": "1",
    "health_insurance": "1",     # PBI JKN
    "prakerja": "2",
    "kur": "8",
    "umi": "2",
    "pip": "1",
    "employment_insurance": "6",  # kematian + hari tua
}
HOUSEHOLD_ANSWERS = {"enumeration_result": "1", "poverty_status": "1", "land_area": 250.0,
                     "internet": "3", "bank_account": "4"}


def test_every_question_of_the_issue_has_a_field():
    numbers = {q.number for q in questions.QUESTIONS}
    wanted = {"411", "414", "417", *map(str, range(419, 430)),
              *(f"428{c}" for c in "abcdefghij"), *(f"431{c}" for c in "abcdef"),
              "205", "206", "503", "505", "506"}
    wanted.discard("428")
    assert wanted <= numbers
    assert set(ANSWERS) == set(questions.MEMBER_QUESTION_FIELDS)
    assert set(HOUSEHOLD_ANSWERS) == set(questions.HOUSEHOLD_QUESTION_FIELDS)


def test_answers_are_stored_and_read_back(services):
    house, people = family()
    house = replace(house, **HOUSEHOLD_ANSWERS)
    people[0] = replace(people[0], **ANSWERS)
    dto = services.households.save(actor=OPERATOR, household=house, members=people)
    again = services.households.get(actor=OPERATOR, household_id=dto.id)
    head = again.members[0]
    assert {f: getattr(head, f) for f in ANSWERS} == ANSWERS
    assert {f: getattr(again.data, f) for f in HOUSEHOLD_ANSWERS} == HOUSEHOLD_ANSWERS
    # the other members have no answers yet
    assert all(getattr(again.members[1], f) is None for f in ANSWERS)


@pytest.mark.parametrize("field, value", [
    ("documents", "8"),            # no item is worth 8 (1 akta, 2 KIA, 4 KTP)
    ("difficulty_seeing", "5"),
    ("highest_grade", 9),          # grades 1–8
    ("paid_workers", -1),
    ("health_insurance", "x"),
])
def test_an_answer_the_question_does_not_take_is_refused(services, field, value):
    house, people = family()
    people[0] = replace(people[0], **{field: value})
    with pytest.raises(InvalidInput) as err:
        services.households.save(actor=OPERATOR, household=house, members=people)
    assert field in {p.field for p in err.value.issues}


def test_history_tells_an_answer_in_words(services):
    house, people = family()
    dto = services.households.save(actor=OPERATOR, household=house, members=people)
    members = [m.as_input() for m in dto.members]
    members[0] = replace(members[0], difficulty_walking="2", documents="5")
    services.households.save(actor=OPERATOR, household=replace(dto.data, internet="2"),
                             members=members, household_id=dto.id,
                             expected_version=dto.version)
    text = "\n".join(line.text for line in household_history(
        services, actor=OPERATOR, household_id=dto.id))
    assert "Kesulitan berjalan atau naik tangga" in text
    assert "Ya, banyak kesulitan" in text
    assert "Akta kelahiran, KTP" in text
    assert "Akses internet" in text and "Ya, wifi" in text


@pytest.mark.parametrize("text, stored", [
    ("5", "5"), ("5.0", "5"), ("Akta kelahiran, KTP", "5"), ("ktp+kia", "6"),
    ("Tidak punya", "0"), ("0", "0"), ("", None),
])
def test_ticked_answers_are_read_as_the_questionnaire_writes_them(text, stored):
    assert questions.DOCUMENTS.read(text) == stored


@pytest.mark.parametrize("text", ["8", "32", "paspor", "-1"])
def test_a_ticked_answer_that_is_not_on_the_list_is_refused(text):
    with pytest.raises(ValueError):
        questions.DOCUMENTS.read(text)


@pytest.mark.parametrize("field, text, stored", [
    ("difficulty_seeing", "Ya, banyak kesulitan", "2"),
    ("difficulty_seeing", "2", "2"),
    ("difficulty_seeing", 2.0, "2"),
    ("highest_grade", "6", 6),
    ("highest_grade", 6.0, 6),
    ("health_insurance", "PBI JKN, JKN mandiri", "3"),
])
def test_an_answer_is_read_by_its_code_or_its_words(field, text, stored):
    assert questions.read_answer(questions.question("member", field), text) == stored


@pytest.mark.parametrize("field, text", [
    ("difficulty_seeing", "9"), ("highest_grade", "9"), ("highest_grade", "2.5"),
    ("paid_workers", "banyak"),
])
def test_a_wrong_answer_is_not_read(field, text):
    with pytest.raises(ValueError):
        questions.read_answer(questions.question("member", field), text)

"""The referral flow's rules (core/referrals.py): every step it allows, every step
it refuses and what the refusal says, follow-up dates and tracking codes."""

from datetime import date

import pytest

from puskesos.core import referrals as rules
from puskesos.core.codes import ReferralStatus as S, ReferralUrgency
from puskesos.errors import InvalidInput

#: the flow of issue 14, written out by hand (not read from the module under test)
ALLOWED = {
    (S.DRAFT, S.TERCATAT), (S.DRAFT, S.DIBATALKAN),
    (S.TERCATAT, S.SELESAI_DI_DESA), (S.TERCATAT, S.DIRUJUK), (S.TERCATAT, S.DIBATALKAN),
    (S.DIRUJUK, S.DITERIMA), (S.DIRUJUK, S.DIBATALKAN),
    (S.DITERIMA, S.DIPROSES), (S.DITERIMA, S.DIBATALKAN),
    (S.DIPROSES, S.SELESAI), (S.DIPROSES, S.DITOLAK),
    (S.DIPROSES, S.TIDAK_DAPAT_DITINDAKLANJUTI), (S.DIPROSES, S.DIBATALKAN),
}
CLOSED = {S.SELESAI_DI_DESA, S.SELESAI, S.DITOLAK, S.TIDAK_DAPAT_DITINDAKLANJUTI,
          S.DIBATALKAN}


@pytest.mark.parametrize("current,target", sorted(ALLOWED, key=str))
def test_every_step_of_the_flow_is_allowed(current, target):
    rules.check_transition(current, target)
    rules.check_transition(current.value, target.value)       # as stored


REFUSED = sorted(((a, b) for a in S for b in S if (a, b) not in ALLOWED), key=str)


@pytest.mark.parametrize("current,target", REFUSED)
def test_every_other_step_is_refused_with_what_is_possible(current, target):
    with pytest.raises(InvalidInput) as refused:
        rules.check_transition(current, target)
    message = str(refused.value)
    if current in CLOSED:
        assert current.label in message and "rujukan baru" in message
    else:
        assert current.label in message and target.label in message
        for possible in (b for a, b in ALLOWED if a == current):
            assert possible.label in message


def test_open_and_closed_statuses():
    assert {s for s in S if rules.is_open(s)} == set(S) - CLOSED
    assert all(rules.next_states(s) == [] for s in CLOSED)
    assert rules.next_states(S.DIPROSES) == [S.SELESAI, S.DITOLAK,
                                             S.TIDAK_DAPAT_DITINDAKLANJUTI, S.DIBATALKAN]


def test_follow_up_dates_by_urgency_and_step():
    on = date(2026, 11, 2)
    assert rules.follow_up_after(S.TERCATAT, on, ReferralUrgency.DARURAT) == date(2026, 11, 3)
    assert rules.follow_up_after(S.TERCATAT, on, ReferralUrgency.SEGERA) == date(2026, 11, 5)
    assert rules.follow_up_after(S.TERCATAT, on, ReferralUrgency.BIASA) == date(2026, 11, 9)
    assert rules.follow_up_after(S.DIRUJUK, on) == date(2026, 11, 16)   # waiting for a reply
    assert rules.follow_up_after(S.SELESAI, on) is None


def test_overdue_is_an_open_referral_past_its_date():
    today = date(2026, 11, 10)
    assert rules.is_overdue(S.DIRUJUK, date(2026, 11, 9), today)
    assert not rules.is_overdue(S.DIRUJUK, today, today)               # due today: not yet
    assert not rules.is_overdue(S.SELESAI, date(2026, 11, 1), today)   # closed
    assert not rules.is_overdue(S.TERCATAT, None, today)


def test_tracking_codes_are_unambiguous_and_read_back_as_typed():
    codes = {rules.new_tracking_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert rules.normalize_tracking_code(code) == code
        assert not set(code[3:].replace("-", "")) & set("ILOU")
    assert rules.normalize_tracking_code("rj 7k2m 9qxd") == "RJ-7K2M-9QXD"
    assert rules.normalize_tracking_code("RJ-7K2M-9QXO") == "RJ-7K2M-9QX0"   # O read as 0
    assert rules.normalize_tracking_code("RJ-7K2M-9QX") is None
    assert rules.normalize_tracking_code("") is None


def test_the_qr_payload_carries_id_and_tracking_code():
    text = rules.qr_payload("0b1c-uuid", "RJ-7K2M-9QXD")
    assert rules.parse_qr_payload(text) == ("0b1c-uuid", "RJ-7K2M-9QXD")
    assert rules.parse_qr_payload("PSKS/V1/A/B") is None


def test_median_days():
    assert rules.median_days([]) is None
    assert rules.median_days([(date(2026, 1, 1), date(2026, 1, 4)),
                              (date(2026, 1, 1), date(2026, 1, 2))]) == 2.0


def test_documents_checklist_starts_from_the_category():
    assert rules.default_documents("kesehatan")[:2] == ["Fotokopi KTP", "Fotokopi Kartu Keluarga"]
    assert "Surat rujukan Puskesmas/RSUD" in rules.default_documents("kesehatan")
    assert rules.default_documents("lainnya") == ["Fotokopi KTP", "Fotokopi Kartu Keluarga"]

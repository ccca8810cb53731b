"""House labelling's rules (core/stickers.py): what each outcome needs and leads to,
serials and the sticker's QR code."""

from collections import namedtuple
from datetime import datetime, timedelta

import pytest

from puskesos.core import stickers as rules
from puskesos.core.codes import StickerOutcome as O
from puskesos.errors import InvalidInput

NOW = datetime(2026, 12, 6, 10, 0)


def _check(outcome, note="catatan", officers=("AGUS",), at=NOW, well_off=False):
    return rules.check_outcome(outcome, at=at, now=NOW, note=note, officers=list(officers),
                               well_off=well_off)


def test_every_outcome_with_what_it_needs_is_taken():
    for outcome in O:
        assert _check(outcome.value) is outcome


@pytest.mark.parametrize("outcome", [O.DITOLAK, O.RUSAK_ATAU_DILEPAS, O.TIDAK_DITEMUKAN,
                                     O.PINDAH, O.MENINGGAL])
def test_outcomes_that_must_say_what_happened(outcome):
    with pytest.raises(InvalidInput, match=outcome.label.split(" (")[0]):
        _check(outcome, note="  ")


def test_a_sticker_put_up_or_a_withdrawal_needs_no_note():
    assert _check(O.TERPASANG, note=None) is O.TERPASANG
    assert _check(O.MUNDUR_SUKARELA, note="") is O.MUNDUR_SUKARELA


def test_an_entry_needs_an_officer_a_real_outcome_and_a_past_time():
    with pytest.raises(InvalidInput):
        _check(O.TERPASANG, officers=())
    with pytest.raises(InvalidInput):
        _check("dipasang")
    with pytest.raises(InvalidInput):
        _check(O.TERPASANG, at=NOW + timedelta(minutes=5))


def test_a_household_found_well_off_gets_no_sticker_and_goes_to_verval():
    with pytest.raises(InvalidInput):
        _check(O.TERPASANG, well_off=True)
    assert rules.goes_to_verval(O.TIDAK_DITEMUKAN, well_off=True)


def test_what_goes_to_verval_and_what_is_visited_again():
    assert {o for o in O if rules.goes_to_verval(o)} == {O.DITOLAK, O.MUNDUR_SUKARELA}
    assert rules.REVISIT == {O.RUSAK_ATAU_DILEPAS, O.TIDAK_DITEMUKAN}
    assert rules.NEEDS_STATEMENT == {O.MUNDUR_SUKARELA}


def test_campaign_codes_serials_and_qr():
    assert rules.campaign_code(" stk 2026 ") == "STK2026"
    for bad in ("", "X", "STIKER-KABUPATEN-2026", "ÄB"):
        with pytest.raises(InvalidInput):
            rules.campaign_code(bad)
    assert rules.serial_text("STK26", 12) == "STK26-00012"
    assert rules.parse_qr_payload(rules.qr_payload("c-1", 12)) == ("c-1", 12)
    assert rules.parse_qr_payload("PUSKESOS-RUJUKAN:x:RJ-0000-0000") is None


def test_the_latest_entry_is_where_a_household_stands():
    E = namedtuple("E", "outcome at recorded_at")
    first = E(O.TERPASANG, NOW - timedelta(days=9), NOW - timedelta(days=9))
    torn = E(O.RUSAK_ATAU_DILEPAS, NOW - timedelta(days=2), NOW - timedelta(days=2))
    # entered late from a paper log: it happened before the tear, so the tear counts
    late = E(O.TERPASANG, NOW - timedelta(days=5), NOW)
    assert rules.latest([first, torn, late]) is torn
    assert rules.latest([]) is None

"""The exchange's three-way merge (core/exchange.py): what a record received in a
bundle does to ours — taken, left, a conflict or a proposal — and the promises a
user relies on: nothing of ours is overwritten unless it still is what both last
agreed on, and the same record received twice changes nothing the second time."""

from __future__ import annotations

from datetime import date, datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from puskesos.core.exchange import (BY_NAME, ENTITIES, HOUSEHOLD, LOCAL_FIELDS, MEMBER,
                                    PARTICIPATION, REFERRAL, REFERRAL_EVENT, REFERRAL_REPLY,
                                    OfficeKind, merge_record, wire_value)

DESA, KAB = OfficeKind.DESA, OfficeKind.KABUPATEN


def test_the_sender_owning_a_field_changed_it_and_we_did_not_it_is_taken():
    base = {"address": "JL. MAWAR 1", "rt": "001"}
    ours = {"address": "JL. MAWAR 1", "rt": "001"}
    theirs = {"address": "JL. MAWAR 9", "rt": "001"}
    merged = merge_record(HOUSEHOLD, sender=DESA, theirs=theirs, ours=ours, base=base)
    assert merged.apply == {"address": "JL. MAWAR 9"}
    assert not merged.conflicts and not merged.proposals


def test_both_changed_one_field_differently_it_waits_as_a_conflict():
    merged = merge_record(HOUSEHOLD, sender=DESA, theirs={"address": "JL. A"},
                          ours={"address": "JL. B"}, base={"address": "JL. LAMA"})
    assert merged.apply == {}
    [conflict] = merged.conflicts
    assert (conflict.field, conflict.base, conflict.ours, conflict.theirs) == (
        "address", "JL. LAMA", "JL. B", "JL. A")


def test_both_changed_to_the_same_value_is_no_conflict():
    merged = merge_record(HOUSEHOLD, sender=DESA, theirs={"address": "JL. A"},
                          ours={"address": "JL. A"}, base={"address": "JL. LAMA"})
    assert merged.changes_nothing


def test_only_we_changed_it_ours_stays():
    merged = merge_record(HOUSEHOLD, sender=DESA, theirs={"address": "JL. LAMA"},
                          ours={"address": "JL. BARU"}, base={"address": "JL. LAMA"})
    assert merged.changes_nothing


def test_a_field_the_receiver_owns_is_a_proposal_never_applied():
    # the village's edit of the desil (BPS's ranking, the kabupaten's to change)
    merged = merge_record(HOUSEHOLD, sender=DESA, theirs={"desil": 5, "address": "X"},
                          ours={"desil": 2, "address": "X"}, base={"desil": 2, "address": "X"})
    assert merged.apply == {}
    assert [(p.field, p.ours, p.theirs) for p in merged.proposals] == [("desil", 2, 5)]
    # and the kabupaten's desil reaches the village that did not touch it
    merged = merge_record(HOUSEHOLD, sender=KAB, theirs={"desil": 3}, ours={"desil": 2},
                          base={"desil": 2})
    assert merged.apply == {"desil": 3}
    # the kabupaten's edit of an address the village owns: a proposal at the village
    merged = merge_record(HOUSEHOLD, sender=KAB, theirs={"address": "KAB"},
                          ours={"address": "DESA"}, base={"address": "DESA"})
    assert not merged.apply and merged.proposals[0].theirs == "KAB"


def test_a_new_record_is_taken_whole_a_missing_field_untouched():
    theirs = {"no_kk": "3523010101010001", "desil": 1, "rt": "002"}
    merged = merge_record(HOUSEHOLD, sender=DESA, theirs=theirs, ours=None, base=None)
    assert merged.apply == theirs
    merged = merge_record(HOUSEHOLD, sender=DESA, theirs={"rt": "003"},
                          ours={"rt": "002", "address": "X"}, base={"rt": "002"})
    assert merged.apply == {"rt": "003"}         # the address, not sent, not touched


def test_a_record_we_have_but_never_received_fills_our_gaps_and_conflicts_elsewhere():
    merged = merge_record(HOUSEHOLD, sender=DESA, theirs={"phone": "0812", "rt": "004"},
                          ours={"phone": None, "rt": "001"}, base=None)
    assert merged.apply == {"phone": "0812"}
    assert [(c.field, c.base) for c in merged.conflicts] == [("rt", None)]


def test_a_removal_travels_as_deleted_at():
    gone = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    merged = merge_record(MEMBER, sender=DESA, theirs={"deleted_at": gone},
                          ours={"deleted_at": None}, base={"deleted_at": None})
    assert merged.apply == {"deleted_at": gone.isoformat()}


def test_dates_compare_as_they_travel():
    born = date(1980, 5, 17)
    merged = merge_record(MEMBER, sender=DESA, theirs={"birth_date": "1980-05-17"},
                          ours={"birth_date": born}, base={"birth_date": "1970-01-01"})
    assert merged.changes_nothing
    assert wire_value(born) == "1980-05-17"


def test_what_travels_and_who_owns_it():
    for spec in ENTITIES:
        assert not LOCAL_FIELDS & set(spec.fields), spec.name
        # removals travel: as ``deleted_at`` on a record with a version, as the
        # ``removed`` marker on one without (a scan; a visit's findings, written again
        # whole at each save); a record written once (a step, a reply) is never removed
        assert ("deleted_at" in spec.fields) is spec.versioned
        assert not (spec.versioned and spec.removed_by_marker)
        # a record with a version is read by when it was last written
        assert spec.clock == "updated_at" or not spec.versioned
        assert spec.kabupaten_owns <= set(spec.fields)
        assert spec.senders and spec.parent in (None, *(e.name for e in ENTITIES))
    assert HOUSEHOLD.owner("desil") is KAB and HOUSEHOLD.owner("address") is DESA
    assert MEMBER.owner("nik") is DESA
    assert PARTICIPATION.owner("status") is KAB
    # the village's referral and its steps go up; the service's reply comes down
    assert REFERRAL.senders == {DESA} and REFERRAL_EVENT.senders == {DESA}
    assert REFERRAL_REPLY.senders == {KAB} and REFERRAL_REPLY.owner("outcome") is KAB
    assert [e.name for e in ENTITIES].index("referral") < [
        e.name for e in ENTITIES].index("referral_reply")
    # the verval's details are the village's; a finding or an attendee removed there
    # (the list saved again) is removed at the kabupaten too
    details = [BY_NAME[n] for n in ("verval_member", "verval_proposal", "musdes",
                                    "musdes_attendee")]
    assert all(spec.senders == {DESA} for spec in details)
    assert [spec.removed_by_marker for spec in details] == [True, True, False, True]
    names = [e.name for e in ENTITIES]
    assert all(names.index(spec.parent) < names.index(spec.name) for spec in details)


values = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(["A", "B", "C"]))
FIELDS = ("address", "rt", "desil")
record = st.fixed_dictionaries({f: values for f in FIELDS})


@settings(max_examples=300, deadline=None)
@given(theirs=record, ours=st.one_of(st.none(), record), base=st.one_of(st.none(), record),
       sender=st.sampled_from([DESA, KAB]))
def test_nothing_of_ours_is_overwritten_unless_it_is_what_both_agreed_and_twice_is_once(
        theirs, ours, base, sender):
    merged = merge_record(HOUSEHOLD, sender=sender, theirs=theirs, ours=ours, base=base)
    for name, value in merged.apply.items():
        if ours is not None:
            # only a value still as last agreed (or an empty one never agreed) is replaced
            assert ours[name] == (base[name] if base is not None else None)
            assert HOUSEHOLD.owner(name) is sender
        assert value == theirs[name]
    queued = {c.field for c in merged.conflicts} | {p.field for p in merged.proposals}
    assert not queued & set(merged.apply)
    # applied, and the received values kept as the common version: the same record
    # again changes nothing
    after = dict(ours or {}, **merged.apply)
    again = merge_record(HOUSEHOLD, sender=sender, theirs=theirs, ours=after, base=theirs)
    assert again.changes_nothing


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c", "data"]), st.one_of(
    st.none(), st.integers(), st.text(max_size=5), st.dates(),
    st.datetimes(timezones=st.just(timezone.utc)))))
def test_a_record_travels_as_each_of_its_values_does(values):
    """The quick pass over a record writes each value as the one-value rule does."""
    from puskesos.core.exchange import wire_record
    assert wire_record(values) == {k: wire_value(v) for k, v in values.items()}
    assert wire_record(list(values.items()), leave_out="data") == {
        k: wire_value(v) for k, v in values.items() if k != "data"}


def test_a_field_the_sender_left_as_it_was_does_not_stop_the_fields_after_it():
    """We corrected the No KK, the sender left it as both agreed and changed the address
    further down the record: our No KK stays and the address is taken (every field is
    looked at, not only those up to the first one the sender left)."""
    base = {"no_kk": "3523010101200001", "address": "JL. LAMA", "rt": "001"}
    merged = merge_record(HOUSEHOLD, sender=DESA,
                          theirs=dict(base, address="JL. BARU", rt="002"),
                          ours=dict(base, no_kk="3523010101200009"), base=dict(base))
    assert merged.apply == {"address": "JL. BARU", "rt": "002"}
    assert not merged.conflicts and not merged.proposals


def test_a_proposal_shows_the_value_both_last_agreed_on():
    """The village proposes a desil (the kabupaten's fact): the queue shows theirs, ours
    and the common value, so the person deciding sees what each side changed."""
    merged = merge_record(HOUSEHOLD, sender=DESA, theirs={"desil": 2}, ours={"desil": 4},
                          base={"desil": 3})
    [proposal] = merged.proposals
    assert (proposal.field, proposal.base, proposal.ours, proposal.theirs) == (
        "desil", 3, 4, 2)

"""Two writers at once (two operators on the kabupaten's PostgreSQL, or the window
and a command on one SQLite file): every change lands and the audit chain holds."""

import threading

from puskesos.services import open_services

from tests.conftest import ADMIN


def test_parallel_writers_keep_the_audit_chain_whole(services, db_target):
    second = open_services(db_target)
    errors = []

    def work(svc, who):
        try:
            for i in range(15):
                svc.officers.add(actor=ADMIN, name=f"PETUGAS {who} {i}", role="kader")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(svc, who))
               for svc, who in ((services, "A"), (second, "B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    second.close()
    assert errors == []
    assert len(services.officers.roster(actor=ADMIN)) == 30
    report = services.audit.verify()
    assert report.ok, report


def test_parallel_wrong_passwords_still_lock_the_account(services):
    from puskesos.errors import AccountLocked, AuthenticationFailed
    services.auth.create_first_admin(username="admin", password="rahasia1", full_name="A")
    barrier = threading.Barrier(6)

    def guess():
        barrier.wait()
        try:
            services.auth.login(username="admin", password="salah")
        except AuthenticationFailed:
            pass

    threads = [threading.Thread(target=guess) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    import pytest
    with pytest.raises(AccountLocked):
        services.auth.login(username="admin", password="rahasia1")


def test_two_saves_of_one_household_give_one_conflict_not_a_crash(services, db_target):
    from dataclasses import replace

    from puskesos.errors import Conflict
    from tests.conftest import OPERATOR
    from tests.helpers import family
    house, people = family()
    dto = services.households.save(actor=OPERATOR, household=house, members=people)
    second = open_services(db_target)
    barrier = threading.Barrier(2)
    outcomes = []

    def save(svc, address):
        barrier.wait()
        try:
            svc.households.save(actor=OPERATOR, household=replace(dto.data, address=address),
                                members=[m.as_input() for m in dto.members],
                                household_id=dto.id, expected_version=dto.version)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=save, args=(svc, a))
               for svc, a in ((services, "A"), (second, "B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    second.close()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert services.audit.verify().ok

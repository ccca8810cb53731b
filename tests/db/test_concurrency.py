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
    assert len(services.officers.roster()) == 30
    report = services.audit.verify()
    assert report.ok, report

"""Restoring a backup: it gives up with a clear message after the usual wait while
another program is writing (SQLite's backup retries a locked database without end),
and the restored database's audit trail says it was restored."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from puskesos.errors import DatabaseUnavailable
from puskesos.services.backup import restore
from tests.conftest import OPERATOR
from tests.helpers import family, CONNECT_SCRIPT, key_env

HOLD = CONNECT_SCRIPT + """
con.execute("BEGIN IMMEDIATE")
con.execute("UPDATE setting SET value = value WHERE key = 'audit_head'")
print("holding", flush=True)
time.sleep(60)
"""


@pytest.mark.timeout(60)     # the old behaviour waited for ever
def test_a_restore_while_another_program_writes_stops_with_a_message(sqlite_services, tmp_path,
                                                                     monkeypatch):
    services = sqlite_services
    house, people = family()
    services.households.save(actor=OPERATOR, household=house, members=people)
    live = Path(services.db.engine.url.database)
    made = services.backup.backup(actor=OPERATOR, out=tmp_path / "cadangan.zip")
    monkeypatch.setenv("PUSKESOS_BUSY_TIMEOUT_MS", "1500")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(live)], env={**os.environ, **key_env(live)}, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as refused:
            restore(Path(made.path), live, keep_dir=tmp_path)
        assert time.monotonic() - started < 15
        assert "program" in refused.value.message.lower()
    finally:
        holder.kill()
        holder.wait()
    # the other program gone, the same restore goes through
    restore(Path(made.path), live, keep_dir=tmp_path)
    assert services.households.counts(actor=OPERATOR).households == 1


def test_a_restore_is_written_into_the_restored_trail(sqlite_services, tmp_path, capsys):
    """After 'db restore' the audit trail of the restored database says that it was
    restored, from which file and by whom, and still verifies."""
    from puskesos.cli import main
    from puskesos.services import open_services
    from tests.conftest import ADMIN
    services = sqlite_services
    house, people = family()
    services.households.save(actor=OPERATOR, household=house, members=people)
    live = Path(services.db.engine.url.database)
    made = services.backup.backup(actor=OPERATOR, out=tmp_path / "cadangan-juni.zip")
    services.close()
    assert main(["--db", str(live), "db", "restore", made.path]) == 0
    again = open_services(str(live))
    try:
        [event] = [e for e in again.audit.recent(actor=ADMIN) if e.action == "restore"]
        assert "cadangan-juni.zip" in event.new_value and made.sha256[:16] in event.new_value
        assert event.reason and "before-restore-" in event.reason
        assert again.audit.verify().ok
    finally:
        again.close()

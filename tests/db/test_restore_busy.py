"""A restore while another program is writing to the database gives up with a clear
message after the usual wait, instead of waiting for ever (SQLite's backup retries a
locked database without end)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from puskesos.errors import DatabaseUnavailable
from puskesos.services.backup import restore
from tests.conftest import OPERATOR
from tests.helpers import family

HOLD = """import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
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
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(live)], stdout=subprocess.PIPE,
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

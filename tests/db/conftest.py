"""Fixtures shared by the database tests' modules (a session fixture defined here is
made once per test process, not once per module that imports it)."""

from __future__ import annotations

import pytest

from tests.conftest import VILLAGE
from tests.helpers import CLI_LOGIN


def _make_offices(village, kabupaten, usb) -> None:
    """The village (``init``, ``demo``) and its kabupaten (``init``) at these places,
    each trusting the other: the real command line, run in this process."""
    import contextlib
    import io
    import json

    from puskesos.cli import main

    def cli(*args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
        assert code == 0, (args, err.getvalue())
        return out.getvalue()

    cli("--db", village, "init", "--village", VILLAGE)
    cli("--db", village, "demo", "--households", "40", "--seed", "3")
    cli("--db", kabupaten, "init", "--kabupaten", "35.23")
    for me, other in ((village, kabupaten), (kabupaten, village)):
        card = usb / ("desa.json" if me == village else "kabupaten.json")
        exported = json.loads(cli("--db", me, "keys", "export", "--out", card, "--json"))
        cli("--db", other, "keys", "trust", card, "--fingerprint", exported["fingerprint"])
        card.unlink()


@pytest.fixture(scope="session")
def _offices_made(tmp_path_factory):
    """The offices, made once in this test process for each engine of the kabupaten
    (the three ``init``s, the demo and the two trusts take seconds) and copied for
    each test: the engine's name -> (village file, its data key, the kabupaten: a
    file and its data key, or the name of a PostgreSQL database)."""
    from puskesos.db.keys import KEYRING
    from tests.conftest import _pg_admin_engine, _pg_database_url, _pg_drop
    made: dict = {}

    def make(engine: str):
        if engine in made:
            return made[engine]
        folder = tmp_path_factory.mktemp(f"offices-{engine}")
        usb = folder / "usb"
        usb.mkdir()
        village = folder / "jlodro.sqlite"
        if engine == "sqlite":
            kabupaten = str(folder / "tuban.sqlite")
        else:
            import uuid

            from sqlalchemy import text
            name = f"puskesos_test_{uuid.uuid4().hex[:10]}"
            with _pg_admin_engine().connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            kabupaten = _pg_database_url(name)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("PUSKESOS_HOME", str(folder / "home"))
            for key, value in CLI_LOGIN.items():
                patch.setenv(key, value)
            _make_offices(village, kabupaten, usb)
        made[engine] = (village, KEYRING.get(village),
                        (kabupaten, KEYRING.get(kabupaten)) if engine == "sqlite" else name)
        return made[engine]

    yield make
    for engine, (_v, _k, kabupaten) in made.items():
        if engine != "sqlite":
            admin = _pg_admin_engine()
            _pg_drop(admin, kabupaten)
            admin.dispose()

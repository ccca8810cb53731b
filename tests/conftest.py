"""Shared fixtures: real SQLite files in tmp dirs and, where configured, a real
PostgreSQL server (PUSKESOS_TEST_PG=postgresql://user@host/postgres).

With PUSKESOS_REQUIRE_PG=1 (set by .ci/run) a missing server fails the
PostgreSQL tests instead of skipping them.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PUSKESOS_LANG"] = "id"

import pytest  # noqa: E402

from puskesos import i18n  # noqa: E402
from puskesos.core.codes import Role  # noqa: E402
from puskesos.services import Actor, open_services  # noqa: E402

pytest_plugins = ["pytester"]

PG_URL = os.environ.get("PUSKESOS_TEST_PG", "")
REQUIRE_PG = os.environ.get("PUSKESOS_REQUIRE_PG") == "1"

ADMIN = Actor("admin", Role.ADMIN.value, "Admin")
OPERATOR = Actor("operator", Role.OPERATOR.value, "Operator")
KADES = Actor("kades", Role.KEPALA_DESA.value, "Kepala Desa")
VILLAGE = "35.23.01.2001"


from tests.helpers import CLI_LOGIN  # noqa: E402 - the command line's login (demo admin)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """The user data folder of each test is its own temporary folder; no login is
    inherited from the shell that runs the tests."""
    monkeypatch.setenv("PUSKESOS_HOME", str(tmp_path_factory.mktemp("home")))
    for name in CLI_LOGIN:
        monkeypatch.delenv(name, raising=False)
    i18n.set_language("id")
    yield
    i18n.set_language("id")


def _pg_admin_engine():
    from sqlalchemy import create_engine
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("PUSKESOS_REQUIRE_PG=1 but PUSKESOS_TEST_PG is not set")
        pytest.skip("no PostgreSQL server configured (PUSKESOS_TEST_PG)")
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    name = f"puskesos_test_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_target(request, tmp_path):
    """A database location that does not hold a village yet: SQLite file or PG URL."""
    if request.param == "sqlite":
        return str(tmp_path / "desa.sqlite")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def services(db_target):
    """Services over a new, initialised village database (on both engines)."""
    svc = open_services(db_target, create=True)
    svc.settings.init_village(actor=ADMIN, village_code=VILLAGE)
    yield svc
    svc.close()


@pytest.fixture
def sqlite_services(tmp_path):
    svc = open_services(str(tmp_path / "desa.sqlite"), create=True)
    svc.settings.init_village(actor=ADMIN, village_code=VILLAGE)
    yield svc
    svc.close()


@pytest.fixture
def demo_login(monkeypatch):
    """Commands run in this process log in as the demo administrator."""
    for name, value in CLI_LOGIN.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def cli_village(tmp_path) -> Path:
    """A new, initialised village file with the administrator the command line logs
    in as (``tests.helpers.CLI_LOGIN``), for tests that run ``puskesos`` on it."""
    path = tmp_path / "desa.sqlite"
    services = open_services(str(path), create=True)
    services.settings.init_village(actor=ADMIN, village_code=VILLAGE)
    services.auth.create_first_admin(username=CLI_LOGIN["PUSKESOS_USER"],
                                     password=CLI_LOGIN["PUSKESOS_PASSWORD"],
                                     full_name="Admin")
    services.close()
    return path


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A 300-household demo village made once through the CLI; tests copy it."""
    from puskesos.cli import main
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    assert main(["--db", str(path), "demo", "--households", "300", "--seed", "7"]) == 0
    return path


@pytest.fixture
def cli(capsys, monkeypatch):
    """``puskesos ARGS`` run in this process (the real command line, without a new
    interpreter's start for each command), logged in as ``login`` (the administrator):
    what it returned, printed and said, as a finished process has them."""
    from types import SimpleNamespace

    from puskesos.cli import main

    def run(*args, login=None):
        for key, value in (login or CLI_LOGIN).items():
            monkeypatch.setenv(key, value)
        code = main([str(a) for a in args])
        said = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=said.out, stderr=said.err)
    return run

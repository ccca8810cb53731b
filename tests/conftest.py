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


def _pg_database_url(name: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _pg_drop(admin, name: str) -> None:
    from sqlalchemy import text
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


def _pg_required() -> None:
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("PUSKESOS_REQUIRE_PG=1 but PUSKESOS_TEST_PG is not set")
        pytest.skip("no PostgreSQL server configured (PUSKESOS_TEST_PG)")


def _pg_database(request, template: str | None = None) -> str:
    """A new database on the server for this test (a copy of ``template``, else
    empty), dropped after the test; its URL."""
    _pg_required()
    from sqlalchemy import text
    name = f"puskesos_test_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'
                          + (f' TEMPLATE "{template}"' if template else "")))

    def drop():
        _pg_drop(admin, name)
        admin.dispose()
    request.addfinalizer(drop)
    return _pg_database_url(name)


@pytest.fixture
def pg_url(request):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    return _pg_database(request)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_target(request, tmp_path):
    """A database location that does not hold a village yet: SQLite file or PG URL
    (in a test that uses ``services``, the location of its village)."""
    if request.param == "sqlite":
        return str(tmp_path / "desa.sqlite")
    if "services" in request.fixturenames:
        # the village of ``services``, made at once as a copy of the new village
        _pg_required()
        return _pg_database(request, template=request.getfixturevalue("_pg_village"))
    return request.getfixturevalue("pg_url")


# A new village is made once per test process and engine, and copied for each test
# that wants one: making it runs every migration (0.5 s on SQLite, 1.2 s on
# PostgreSQL) and, for a file, derives its recovery key's wrapping (0.3 s), which
# some 800 tests would otherwise repeat.  The copy is the same database: the same
# schema, village, programs and audit trail; a file's copy has the same data key
# and key file (held in this process's keyring, as the original's is).
def _new_village(target: str, home: Path) -> None:
    """Make a new, initialised village database at ``target``, as every test gets it."""
    with pytest.MonkeyPatch.context() as patch:   # nothing of it in a test's home
        patch.setenv("PUSKESOS_HOME", str(home))
        svc = open_services(target, create=True)
        svc.settings.init_village(actor=ADMIN, village_code=VILLAGE)
        svc.close()


@pytest.fixture(scope="session")
def _village_file(tmp_path_factory) -> tuple[Path, bytes | None]:
    """The new village file that tests copy, and its data key."""
    from puskesos.db.keys import KEYRING
    path = tmp_path_factory.mktemp("template") / "desa.sqlite"
    _new_village(str(path), path.parent / "home")
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-journal").exists()
    return path, KEYRING.get(path)


@pytest.fixture(scope="session")
def _pg_village(tmp_path_factory):
    """The name of a new village database on the PostgreSQL server that tests copy
    (``CREATE DATABASE … TEMPLATE``), dropped at the end."""
    name = f"puskesos_test_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_engine()
    from sqlalchemy import text
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    _new_village(_pg_database_url(name), tmp_path_factory.mktemp("home"))
    yield name
    _pg_drop(admin, name)
    admin.dispose()


def new_village(request, target: str) -> str:
    """A copy of the new village at ``target``, a file that does not exist yet."""
    from puskesos.db.keys import KEYRING
    from tests.helpers import copy_village
    source, key = request.getfixturevalue("_village_file")
    assert not Path(target).exists()
    copy_village(source, target)
    if key is not None:
        KEYRING.remember(target, key)
    return target


@pytest.fixture
def services(request, db_target):
    """Services over a new, initialised village database (on both engines)."""
    if not db_target.startswith("postgresql"):      # on PostgreSQL db_target made it
        new_village(request, db_target)
    svc = open_services(db_target)
    yield svc
    svc.close()


@pytest.fixture
def sqlite_services(request, tmp_path):
    svc = open_services(new_village(request, str(tmp_path / "desa.sqlite")))
    yield svc
    svc.close()


@pytest.fixture
def demo_login(monkeypatch):
    """Commands run in this process log in as the demo administrator."""
    for name, value in CLI_LOGIN.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def cli_village(request, tmp_path) -> Path:
    """A new, initialised village file with the administrator the command line logs
    in as (``tests.helpers.CLI_LOGIN``), for tests that run ``puskesos`` on it."""
    path = tmp_path / "desa.sqlite"
    services = open_services(new_village(request, str(path)))
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

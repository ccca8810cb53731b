"""Schema management: upgrade from empty, no drift from the models, refuse newer,
back up before an upgrade (with a real extra revision in a copied script folder)."""

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from puskesos import paths
from puskesos.db import migrate
from puskesos.db.migrate import head_revision, open_database
from puskesos.errors import DatabaseTooNew, DatabaseUnavailable
from puskesos.models import Base
from puskesos.services import open_services

from tests.conftest import ADMIN, VILLAGE
from tests.helpers import connect, copy_village


def test_empty_database_upgrades_to_head_without_drift(db_target):
    db = open_database(db_target, create=True)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                == head_revision()
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, Base.metadata) == []
    finally:
        db.dispose()


def test_database_from_newer_program_is_refused_untouched(db_target):
    svc = open_services(db_target, create=True)
    svc.settings.init_village(actor=ADMIN, village_code=VILLAGE)
    with svc.db.write() as s:
        s.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed9999'"))
    svc.close()
    with pytest.raises(DatabaseTooNew) as err:
        open_database(db_target)
    assert "versi" in err.value.message.lower()
    # nothing was changed: the foreign revision is still there
    from puskesos.db.engine import open_engine
    engine = open_engine(db_target)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            == "f00dfeed9999"
    engine.dispose()


def test_non_puskesos_sqlite_file_is_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    con = connect(other)
    con.execute("CREATE TABLE customers (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(DatabaseUnavailable):
        open_database(str(other))


EXTRA_REVISION = '''
from alembic import op
import sqlalchemy as sa

revision = "9000"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("extra_note", sa.String(20), nullable=True))


def downgrade():
    with op.batch_alter_table("household") as batch:
        batch.drop_column("extra_note")
'''


def test_older_database_is_backed_up_then_upgraded_keeping_data(tmp_path, monkeypatch,
                                                                  demo_db):
    # Given a village database made by this program (schema = current head)
    db_file = tmp_path / "desa.sqlite"
    copy_village(demo_db, db_file)
    before = connect(db_file).execute("SELECT count(*) FROM member").fetchone()[0]
    # and a newer program whose migrations add one revision
    scripts = tmp_path / "migrations"
    shutil.copytree(paths.migrations_dir(), scripts)
    (scripts / "versions" / "9000_extra.py").write_text(
        EXTRA_REVISION.format(down=head_revision()))
    monkeypatch.setattr(migrate.paths, "migrations_dir", lambda: scripts)
    monkeypatch.setattr(migrate, "SCHEMA_HEAD", "9000")
    # When the newer program opens it
    db = open_database(str(db_file))
    db.dispose()
    # Then a copy at the old schema was kept, the data survived, and the schema moved on
    backups = list((tmp_path / "backup").glob("before-upgrade-*.sqlite"))
    assert len(backups) == 1
    old = connect(backups[0])
    assert old.execute("SELECT count(*) FROM member").fetchone()[0] == before
    con = connect(db_file)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "9000"
    assert con.execute("SELECT count(*) FROM member").fetchone()[0] == before
    assert "extra_note" in [r[1] for r in con.execute("PRAGMA table_info(household)")]


def test_sqlite_pragmas_are_set(sqlite_services):
    with sqlite_services.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_forms_and_migrations_resolve_from_checkout():
    assert (paths.migrations_dir() / "env.py").is_file()
    assert paths.forms_dir().is_dir()


def test_the_schema_head_named_in_the_code_is_alembics_head():
    """A database at SCHEMA_HEAD opens without loading alembic: adding a migration means
    naming it there too."""
    from puskesos.db.migrate import SCHEMA_HEAD, head_revision
    assert SCHEMA_HEAD == head_revision()

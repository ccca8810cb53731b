"""record seals

Each household's and member's content as the program last wrote it, as a keyed
digest (``record_seal``, see puskesos/db/seals.py), so that ``db check`` finds a
row changed, added or removed behind the program.  The rows there are at the
upgrade are sealed here as they are, and one audit entry says so: what was done
to them before cannot be checked.  The entry is written with the audit trail's
own ``append`` on the tables as they are at this revision.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'record_seal',
        sa.Column('entity_id', sa.String(length=36), nullable=False),
        sa.Column('entity', sa.String(length=10), nullable=False),
        sa.Column('digest', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('entity_id', name=op.f('pk_record_seal')),
        sqlite_with_rowid=False,
    )
    _baseline(op.get_bind())


def _baseline(bind) -> None:
    """Seal the rows there are; one audit entry with their counts."""
    from sqlalchemy.orm import Session

    from puskesos.db import seals
    from puskesos.services import audit

    session = Session(bind=bind)
    key = seals.read_key(session)
    counts = {}
    present_tables = set(sa.inspect(bind).get_table_names())
    for entity, table in seals.TABLES.items():
        if table.name not in present_tables:
            continue
        present = {c["name"] for c in sa.inspect(bind).get_columns(table.name)}
        names = [n for n in seals.sealed_names(table) if n in present]
        encoder = seals.Encoder(key, table, names) if key else None
        at = names.index("id")
        rows, count = [], 0
        for row in bind.execute(seals.sealed_select(table, names)):
            rows.append({"entity_id": row[at], "entity": entity,
                         "digest": encoder.digest(row)})
            count += 1
            if len(rows) >= 5000:
                bind.execute(sa.insert(seals.RecordSeal.__table__), rows)
                rows = []
        if rows:
            bind.execute(sa.insert(seals.RecordSeal.__table__), rows)
        counts[entity] = count
    if any(counts.values()):
        audit.append(session, audit.SYSTEM_ACTOR, "seal", [audit.Change(
            "record_seal", None, None, None,
            audit.to_text({"households": counts.get("household", 0),
                           "members": counts.get("member", 0)}))],
            audit.coded_reason("seal_baseline"))
        session.flush()
    session.close()


def downgrade() -> None:
    op.drop_table('record_seal')

"""household search text

One lower-case text per household (names and NIKs of its members, No KK,
DTSEN id, address, dusun) so that the instant search scans one table.
Existing households are filled in here.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _compose(household, members):
    # A frozen copy of the rule in puskesos/services/households.py at this revision.
    parts = [household.no_kk, household.dtsen_id, household.address, household.dusun]
    for name, nik in members:
        parts.extend((name, nik))
    return "|".join(p.strip().lower() for p in parts if p)


def upgrade() -> None:
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
    conn = op.get_bind()
    members = {}
    for hid, name, nik in conn.execute(sa.text(
            "SELECT household_id, name, nik FROM member WHERE deleted_at IS NULL "
            "ORDER BY household_id, sort_order")):
        members.setdefault(hid, []).append((name, nik))
    rows = conn.execute(sa.text(
        "SELECT id, no_kk, dtsen_id, address, dusun FROM household")).all()
    updates = [{"i": r.id, "t": _compose(r, members.get(r.id, []))} for r in rows]
    if updates:
        conn.execute(sa.text("UPDATE household SET search_text = :t WHERE id = :i"), updates)


def downgrade() -> None:
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_column('search_text')

"""the verval's details and a labelling visit's later place travel

Each kind of record a bundle carries says when it was last written: a visit's
findings per member, a correction proposal (also when it is decided), a musdes
attendee and a labelling visit (also when a photo added later gives it its
place): ``updated_at`` on each. Existing rows take the time
they were last known to be written.

A bundle's row keeps the audit head its signed manifest gave
(``exchange_bundle.audit_head``): an anchor of the sender's trail kept outside its
database.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

#: table, new column, the value existing rows take (SQL)
_COLUMNS = (
    ("verval_member", "updated_at",
     "(SELECT COALESCE(e.recorded_at, e.updated_at) FROM verval_entry e "
     "WHERE e.id = verval_member.entry_id)"),
    ("verval_proposal", "updated_at", "COALESCE(decided_at, proposed_at)"),
    ("musdes_attendee", "updated_at",
     "(SELECT m.updated_at FROM musdes m WHERE m.id = musdes_attendee.musdes_id)"),
    ("sticker_log", "updated_at", "recorded_at"),
)


def upgrade() -> None:
    with op.batch_alter_table('exchange_bundle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_head', sa.String(length=80), nullable=True))
    for table, column, value in _COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
        op.execute(f"UPDATE {table} SET {column} = {value}")
        op.execute(f"UPDATE {table} SET {column} = CURRENT_TIMESTAMP WHERE {column} IS NULL")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.DateTime(timezone=True),
                                  nullable=False)


def downgrade() -> None:
    for table, column, _value in reversed(_COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
    with op.batch_alter_table('exchange_bundle', schema=None) as batch_op:
        batch_op.drop_column('audit_head')

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

#: table, new column, the value existing rows take (SQL): the verval's details were
#: never sent, so they take now (the next bundle, even an incremental one, carries
#: them); a labelling visit travelled by when it was recorded, so it keeps that
_COLUMNS = (
    ("verval_member", "updated_at", "CURRENT_TIMESTAMP"),
    ("verval_proposal", "updated_at", "CURRENT_TIMESTAMP"),
    ("musdes_attendee", "updated_at", "CURRENT_TIMESTAMP"),
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
    # a musdes was never sent either
    op.execute("UPDATE musdes SET updated_at = CURRENT_TIMESTAMP")


def downgrade() -> None:
    for table, column, _value in reversed(_COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
    with op.batch_alter_table('exchange_bundle', schema=None) as batch_op:
        batch_op.drop_column('audit_head')

"""import batch ids

The import batch that created a household or member.  Undoing an import
deletes the records carrying its id, so an import no longer writes one
import_change row per record it inserts (import_change keeps the updates,
whose old values undo needs).  Records created before this revision keep
their import_change rows and are undone from those.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('household', 'member'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('import_batch_id', sa.String(length=36),
                                          nullable=True))


def downgrade() -> None:
    for table in ('member', 'household'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('import_batch_id')

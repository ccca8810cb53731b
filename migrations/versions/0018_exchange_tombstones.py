"""exchange tombstones

A record removed outright (an import undone) that another office had been sent:
the next bundle carries its removal (puskesos/models/bundles.py,
ExchangeTombstone).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_tombstone',
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('village', sa.String(length=13), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('entity', 'entity_id', name=op.f('pk_exchange_tombstone'))
    )
    with op.batch_alter_table('exchange_tombstone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_tombstone_removed_at'), ['removed_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exchange_tombstone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_tombstone_removed_at'))
    op.drop_table('exchange_tombstone')

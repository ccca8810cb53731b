"""exchange bundles

The bundles sent and received, the values last received of each record from
each peer (the common version of the three-way merge) and those sent awaiting
their receipt, and the queue of
conflicts and proposals (puskesos/models/bundles.py).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_bundle',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('peer_code', sa.String(length=13), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('file_name', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('watermark', sa.DateTime(timezone=True), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('receipt', sa.JSON(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_bundle')),
    sa.UniqueConstraint('direction', 'peer_code', 'kind', 'sequence',
                        name='uq_exchange_bundle_sequence')
    )
    with op.batch_alter_table('exchange_bundle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_bundle_peer_code'), ['peer_code'],
                              unique=False)

    op.create_table('exchange_base',
    sa.Column('peer_code', sa.String(length=13), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('bundle_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['bundle_id'], ['exchange_bundle.id'],
                            name=op.f('fk_exchange_base_bundle_id_exchange_bundle')),
    sa.PrimaryKeyConstraint('peer_code', 'entity', 'entity_id', name=op.f('pk_exchange_base'))
    )
    op.create_table('exchange_sent',
    sa.Column('bundle_id', sa.String(length=36), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['bundle_id'], ['exchange_bundle.id'],
                            name=op.f('fk_exchange_sent_bundle_id_exchange_bundle')),
    sa.PrimaryKeyConstraint('bundle_id', 'entity', 'entity_id', name=op.f('pk_exchange_sent'))
    )
    op.create_table('exchange_queue',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('bundle_id', sa.String(length=36), nullable=False),
    sa.Column('peer_code', sa.String(length=13), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('ours', sa.JSON(), nullable=True),
    sa.Column('theirs', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['bundle_id'], ['exchange_bundle.id'],
                            name=op.f('fk_exchange_queue_bundle_id_exchange_bundle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_queue'))
    )
    with op.batch_alter_table('exchange_queue', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_queue_open', ['status', 'peer_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exchange_queue', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_queue_open')
    op.drop_table('exchange_queue')
    op.drop_table('exchange_sent')
    op.drop_table('exchange_base')
    with op.batch_alter_table('exchange_bundle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_bundle_peer_code'))
    op.drop_table('exchange_bundle')

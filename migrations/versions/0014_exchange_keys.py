"""exchange keys

This office's own key pairs for the exchange bundles (Ed25519 signing, age X25519
encryption; the private parts inside the encrypted database) and the peers it
trusts, with the keys a replacement retired (puskesos/models/exchange.py).  The
keys of a database made before are made on first need, by an administrator.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_own_key',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('signing_private', sa.LargeBinary(), nullable=False),
    sa.Column('signing_public', sa.LargeBinary(), nullable=False),
    sa.Column('age_secret', sa.Text(), nullable=False),
    sa.Column('age_recipient', sa.String(length=100), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaces_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['replaces_id'], ['exchange_own_key.id'], name=op.f('fk_exchange_own_key_replaces_id_exchange_own_key')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_own_key'))
    )
    op.create_table('exchange_peer',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('signing_public', sa.LargeBinary(), nullable=False),
    sa.Column('age_recipient', sa.String(length=100), nullable=False),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.Column('key_created_at', sa.String(length=40), nullable=False),
    sa.Column('trusted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trusted_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=64), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_peer')),
    sa.UniqueConstraint('code', name=op.f('uq_exchange_peer_code'))
    )
    op.create_table('exchange_peer_old_key',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('peer_id', sa.String(length=36), nullable=False),
    sa.Column('signing_public', sa.LargeBinary(), nullable=False),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.Column('trusted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['peer_id'], ['exchange_peer.id'], name=op.f('fk_exchange_peer_old_key_peer_id_exchange_peer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_peer_old_key'))
    )
    with op.batch_alter_table('exchange_peer_old_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_peer_old_key_peer_id'), ['peer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exchange_peer_old_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_peer_old_key_peer_id'))
    op.drop_table('exchange_peer_old_key')
    op.drop_table('exchange_peer')
    op.drop_table('exchange_own_key')

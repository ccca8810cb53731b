"""referral replies

A service's reply recorded at the kabupaten, which travels to the village in a
bundle and there moves the referral through the flow's reply rule
(puskesos/models/referrals.py, ReferralReply).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('referral_reply',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('not_applied', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'],
                            name=op.f('fk_referral_reply_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_reply'))
    )
    with op.batch_alter_table('referral_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_reply_referral_id'), ['referral_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referral_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_reply_referral_id'))
    op.drop_table('referral_reply')

"""a sticker campaign's code is unique within its village only

The kabupaten keeps the labelling campaigns of every village it receives bundles
from, and two villages may both call theirs STK2026: the unique constraint on the
code becomes an index (the village's own service still refuses a code twice).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sticker_campaign', schema=None) as batch_op:
        batch_op.drop_constraint('uq_sticker_campaign_code', type_='unique')
        batch_op.create_index(batch_op.f('ix_sticker_campaign_code'), ['code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sticker_campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sticker_campaign_code'))
        batch_op.create_unique_constraint('uq_sticker_campaign_code', ['code'])

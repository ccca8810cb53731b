"""verval member proposal key

A new member found at a visit becomes a proposal to add the person; the
finding keeps the key of that proposal (the NIK, else a digest of name and
date of birth), so the visit form shows the details of the right proposal,
two people of the same name stay two, and a decided proposal is not made
again when the visit is saved again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('verval_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposal_key', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('verval_member', schema=None) as batch_op:
        batch_op.drop_column('proposal_key')

"""dtsen questions

The DTSEN/Regsosek questions that were not stored: a member's documents,
grade, work field, own business, nutrition, functional difficulties,
caregiver and social protection (411, 414, 417, 419–429, 431a–f), and the
household's enumeration result, poverty status, land area, internet and
bank account (205, 206, 503, 505, 506).  One nullable column each: every
existing row simply has no answer yet.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

MEMBER = [
    ('documents', sa.String(length=2)),  # 411
    ('highest_grade', sa.Integer()),  # 414
    ('work_field', sa.String(length=2)),  # 417
    ('has_npwp', sa.String(length=2)),  # 419
    ('business_count', sa.Integer()),  # 420
    ('business_field', sa.String(length=2)),  # 421
    ('paid_workers', sa.Integer()),  # 422
    ('unpaid_workers', sa.Integer()),  # 423
    ('business_licence', sa.String(length=2)),  # 424
    ('business_turnover', sa.String(length=2)),  # 425
    ('business_internet', sa.String(length=2)),  # 426
    ('nutrition', sa.String(length=2)),  # 427
    ('difficulty_seeing', sa.String(length=2)),  # 428a
    ('difficulty_hearing', sa.String(length=2)),  # 428b
    ('difficulty_walking', sa.String(length=2)),  # 428c
    ('difficulty_hands', sa.String(length=2)),  # 428d
    ('difficulty_learning', sa.String(length=2)),  # 428e
    ('difficulty_behaviour', sa.String(length=2)),  # 428f
    ('difficulty_speaking', sa.String(length=2)),  # 428g
    ('difficulty_self_care', sa.String(length=2)),  # 428h
    ('difficulty_remembering', sa.String(length=2)),  # 428i
    ('sadness', sa.String(length=2)),  # 428j
    ('has_caregiver', sa.String(length=2)),  # 429
    ('health_insurance', sa.String(length=2)),  # 431a
    ('prakerja', sa.String(length=2)),  # 431b
    ('kur', sa.String(length=2)),  # 431c
    ('umi', sa.String(length=2)),  # 431d
    ('pip', sa.String(length=2)),  # 431e
    ('employment_insurance', sa.String(length=2)),  # 431f
]
HOUSEHOLD = [
    ('enumeration_result', sa.String(length=2)),  # 205
    ('poverty_status', sa.String(length=2)),  # 206
    ('land_area', sa.Float()),  # 503
    ('internet', sa.String(length=2)),  # 505
    ('bank_account', sa.String(length=2)),  # 506
]


def upgrade() -> None:
    for table, columns in (('member', MEMBER), ('household', HOUSEHOLD)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, kind in columns:
                batch_op.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for table, columns in (('member', MEMBER), ('household', HOUSEHOLD)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _kind in reversed(columns):
                batch_op.drop_column(name)

"""stickers (house labelling)

Labelling campaigns, the households chosen with their sticker serials, the
officers' log of each visit and its photos (puskesos/models/stickers.py).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sticker_campaign',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_basis', sa.String(length=200), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('sticker_text', sa.Text(), nullable=False),
    sa.Column('per_page', sa.Integer(), nullable=False),
    sa.Column('programs', sa.JSON(), nullable=True),
    sa.Column('desil', sa.JSON(), nullable=True),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by', sa.String(length=64), nullable=True),
    sa.Column('deleted_reason', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sticker_campaign')),
    sa.UniqueConstraint('code', name='uq_sticker_campaign_code')
    )
    op.create_table('sticker_target',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('campaign_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('head_name', sa.String(length=120), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('dusun', sa.String(length=80), nullable=True),
    sa.Column('rw', sa.String(length=3), nullable=True),
    sa.Column('rt', sa.String(length=3), nullable=True),
    sa.Column('programs', sa.JSON(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['sticker_campaign.id'], name=op.f('fk_sticker_target_campaign_id_sticker_campaign')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_sticker_target_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sticker_target')),
    sa.UniqueConstraint('campaign_id', 'household_id', name='uq_sticker_target_campaign_household'),
    sa.UniqueConstraint('campaign_id', 'serial', name='uq_sticker_target_campaign_serial')
    )
    with op.batch_alter_table('sticker_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sticker_target_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sticker_target_household_id'), ['household_id'], unique=False)

    op.create_table('sticker_log',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('target_id', sa.String(length=36), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('officers', sa.JSON(), nullable=False),
    sa.Column('witnesses', sa.String(length=300), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('well_off', sa.Boolean(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('letter_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_sticker_log_letter_id_letter')),
    sa.ForeignKeyConstraint(['target_id'], ['sticker_target.id'], name=op.f('fk_sticker_log_target_id_sticker_target')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sticker_log'))
    )
    with op.batch_alter_table('sticker_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sticker_log_target_id'), ['target_id'], unique=False)

    op.create_table('sticker_photo',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('log_id', sa.String(length=36), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('original_sha256', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['log_id'], ['sticker_log.id'], name=op.f('fk_sticker_photo_log_id_sticker_log')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sticker_photo'))
    )
    with op.batch_alter_table('sticker_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sticker_photo_log_id'), ['log_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sticker_photo_original_sha256'), ['original_sha256'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sticker_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sticker_photo_original_sha256'))
        batch_op.drop_index(batch_op.f('ix_sticker_photo_log_id'))

    op.drop_table('sticker_photo')
    with op.batch_alter_table('sticker_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sticker_log_target_id'))

    op.drop_table('sticker_log')
    with op.batch_alter_table('sticker_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sticker_target_household_id'))
        batch_op.drop_index(batch_op.f('ix_sticker_target_campaign_id'))

    op.drop_table('sticker_target')
    op.drop_table('sticker_campaign')

"""referrals (rujukan)

A resident's request and its referral: the referral, its steps (events), home
visits and attachments kept inside the database (puskesos/models/referrals.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa



revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('referral',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tracking_code', sa.String(length=16), nullable=False),
    sa.Column('village_code', sa.String(length=13), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=True),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('person_name', sa.String(length=120), nullable=False),
    sa.Column('person_nik', sa.String(length=16), nullable=True),
    sa.Column('nik_absent_reason', sa.String(length=300), nullable=True),
    sa.Column('person_birth_date', sa.Date(), nullable=True),
    sa.Column('person_address', sa.String(length=200), nullable=True),
    sa.Column('dusun', sa.String(length=80), nullable=True),
    sa.Column('rt', sa.String(length=3), nullable=True),
    sa.Column('rw', sa.String(length=3), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('received_by', sa.String(length=64), nullable=False),
    sa.Column('action_taken', sa.Text(), nullable=True),
    sa.Column('target_service', sa.String(length=120), nullable=True),
    sa.Column('service_requested', sa.Text(), nullable=True),
    sa.Column('documents', sa.JSON(), nullable=True),
    sa.Column('letter_id', sa.String(length=36), nullable=True),
    sa.Column('reply_reference', sa.String(length=120), nullable=True),
    sa.Column('reply_note', sa.Text(), nullable=True),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by', sa.String(length=64), nullable=True),
    sa.Column('deleted_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_referral_household_id_household')),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_referral_letter_id_letter')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_referral_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral')),
    sa.UniqueConstraint('tracking_code', name='uq_referral_tracking_code')
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_follow_up_on'), ['follow_up_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_person_nik'), ['person_nik'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_status'), ['status'], unique=False)

    op.create_table('referral_attachment',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_attachment_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_attachment'))
    )
    with op.batch_alter_table('referral_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_attachment_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_event',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_event_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_event'))
    )
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_event_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_visit',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('visitor', sa.String(length=120), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_visit_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_visit'))
    )
    with op.batch_alter_table('referral_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_visit_referral_id'), ['referral_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('referral_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_visit_referral_id'))

    op.drop_table('referral_visit')
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_event_referral_id'))

    op.drop_table('referral_event')
    with op.batch_alter_table('referral_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_attachment_referral_id'))

    op.drop_table('referral_attachment')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_status'))
        batch_op.drop_index(batch_op.f('ix_referral_person_nik'))
        batch_op.drop_index(batch_op.f('ix_referral_member_id'))
        batch_op.drop_index(batch_op.f('ix_referral_follow_up_on'))

    op.drop_table('referral')

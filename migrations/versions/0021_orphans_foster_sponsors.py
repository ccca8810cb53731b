"""orphans, their guardians and foster sponsors

Two programs that raise income (PENA, KUBE) join the catalogue. A child who lost a
parent is recorded with who cares for them (orphan); a resident
willing to be a foster sponsor with what they offer (foster_sponsor); the
coordinator's matches between them (foster_match).  A member removed outright (an
undone import) takes their records with them.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

#: the programs that raise income seeded here (as core.codes had them then)
_INCOME = (("PENA", "Pahlawan Ekonomi Nusantara (PENA)"),
           ("KUBE", "Kelompok Usaha Bersama (KUBE)"))


def _tracked() -> list[sa.Column]:
    return [sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('version', sa.Integer(), nullable=False),
            sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
            sa.Column('deleted_by', sa.String(length=64), nullable=True),
            sa.Column('deleted_reason', sa.String(length=500), nullable=True)]


def upgrade() -> None:
    op.create_table('orphan',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('guardian_member_id', sa.String(length=36), nullable=True),
    sa.Column('guardian_name', sa.String(length=120), nullable=True),
    sa.Column('guardian_nik', sa.String(length=16), nullable=True),
    sa.Column('guardian_relation', sa.String(length=60), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    *_tracked(),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE',
                            name=op.f('fk_orphan_member_id_member')),
    sa.ForeignKeyConstraint(['guardian_member_id'], ['member.id'], ondelete='SET NULL',
                            name=op.f('fk_orphan_guardian_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orphan')),
    sa.UniqueConstraint('member_id', name=op.f('uq_orphan_member_id'))
    )
    op.create_table('foster_sponsor',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('offers', sa.String(length=80), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    *_tracked(),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE',
                            name=op.f('fk_foster_sponsor_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_foster_sponsor')),
    sa.UniqueConstraint('member_id', name=op.f('uq_foster_sponsor_member_id'))
    )
    op.create_table('foster_match',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('orphan_id', sa.String(length=36), nullable=False),
    sa.Column('sponsor_id', sa.String(length=36), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('matched_by', sa.String(length=64), nullable=False),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('ended_reason', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['orphan_id'], ['orphan.id'], ondelete='CASCADE',
                            name=op.f('fk_foster_match_orphan_id_orphan')),
    sa.ForeignKeyConstraint(['sponsor_id'], ['foster_sponsor.id'], ondelete='CASCADE',
                            name=op.f('fk_foster_match_sponsor_id_foster_sponsor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_foster_match'))
    )
    with op.batch_alter_table('foster_match', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_foster_match_orphan_id'), ['orphan_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_foster_match_sponsor_id'), ['sponsor_id'],
                              unique=False)


    # two programs that raise income (the catalogue had none), seeded where the
    # village has its catalogue (a database made before a village was set has none)
    program = sa.table('program', sa.column('code', sa.String), sa.column('name', sa.String),
                       sa.column('target', sa.String), sa.column('active', sa.Boolean),
                       sa.column('source', sa.String), sa.column('kind', sa.String),
                       sa.column('desil_ceiling', sa.Integer))
    bind = op.get_bind()
    codes = set(bind.execute(sa.select(program.c.code)).scalars())
    if codes:
        for code, name in _INCOME:
            if code not in codes:
                op.execute(program.insert().values(
                    code=code, name=name, target="keluarga", active=True, source="nasional",
                    kind="pendapatan", desil_ceiling=4))


def downgrade() -> None:
    op.drop_table('foster_match')
    op.drop_table('foster_sponsor')
    op.drop_table('orphan')

"""program catalogue and dismissed flags

Each program says who funds it (source), what it does for a family (kind), the
highest desil it is for and the periods it runs in; the programs seeded earlier
take their values from core.targeting.DEFAULT_CATALOGUE, others the defaults.
A flag set aside with a reason is kept (flag_dismissal). A recipient on a
program's list who is not in the registry is kept (unregistered_recipient).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

#: the seeded programs' source, kind and ceiling (as core.targeting had them then)
_SEEDED = {
    "PKH": ("nasional", "beban", 4), "BPNT": ("nasional", "beban", 4),
    "PBI": ("nasional", "beban", 5), "BLT_DD": ("desa", "beban", 4),
    "PIP": ("nasional", "pemberdayaan", 4), "ATENSI": ("nasional", "pemberdayaan", 5),
    "RUTILAHU": ("nasional", "beban", 4), "PERMAKANAN": ("nasional", "beban", 5),
    "SUBSIDI_LISTRIK": ("nasional", "beban", 5), "SUBSIDI_LPG": ("nasional", "beban", 5),
    "BANTUAN_PEMDA": ("daerah", "beban", 4)}


def upgrade() -> None:
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=15), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=15), nullable=True))
        batch_op.add_column(sa.Column('desil_ceiling', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('periods', sa.String(length=120), nullable=True))
    program = sa.table('program', sa.column('code', sa.String), sa.column('source', sa.String),
                       sa.column('kind', sa.String), sa.column('desil_ceiling', sa.Integer))
    for code, (source, kind, ceiling) in _SEEDED.items():
        op.execute(program.update().where(program.c.code == code).values(
            source=source, kind=kind, desil_ceiling=ceiling))
    op.execute(program.update().where(program.c.source.is_(None)).values(
        source="nasional", kind="beban", desil_ceiling=4))
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=sa.String(length=15), nullable=False)
        batch_op.alter_column('kind', existing_type=sa.String(length=15), nullable=False)
    op.create_table('flag_dismissal',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('program_code', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('dismissed_by', sa.String(length=64), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ondelete='CASCADE',
                            name=op.f('fk_flag_dismissal_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag_dismissal')),
    sa.UniqueConstraint('kind', 'household_id', 'member_id', 'program_code',
                        name='uq_flag_dismissal_flag')
    )
    with op.batch_alter_table('flag_dismissal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_dismissal_household_id'), ['household_id'],
                              unique=False)


    op.create_table('unregistered_recipient',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('program_code', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=True),
    sa.Column('nik', sa.String(length=16), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('no_kk', sa.String(length=16), nullable=True),
    sa.Column('import_batch_id', sa.String(length=36), nullable=True),
    sa.Column('line', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'],
                            name=op.f('fk_unregistered_recipient_import_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['program_code'], ['program.code'],
                            name=op.f('fk_unregistered_recipient_program_code_program')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unregistered_recipient'))
    )
    with op.batch_alter_table('unregistered_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unregistered_recipient_import_batch_id'),
                              ['import_batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unregistered_recipient_nik'), ['nik'],
                              unique=False)


def downgrade() -> None:
    op.drop_table('unregistered_recipient')
    with op.batch_alter_table('flag_dismissal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_dismissal_household_id'))
    op.drop_table('flag_dismissal')
    with op.batch_alter_table('program', schema=None) as batch_op:
        for column in ('periods', 'desil_ceiling', 'kind', 'source'):
            batch_op.drop_column(column)

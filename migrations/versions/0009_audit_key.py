"""audit key

The audit chain is keyed from now on (HMAC-SHA-256 with a secret made here,
once per database); the events written before keep their plain SHA-256, and
the key says from which event on it applies.  Made by the upgrade, so a
database at this schema without a key has had it removed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

setting = sa.table('setting', sa.column('key', sa.String(64)), sa.column('value', sa.JSON))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.select(setting.c.key).where(setting.c.key == 'audit_key')).first():
        return
    head = bind.execute(sa.select(setting.c.value).where(setting.c.key == 'audit_head')).scalar()
    seq = int(head["seq"]) if isinstance(head, dict) else 0
    bind.execute(setting.insert().values(
        key='audit_key', value={"key": secrets.token_hex(32), "from_seq": seq + 1}))


def downgrade() -> None:
    op.execute(setting.delete().where(setting.c.key == 'audit_key'))

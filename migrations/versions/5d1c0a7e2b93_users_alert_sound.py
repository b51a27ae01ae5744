"""users.alert_sound: a staff member's choice to hear (or not) the alert chime

Revision ID: 5d1c0a7e2b93
Revises: 9d3e6f1a2b4c
Create Date: 2026-12-02 01:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1c0a7e2b93'
down_revision = '9d3e6f1a2b4c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_sound', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('alert_sound')

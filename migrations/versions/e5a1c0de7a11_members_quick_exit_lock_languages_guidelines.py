"""members: quick-exit lock and PIN, languages (member, peer, conversation), community guidelines

Revision ID: e5a1c0de7a11
Revises: 5d1c0a7e2b93
Create Date: 2026-12-02 01:00:00

"""
from alembic import op
import sqlalchemy as sa
import warmline.models.types


# revision identifiers, used by Alembic.
revision = 'e5a1c0de7a11'
down_revision = '5d1c0a7e2b93'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pin_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('pin_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('languages', sa.String(length=64), nullable=True))
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_at', warmline.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('keep_on_exit', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
    op.create_table('site_texts',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', warmline.models.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_site_texts_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', 'language', name=op.f('pk_site_texts'))
    )


def downgrade():
    op.drop_table('site_texts')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.drop_column('keep_on_exit')
        batch_op.drop_column('locked_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('languages')
        batch_op.drop_column('language')
        batch_op.drop_column('pin_failures')
        batch_op.drop_column('pin_hash')

"""staff invites, two-factor sign-in (TOTP, recovery codes), last sign-in, require-2FA setting

Revision ID: 9d3e6f1a2b4c
Revises: a5af63f1d29b
Create Date: 2026-12-02 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
import warmline.models.types


# revision identifiers, used by Alembic.
revision = '9d3e6f1a2b4c'
down_revision = 'a5af63f1d29b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', warmline.models.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', warmline.models.types.UTCDateTime(), nullable=False),
    sa.Column('used_at', warmline.models.types.UTCDateTime(), nullable=True),
    sa.Column('voided_at', warmline.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_staff_invites_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_invites_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_invites')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_invites_token_hash'))
    )
    with op.batch_alter_table('staff_invites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_invites_user_id'), ['user_id'], unique=False)

    op.create_table('mfa_recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', warmline.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mfa_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mfa_recovery_codes'))
    )
    with op.batch_alter_table('mfa_recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mfa_recovery_codes_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_sign_in_at', warmline.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('mfa_secret', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('mfa_enabled_at', warmline.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('mfa_last_step', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('org_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_mfa', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('org_settings', schema=None) as batch_op:
        batch_op.drop_column('require_mfa')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('mfa_last_step')
        batch_op.drop_column('mfa_enabled_at')
        batch_op.drop_column('mfa_secret')
        batch_op.drop_column('last_sign_in_at')

    with op.batch_alter_table('mfa_recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mfa_recovery_codes_user_id'))
    op.drop_table('mfa_recovery_codes')

    with op.batch_alter_table('staff_invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_invites_user_id'))
    op.drop_table('staff_invites')

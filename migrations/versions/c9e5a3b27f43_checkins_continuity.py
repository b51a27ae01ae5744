"""follow-up check-ins; a member's request for the same peer again

Revision ID: c9e5a3b27f43
Revises: b8d4f2a16e32
Create Date: 2026-12-02 01:40:00

"""
from alembic import op
import sqlalchemy as sa
import warmline.models.types


# revision identifiers, used by Alembic.
revision = 'c9e5a3b27f43'
down_revision = 'b8d4f2a16e32'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('peer_id', sa.Integer(), nullable=True),
    sa.Column('handoff_note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_at', warmline.models.types.UTCDateTime(), nullable=False),
    sa.Column('due_at', warmline.models.types.UTCDateTime(), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('taken_at', warmline.models.types.UTCDateTime(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_at', warmline.models.types.UTCDateTime(), nullable=True),
    sa.Column('seen_at', warmline.models.types.UTCDateTime(), nullable=True),
    sa.Column('cancelled_at', warmline.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_checkins_conversation_id_conversations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_checkins_member_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['peer_id'], ['users.id'], name=op.f('fk_checkins_peer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['taken_by_id'], ['users.id'], name=op.f('fk_checkins_taken_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins'))
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_member', ['member_id', 'status'], unique=False)
        batch_op.create_index('ix_checkins_status_due', ['status', 'due_at'], unique=False)

    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('same_peer_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_conversations_same_peer_id_users'), 'users', ['same_peer_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_conversations_same_peer_id_users'), type_='foreignkey')
        batch_op.drop_column('same_peer_id')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_checkins_status_due')
        batch_op.drop_index('ix_checkins_member')
    op.drop_table('checkins')

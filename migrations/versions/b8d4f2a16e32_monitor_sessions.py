"""monitor sessions: supervisors reading live chats, logged from when to when

Revision ID: b8d4f2a16e32
Revises: a7c3e1f05d21
Create Date: 2026-12-02 01:20:00

"""
from alembic import op
import sqlalchemy as sa
import warmline.models.types


# revision identifiers, used by Alembic.
revision = 'b8d4f2a16e32'
down_revision = 'a7c3e1f05d21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('monitor_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('coordinator_id', sa.Integer(), nullable=False),
    sa.Column('socket_id', sa.String(length=64), nullable=False),
    sa.Column('open_join', sa.Boolean(), nullable=False),
    sa.Column('started_at', warmline.models.types.UTCDateTime(), nullable=False),
    sa.Column('ended_at', warmline.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_monitor_sessions_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coordinator_id'], ['users.id'], name=op.f('fk_monitor_sessions_coordinator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitor_sessions'))
    )
    with op.batch_alter_table('monitor_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_monitor_sessions_conversation', ['conversation_id', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_monitor_sessions_socket_id'), ['socket_id'], unique=False)


def downgrade():
    with op.batch_alter_table('monitor_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitor_sessions_socket_id'))
        batch_op.drop_index('ix_monitor_sessions_conversation')
    op.drop_table('monitor_sessions')

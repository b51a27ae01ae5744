"""canned responses, the resource directory with its full-text index, shared resource cards

Revision ID: a7c3e1f05d21
Revises: e3a1c9d2f4b7
Create Date: 2026-12-02 01:00:00

"""
from alembic import op
import sqlalchemy as sa
import warmline.models.types


# revision identifiers, used by Alembic.
revision = 'a7c3e1f05d21'
down_revision = 'e3a1c9d2f4b7'
branch_labels = None
depends_on = None

FIELDS = ("name", "category", "phone", "text_line", "url", "hours", "area", "languages", "description")
# The same expression as warmline.services.resources.PG_DOCUMENT (the queries must match it).
PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig, regexp_replace("
    "name || ' ' || category || ' ' || phone || ' ' || text_line || ' ' || url || ' ' || hours"
    " || ' ' || area || ' ' || languages || ' ' || description, '[^[:alnum:]]+', ' ', 'g'))"
)


def upgrade():
    op.create_table('canned_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('shortcut', sa.String(length=32), nullable=True),
    sa.Column('created_at', warmline.models.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', warmline.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_canned_responses_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_responses'))
    )
    with op.batch_alter_table('canned_responses', schema=None) as batch_op:
        batch_op.create_index('ix_canned_responses_owner', ['owner_id'], unique=False)

    op.create_table('resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=64), nullable=False),
    sa.Column('text_line', sa.String(length=120), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('hours', sa.String(length=200), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('languages', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', warmline.models.types.UTCDateTime(), nullable=False),
    sa.Column('reviewed_at', warmline.models.types.UTCDateTime(), nullable=False),
    sa.Column('retired_at', warmline.models.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources'))
    )
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resources_category'), ['category'], unique=False)

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resource_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_messages_resource_id_resources'), 'resources', ['resource_id'], ['id'], ondelete='SET NULL')

    # The full-text index, outside the models (warmline.models.peer_tools.managed_by_models).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_resources_search ON resources USING gin ({PG_DOCUMENT})")
    else:
        columns = ", ".join(FIELDS)
        new = ", ".join(f"new.{f}" for f in FIELDS)
        old = ", ".join(f"old.{f}" for f in FIELDS)
        op.execute(
            f"CREATE VIRTUAL TABLE resources_fts USING fts5({columns}, content='resources', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            f"CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources BEGIN "
            f"INSERT INTO resources_fts(rowid, {columns}) VALUES (new.id, {new}); END"
        )
        op.execute(
            f"CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN "
            f"INSERT INTO resources_fts(resources_fts, rowid, {columns}) VALUES ('delete', old.id, {old}); END"
        )
        op.execute(
            f"CREATE TRIGGER resources_fts_update AFTER UPDATE ON resources BEGIN "
            f"INSERT INTO resources_fts(resources_fts, rowid, {columns}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO resources_fts(rowid, {columns}) VALUES (new.id, {new}); END"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_resources_search")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS resources_fts_{name}")
        op.execute("DROP TABLE IF EXISTS resources_fts")
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_messages_resource_id_resources'), type_='foreignkey')
        batch_op.drop_column('resource_id')
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resources_category'))
    op.drop_table('resources')
    with op.batch_alter_table('canned_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_canned_responses_owner')
    op.drop_table('canned_responses')

"""escalations: the keyed chain's checkpoint (append-only like the rest of the record)

Revision ID: e3a1c9d2f4b7
Revises: 4097e9e4c167
Create Date: 2026-12-02 01:10:00

"""

import sqlalchemy as sa
from alembic import op

import warmline.models.types

revision = "e3a1c9d2f4b7"
down_revision = "4097e9e4c167"
branch_labels = None
depends_on = None

TABLE = "escalation_checkpoints"


def upgrade():
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_seq", sa.Integer(), nullable=False),
        sa.Column("legacy_rows", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", warmline.models.types.UTCDateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_checkpoints")),
        sa.UniqueConstraint("ledger_seq", name=op.f("uq_escalation_checkpoints_ledger_seq")),
    )
    # The database refuses UPDATE and DELETE here too (the function comes from b5909ada07d8).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION warmline_refuse_change()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                "BEGIN SELECT RAISE(ABORT, 'the escalation record is append-only'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    op.drop_table(TABLE)

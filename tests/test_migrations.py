"""The migrations and the models agree (the schema under test is built by the migrations)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from warmline.extensions import db
from warmline.models.peer_tools import managed_by_models


def test_models_match_migrations(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": managed_by_models})
        assert compare_metadata(context, db.metadata) == []

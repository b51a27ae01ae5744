"""Warmline: a peer-run warmline (chat with a peer on shift) and moderated anonymous forums."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The application: settings from the environment, then `config` on top (tests)."""
    from warmline import auth, database, i18n, logs, realtime, security, web
    from warmline import config as settings
    from warmline.cli import register_cli
    from warmline.extensions import babel, csrf, db, limiter, migrate

    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(settings.DEFAULTS)
    app.config.update(settings.from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
    from warmline.security import SafeJSONProvider

    app.json = SafeJSONProvider(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings.normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    import warmline.models  # noqa: F401  (registers the tables)

    database.engine_options(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app, locale_selector=i18n.select_locale, default_translation_directories=str(ROOT / "warmline" / "translations")
    )
    i18n.init_app(app)
    logs.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    web.init_app(app)
    realtime.init_app(app)
    register_cli(app)
    return app

"""HTTP: page blueprints per area and the JSON API under /api/v1. Views only translate."""

from __future__ import annotations

from flask import Flask

from warmline import validation
from warmline.web import errors, filters, navigation


def init_app(app: Flask) -> None:
    from warmline.web import (
        api,
        auth,
        billing,
        chat,
        escalations,
        forum,
        guidelines,
        home,
        lock,
        peer_tools,
        reports,
        shifts,
        staff,
    )

    # Before any route is added: every <int:...> is bounded by the database's INTEGER.
    app.url_map.converters["int"] = validation.BoundedIntConverter
    app.register_blueprint(home.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(shifts.bp)
    app.register_blueprint(chat.bp)
    app.register_blueprint(escalations.bp)
    app.register_blueprint(forum.bp)
    app.register_blueprint(forum.moderation_bp)
    app.register_blueprint(peer_tools.bp)
    app.register_blueprint(billing.bp)
    app.register_blueprint(billing.member_bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(api.bp)

    app.register_blueprint(staff.bp)
    app.register_blueprint(lock.bp)
    guidelines.init_app(app)
    errors.init_app(app)
    app.before_request(validation.refuse_nul_in_forms)
    filters.init_app(app)
    navigation.init_app(app)

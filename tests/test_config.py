"""Configuration from the environment."""

from __future__ import annotations

import pytest

from warmline import config, create_app


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = config.secret_key_from(tmp_path)
    assert len(first) > 40
    assert config.secret_key_from(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_environment_is_read(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/warm")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("SOCKETIO_MESSAGE_QUEUE", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("WARMLINE_TIMEZONE", "Europe/Dublin")
    settings = config.from_environment(tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/warm"
    assert settings["RATELIMIT_ENABLED"] is False
    assert settings["SOCKETIO_MESSAGE_QUEUE"] == "redis://127.0.0.1:6379/0"
    assert settings["WARMLINE_TIMEZONE"] == "Europe/Dublin"


def test_defaults(monkeypatch, tmp_path):
    for name in [
        "DATABASE_URL",
        "SOCKETIO_MESSAGE_QUEUE",
        "RATELIMIT_STORAGE_URI",
        "WARMLINE_TIMEZONE",
        "RATELIMIT_ENABLED",
    ]:
        monkeypatch.delenv(name, raising=False)
    settings = config.from_environment(tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'warmline.db'}"
    assert settings["SOCKETIO_MESSAGE_QUEUE"] is None
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["RATELIMIT_ENABLED"] is True
    assert settings["WARMLINE_TIMEZONE"] == "America/New_York"


def test_unknown_time_zone_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("WARMLINE_TIMEZONE", "Mars/Olympus")
    with pytest.raises(RuntimeError, match="WARMLINE_TIMEZONE"):
        config.from_environment(tmp_path)


def test_app_factory_takes_a_test_config(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "TESTING": True})
    assert app.config["TESTING"] is True
    assert app.config["MAX_CONTENT_LENGTH"] == 128 * 1024


def test_timers_are_tunable_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WARMLINE_CHAT_PEER_GRACE", "30")
    assert config.from_environment(tmp_path)["CHAT_PEER_GRACE"] == 30
    monkeypatch.setenv("WARMLINE_CHAT_PEER_GRACE", "soon")
    with pytest.raises(RuntimeError, match="WARMLINE_CHAT_PEER_GRACE"):
        config.from_environment(tmp_path)

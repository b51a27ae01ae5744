"""Risk detection for member text (chat messages, chat topics, forum posts): `assess` is the
one entry point every caller uses.

Two halves. The phrase rules (warmline/risk/rules.py) are the floor, transparent on purpose:
phrase lists per level, matched on word boundaries, and context rules anyone can read
(RISK_PHRASES, extended through the RISK_EXTRA_PHRASES setting). Beside them a learned model
(warmline/risk, trained from a labelled corpus) catches what the phrases never listed. The
level is the higher of the two, with why: the phrase that matched, or the model's category and
the training lines nearest the text. It never blocks a member from writing; it raises a
conversation's priority, tells the peer, and holds a forum post for a moderator."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from warmline.risk import encoder, model
from warmline.risk.model import Model
from warmline.risk.rules import LEVELS, RISK_PHRASES, Assessment, matches_own_phrases, rules

__all__ = ["LEVELS", "RISK_PHRASES", "Assessment", "assess", "assess_here", "level_of", "load_model", "rules"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_unloadable: set[tuple[str, str]] = set()


def _loaded(path: str | None, load: Callable[[Path], T], errors: tuple[type[Exception], ...], said: str) -> T | None:
    """`load(path)`; a missing or stale file is logged once (`said`) and skipped from then on,
    so the rest of the detector still runs."""
    if not path or (said, path) in _unloadable:
        return None
    try:
        return load(Path(path))
    except errors:
        log.exception(said)
        _unloadable.add((said, path))
        return None


def _model(path: str | None) -> Model | None:
    return _loaded(path, model.cached, (OSError, ValueError), "risk model not loaded; rules only")


def _encoder(model_path: str | None) -> encoder.Encoder | None:
    """The encoder blended with this model file, if one sits beside it."""
    return _loaded(
        model_path,
        encoder.beside,
        (OSError, ValueError, KeyError),
        "risk encoder not loaded; n-gram model and rules only",
    )


def settings_of(app: Any) -> tuple[Mapping[str, Sequence[str]] | None, str | None]:
    """The app's extra phrases and model file, as `assess` takes them."""
    return app.config.get("RISK_EXTRA_PHRASES"), app.config.get("RISK_MODEL_PATH")


def load_model(app: Any) -> None:
    """At process start, on the main thread: loads this app's model and scores once, so the
    modules that first scoring imports lazily (codecs for the archive, NumPy's string types)
    are imported here and not on gevent's threadpool. Imports there take the import system's
    module locks, which gevent has patched into greenlet locks, from several threads at once:
    a gunicorn worker hung for good on its first three chat requests."""
    assess("warm up", *settings_of(app))


def assess(
    text: str, extra: Mapping[str, Sequence[str]] | None = None, model_path: str | None = model.DEFAULT_PATH.as_posix()
) -> Assessment:
    """The rules' level or the model's, whichever is higher, and why. Within a Flask app
    the settings RISK_EXTRA_PHRASES and RISK_MODEL_PATH apply (see `assess_here`)."""
    floor = rules(text, extra)
    learned = _model(model_path)
    if learned is None:
        return floor
    blended = _encoder(model_path)
    prediction = blended.blend(text, learned) if blended else learned.predict(text)
    if _overrules(text, floor, prediction.risky, learned, extra):
        examples = learned.nearest(text, prediction.category)
        return replace(
            floor,
            level="moderate",
            overruled=True,
            category=prediction.category,
            score=round(prediction.risky, 3),
            examples=tuple(examples),
        )
    if LEVELS.index(prediction.level) <= floor.rank:
        return floor
    examples = learned.nearest(text, prediction.category if prediction.level != "none" else None)
    return Assessment(
        prediction.level, floor.matches, "model", prediction.category, round(prediction.risky, 3), tuple(examples)
    )


def _overrules(
    text: str, floor: Assessment, risky: float, learned: Model, extra: Mapping[str, Sequence[str]] | None
) -> bool:
    """The model overrules the rules' `high` (never `imminent`, nor an organisation's own
    phrases) where its P(risky) is below the file's `overrule` threshold, chosen on
    cross-validation to give up almost none of the risky lines the rules hold: "i'd rather jump
    off a cliff than do karaoke" is `moderate`, still shown to the peer with the rule's words."""
    return (
        floor.level == "high"
        and risky < learned.thresholds.get("overrule", 0.0)
        and not matches_own_phrases(text, extra)
    )


def assess_here(text: str) -> Assessment:
    """`assess` with the app's settings, off the event loop (warmline/risk/worker.py)."""
    from flask import current_app, has_app_context

    from warmline.risk import worker

    if not has_app_context():
        return assess(text)
    app = current_app._get_current_object()  # noqa: SLF001
    extra, path = settings_of(app)
    return worker.off_loop(app, lambda: assess(text, extra, path))


def level_of(text: str) -> str:
    return assess_here(text).level

"""Training the model file from the corpus: cross-validation on the training split picks the
thresholds, then one fit on all of it (`flask --app wsgi risk train`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from warmline.risk import model
from warmline.risk.corpus import Example
from warmline.risk.evaluate import Figures, figures


@dataclass
class Trained:
    model: model.Model
    cross_validated: Figures | None


def train_file(
    examples: Sequence[Example],
    out: Path,
    rules_level: Callable[[str], str],
    folds: int = 5,
    max_negatives_held: float | None = None,
    settings: model.Settings | None = None,
    min_recall: float | None = None,
    max_overruled: float = 0.0,
) -> Trained:
    """Cross-validates (when `folds` > 1) to choose the thresholds: first the P(risky) below
    which the model overrules the rules' `high` (model.overrule_threshold, giving up at most
    `max_overruled` of the risky lines they hold there), then the others (model.choose_thresholds:
    by `min_recall`, else by `max_negatives_held`) with the rules as the floor they are at run
    time; fits on everything and writes the file."""
    settings = settings or model.Settings()
    thresholds, cv = dict(model.DEFAULT_THRESHOLDS), None
    if folds > 1:
        predictions = model.cross_validate(examples, folds, settings)
        risky = np.array([p.risky for p in predictions])
        levels = [rules_level(e.text) for e in examples]
        overrule = model.overrule_threshold(risky, levels, np.array([e.risky for e in examples]), max_overruled)
        floor = model.rules_floor(levels, risky, overrule)
        thresholds = model.choose_thresholds(examples, predictions, list(floor), max_negatives_held, min_recall)
        thresholds["overrule"] = overrule
        by_text = {
            e.text: floor[i] or model.Model.level_of(thresholds, p) in ("high", "imminent")
            for i, (e, p) in enumerate(zip(examples, predictions, strict=True))
        }
        cv = figures(examples, by_text.__getitem__)
    trained = model.train(examples, settings, thresholds)
    trained.meta["cross_validated"] = cv.summary() if cv else None
    trained.save(out)
    return Trained(trained, cv)

"""Choosing how the fine-tuned encoder is blended with the n-gram model (finetune.py trains it;
this part needs no PyTorch, so the suite tests it): the weight and `high` threshold, from both
models' category probabilities on held-out lines, with the rules as the floor they are at run
time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from warmline.risk import model
from warmline.risk.corpus import CATEGORIES, Example

WEIGHTS = (0.2, 0.3, 0.4, 0.5, 0.6)
RISKY_COLUMNS = np.array([c in model.RISKY_CATEGORIES for c in CATEGORIES])


def choose_blend(
    examples: Sequence[Example],
    mine: np.ndarray,
    theirs: np.ndarray,
    floor: Sequence[bool],
    min_recall: float | None = None,
    cap: float | None = None,
) -> tuple[float, float, dict[str, float]]:
    """The weight and threshold (rules included as the floor): with `min_recall`, holding the
    fewest hard negatives among those keeping that recall; otherwise holding the most risky
    lines with hard negatives held within `cap`. Returns weight, threshold and the figures."""
    is_risky = np.array([e.risky for e in examples])
    is_negative = np.array([e.category.startswith("neg_") for e in examples])
    ruled = np.array(floor)
    best: tuple[float, float, dict[str, float]] | None = None
    for weight in WEIGHTS:
        probabilities = weight * mine + (1 - weight) * theirs
        p = probabilities[:, RISKY_COLUMNS].sum(1)
        if min_recall is not None:
            threshold = model.highest_threshold(p, ruled, is_risky, min_recall)
        else:
            threshold = model.lowest_threshold(p, ruled, is_negative, 0.15 if cap is None else cap)
        threshold = round(threshold, 2)
        found = figures(examples, probabilities, floor, threshold)
        better = (
            best is None
            or (min_recall is not None and found["negatives_held"] < best[2]["negatives_held"])
            or (min_recall is None and found["recall"] > best[2]["recall"])
        )
        if better:
            best = (weight, threshold, found)
    assert best is not None
    return best


def figures(
    examples: Sequence[Example], probabilities: np.ndarray, floor: Sequence[bool], threshold: float
) -> dict[str, float]:
    """Recall, hard negatives held and Spanish recall at a P(risky) threshold, rules included."""
    is_risky = np.array([e.risky for e in examples])
    spanish = np.array([e.lang == "es" for e in examples]) & is_risky
    held = np.array(floor) | (probabilities[:, RISKY_COLUMNS].sum(1) >= threshold)
    return {
        "recall": float(held[is_risky].mean()),
        "negatives_held": float(held[np.array([e.category.startswith("neg_") for e in examples])].mean()),
        "spanish_recall": float(held[spanish].mean()) if spanish.any() else 0.0,
    }

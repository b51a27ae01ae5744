"""Weight tables in int8 with one float32 scale per row: a quarter of float32's memory and
file, widened only for the rows a text reads. Round to nearest, so the error of a weight is
under half a step of its row (1/254 of the row's largest weight)."""

from __future__ import annotations

import numpy as np


def quantise_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 values and a float32 scale per row (the last axis is a row's width)."""
    scale = np.abs(matrix).max(axis=-1) / 127.0
    scale[scale == 0] = 1.0
    return np.round(matrix / scale[..., None]).astype(np.int8), scale.astype(np.float32)


def widen(values: np.ndarray, scales: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Rows `at` (of the second-to-last axis) in float32."""
    rows = values[..., at, :].astype(np.float32)
    rows *= scales[..., at, None]
    return rows

"""The second learned scorer: the first layers of MiniLM (all-MiniLM-L6-v2), fine-tuned on
the corpus's categories (finetune.py), run here in NumPy on the CPU. Where the n-gram model
sees words, this reads them in order and in context ("tonight is the night" beside "of the
big game"); the two are blended (`blend`), and the rules stay the floor.

The file `data/encoder.npz` holds the vocabulary, the token embeddings in int8 with one
scale per row (a quarter of float32; dequantised per lookup), the layers in float16, the
head, and in `meta` the blend's weight and `high` threshold chosen on held-out lines."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from warmline.risk import int8
from warmline.risk.corpus import RISKY_CATEGORIES
from warmline.risk.model import Model, Prediction, checked_meta
from warmline.risk.wordpiece import WordPiece

FORMAT = 1
FILE_NAME = "encoder.npz"  # beside the n-gram model file it was blended with
LAYER_KEYS = ("qkv_w", "qkv_b", "o_w", "o_b", "g1", "b1", "i_w", "i_b", "o2_w", "o2_b", "g2", "b2")
EPS = 1e-12


def gelu(x: np.ndarray) -> np.ndarray:
    """The tanh form, as in training (NumPy has no erf); in place, as x is a temporary."""
    inner = x * x
    inner *= x
    inner *= 0.044715
    inner += x
    inner *= 0.7978845608028654
    np.tanh(inner, out=inner)
    inner += 1.0
    inner *= 0.5
    x *= inner
    return x


def layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """In place (x is a temporary)."""
    x -= x.mean(-1, keepdims=True)
    scale = np.sqrt((x * x).mean(-1, keepdims=True) + EPS)
    x /= scale
    x *= gain
    x += bias
    return x


@dataclass(frozen=True)
class Layer:
    qkv_w: np.ndarray  # (hidden, 3 * hidden): query, key and value in one product
    qkv_b: np.ndarray
    o_w: np.ndarray
    o_b: np.ndarray
    g1: np.ndarray
    b1: np.ndarray
    i_w: np.ndarray
    i_b: np.ndarray
    o2_w: np.ndarray
    o2_b: np.ndarray
    g2: np.ndarray
    b2: np.ndarray

    def __call__(self, x: np.ndarray, heads: int) -> np.ndarray:
        tokens, hidden = x.shape
        size = hidden // heads
        qkv = (x @ self.qkv_w + self.qkv_b).reshape(tokens, 3, heads, size).transpose(1, 2, 0, 3)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = q @ k.transpose(0, 2, 1)
        scores *= 1.0 / math.sqrt(size)  # a Python float: float32 stays float32
        scores -= scores.max(-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(-1, keepdims=True)
        attended = (scores @ v).transpose(1, 0, 2).reshape(tokens, hidden)
        x = layer_norm(x + attended @ self.o_w + self.o_b, self.g1, self.b1)
        inner = x @ self.i_w
        inner += self.i_b
        out = gelu(inner) @ self.o2_w
        out += self.o2_b
        out += x
        return layer_norm(out, self.g2, self.b2)


class Encoder:
    def __init__(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        f32 = lambda name: np.ascontiguousarray(arrays[name], dtype=np.float32)  # noqa: E731
        self.meta = meta
        self.categories: tuple[str, ...] = tuple(meta["categories"])
        self.window = int(meta["window"])  # tokens per window, [CLS] and [SEP] included
        self.heads = int(meta["heads"])
        self.tokenizer = WordPiece([str(t) for t in arrays["vocab"]])
        self.token_q = arrays["token_q"]
        self.token_scale = f32("token_scale")
        self.position = f32("position")
        self.token_type = f32("token_type")
        self.embed_gain, self.embed_bias = f32("embed_gain"), f32("embed_bias")
        self.layers = [Layer(*(f32(f"l{i}_{key}") for key in LAYER_KEYS)) for i in range(int(meta["layers"]))]
        self.head_w, self.head_b = f32("head_w"), f32("head_b")
        self._risky = np.array([c in RISKY_CATEGORIES for c in self.categories])

    def _embed(self, ids: list[int]) -> np.ndarray:
        rows = int8.widen(self.token_q, self.token_scale, np.array(ids))
        rows += self.position[: len(ids)]
        rows += self.token_type
        return layer_norm(rows, self.embed_gain, self.embed_bias)

    def windows(self, text: str) -> list[list[int]]:
        return windows(self.tokenizer, text, self.window)

    def probabilities(self, text: str) -> np.ndarray:
        """P(category) of the most risky window."""
        best: np.ndarray | None = None
        for ids in self.windows(text):
            x = self._embed(ids)
            for layer in self.layers:
                x = layer(x, self.heads)
            z = x.mean(0) @ self.head_w + self.head_b
            p = np.exp(z - z.max())
            p /= p.sum()
            if best is None or p[self._risky].sum() > best[self._risky].sum():
                best = p
        assert best is not None
        return best

    def blend(self, text: str, ngram: Model) -> Prediction:
        """Both models' category probabilities averaged with this file's weight, `high` by
        this file's threshold (chosen for this blend on held-out lines); P(imminent) and its
        threshold stay the n-gram model's (this file has no imminent head).

        The encoder can move P(risky) by at most its weight, so it is read only where that
        could change the level; elsewhere the n-gram model's prediction stands, at the same
        level the blend would give. Most messages are far from the threshold and skip the
        encoder's cost."""
        theirs, imminent = ngram.scores(text)
        weight = float(self.meta["weight"])
        thresholds = {"high": float(self.meta["high"]), "imminent": ngram.thresholds["imminent"]}
        alone = ngram.prediction(theirs, imminent, thresholds)
        if not could_change(alone.risky, weight, thresholds["high"]):
            return alone
        mine = self.probabilities(text)[[self.categories.index(c) for c in ngram.categories]]
        return ngram.prediction(weight * mine + (1 - weight) * theirs, imminent, thresholds)

    @classmethod
    def load(cls, path: Path) -> Encoder:
        with np.load(path, allow_pickle=False) as f:
            return cls({k: f[k] for k in f.files if k != "meta"}, checked_meta(f, path, "encoder", FORMAT))


def could_change(risky: float, weight: float, high: float) -> bool:
    """Whether an encoder of this weight could put the blend of an n-gram P(risky) on the other
    side of `high`: the blend lies between (1 - weight) * risky and that plus weight."""
    return (1 - weight) * risky < high <= (1 - weight) * risky + weight


def windows(tokenizer: WordPiece, text: str, window: int) -> list[list[int]]:
    """The text's tokens in windows of `window` ([CLS] and [SEP] included), overlapping by a
    quarter so a phrase cut by one edge is whole in the next: a long post is read in full.
    Training reads the first window only (corpus lines are short)."""
    ids = tokenizer.encode(text)
    inner = window - 2
    step = max(1, inner * 3 // 4)
    starts = range(0, max(len(ids) - inner, 0) + step, step) if len(ids) > inner else [0]
    return [[tokenizer.start, *ids[s : s + inner], tokenizer.end] for s in starts]


_cache: dict[Path, Encoder | None] = {}
_cache_lock = threading.Lock()


def beside(model_path: Path) -> Encoder | None:
    """The encoder blended with this n-gram model file, if one sits beside it (one per file
    per process, as the model's)."""
    path = model_path.with_name(FILE_NAME)
    if path in _cache:
        return _cache[path]
    with _cache_lock:
        if path not in _cache:
            _cache[path] = Encoder.load(path) if path.exists() else None
        return _cache[path]


def forget() -> None:
    with _cache_lock:
        _cache.clear()

"""A linear model over hashed n-grams (features.py), in NumPy: a softmax head over the
corpus's categories (P(risky) is the mass on the risky ones; the category explains) and a
logistic head for imminent. Trained full-batch with Adam; its file holds only the weight
rows of n-grams seen in training, in int8, plus the training lines for nearest examples.
With hidden units, `members` models are trained from different seeds over the same rows and
their probabilities averaged: one seed's ranking of the hardest lines is partly chance."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from warmline.risk import corpus, features, hidden, int8, rules
from warmline.risk.corpus import CATEGORIES, MODERATE_CATEGORIES, RISKY_CATEGORIES, Example

DEFAULT_PATH = Path(__file__).parent / "data" / "model.npz"
# 2: an optional hidden layer (arrays hidden_*) beside the linear weights; 3: the rules' context
# cues among the features, and the rules' fingerprint in meta["rules"]; 4: the weights, bias
# and hidden layer stacked on a first axis, one per member; the weight tables in int8 with a
# scale per row (int8.py); one scale per training line for the nearest examples.
FORMAT = 4


@dataclass(frozen=True)
class Prediction:
    risky: float  # P(high or imminent)
    imminent: float  # P(imminent)
    moderate: float  # P(hopelessness, burden or passive language)
    category: str  # the most likely category
    level: str  # by the model's thresholds: none, high or imminent


EPOCHS, DROPOUT = 6, 0.5  # of the wide-and-deep model, chosen on cross-validation
# Seeds averaged: on held-out lines two held about a quarter fewer hard negatives at recall 0.95
# than one (docs/escalation.md), for a second hidden layer's memory.
MEMBERS = 2
# The nearest-example search leaves out n-grams found in more than this share of the training
# lines ("the", " i "): they say little of which lines are alike, and they were most of its
# reading (a 300-character message's p99 went from 13 to 20 ms with 29,249 lines; see
# docs/escalation.md). The first example shown stayed the same for 97 % of texts.
COMMON_SHARE = 0.05
COMMON_FLOOR = 500  # lines: a small corpus's n-grams are all kept


@dataclass(frozen=True)
class Settings:
    min_df: int = 2
    l2: float = 1e-5
    epochs: int = 150
    learning_rate: float = 0.05
    # Hidden ReLU units over the n-grams (hidden.py); 0 is the linear model alone. With units,
    # `epochs` and `learning_rate` are those of its minibatch training, `dropout` its units'
    # dropout, and `l2` is unused.
    hidden_units: int = 0
    dropout: float = 0.3
    members: int = 1  # models from seeds 0, 1, ... (with hidden units), probabilities averaged

    @classmethod
    def for_units(cls, units: int) -> Settings:
        """The settings measured for the linear model (0) or the wide-and-deep one: more dropout
        and fewer epochs than first shipped ranked held-out lines better (docs/escalation.md)."""
        if not units:
            return cls()
        return cls(hidden_units=units, epochs=EPOCHS, learning_rate=0.01, dropout=DROPOUT, members=MEMBERS)


class Model:
    def __init__(
        self,
        rows: np.ndarray,
        weights: np.ndarray,
        bias: np.ndarray,
        categories: Sequence[str],
        thresholds: dict[str, float],
        examples: dict[str, np.ndarray],
        meta: dict[str, Any],
        layer: dict[str, np.ndarray] | None = None,
        weight_scales: np.ndarray | None = None,
    ) -> None:
        """`weights` (members × rows × outputs) and the layer's `embed` are float as trained,
        or int8 as in the file, with `weight_scales` and the layer's `embed_scale`."""
        self.rows = rows
        # The tables stay int8, as in the file, and only the rows a text reads are widened:
        # float32 copies of every row were most of a process's memory.
        if weight_scales is None:
            weights, weight_scales = int8.quantise_rows(weights)
        self.weights, self.weight_scales = weights, weight_scales.astype(np.float32)
        self.bias = bias.astype(np.float32)  # members × outputs
        self.categories = tuple(categories)
        self.thresholds = thresholds
        # The training lines as Python strings: a fixed-width array pads each to the longest.
        self.texts = [str(t) for t in examples["texts"]]
        self.examples = {k: v for k, v in examples.items() if k != "texts"}
        self.meta = meta
        if layer and "embed_scale" not in layer:
            layer = {**layer}
            layer["embed"], layer["embed_scale"] = int8.quantise_rows(layer["embed"])
        self.layer = {k: v if k == "embed" else v.astype(np.float32) for k, v in layer.items()} if layer else None
        common = max(COMMON_SHARE * len(self.texts), COMMON_FLOOR)
        self._distinctive = np.diff(self.examples["column_starts"]) <= common
        self._risky = np.array([c in RISKY_CATEGORIES for c in self.categories])
        self._moderate = np.array([c in MODERATE_CATEGORIES for c in self.categories])

    # Scoring -----------------------------------------------------------------------------

    def positions(self, text: str) -> tuple[np.ndarray, int]:
        """Row positions of the text's n-grams that the model knows, and how many it has."""
        ids = features.hashed(text)
        at = np.minimum(np.searchsorted(self.rows, ids), len(self.rows) - 1)
        return at[self.rows[at] == ids], len(ids)

    def logits(self, text: str) -> np.ndarray:
        """Each member's logits (members × outputs)."""
        known, count = self.positions(text)
        # Normalised over all the text's n-grams, as in training, unknown ones included.
        scale = 1.0 / np.sqrt(max(count, 1))
        z = int8.widen(self.weights, self.weight_scales, known).sum(axis=1) * scale + self.bias
        if self.layer:
            z += hidden.deep_logits(
                int8.widen(self.layer["embed"], self.layer["embed_scale"], known), scale, self.layer
            )
        return z

    def scores(self, text: str) -> tuple[np.ndarray, float]:
        """P(category) over `categories`, and P(imminent), averaged over the members."""
        z = self.logits(text)
        return _softmax(z[:, :-1]).mean(axis=0), float(_sigmoid(z[:, -1]).mean())

    def predict(self, text: str) -> Prediction:
        return self.prediction(*self.scores(text), self.thresholds)

    def prediction(self, probs: np.ndarray, imminent: float, thresholds: dict[str, float]) -> Prediction:
        risky = float(probs[self._risky].sum())
        moderate = float(probs[self._moderate].sum())
        category = self.categories[int(np.argmax(probs))]
        return Prediction(risky, imminent, moderate, category, _level(thresholds, risky, imminent, moderate))

    @staticmethod
    def level_of(thresholds: dict[str, float], p: Prediction) -> str:
        return _level(thresholds, p.risky, p.imminent, p.moderate)

    def nearest(self, text: str, category: str | None = None, k: int = 3) -> list[str]:
        """The k training lines most like the text (cosine over its less common n-grams), of one
        category: through the training lines' n-grams by column, only the text's columns are read."""
        ex = self.examples
        starts, rows = ex["column_starts"], ex["column_rows"]
        known, _ = self.positions(text)
        known = known[self._distinctive[known]]
        lengths = starts[known + 1] - starts[known]
        picked = np.repeat(starts[known] - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        # A line's weight is the same for each of its n-grams (1/sqrt of how many it has).
        sims = np.bincount(rows[picked], minlength=len(self.texts)) * ex["row_scale"]
        if category is not None:
            sims = np.where(ex["categories"] == category, sims, -1.0)
        order = np.argsort(-sims, kind="stable")[:k]
        return [self.texts[i] for i in order if sims[i] > 0]

    # Files -------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            np.savez_compressed(
                out,
                rows=self.rows.astype(np.int32),
                weights=self.weights,
                weight_scales=self.weight_scales,
                bias=self.bias,
                categories=np.array(self.categories),
                meta=np.array(json.dumps({**self.meta, "format": FORMAT, "thresholds": self.thresholds})),
                ex_texts=np.array(self.texts),
                **{f"ex_{k}": v for k, v in self.examples.items()},
                **{
                    f"hidden_{k}": v if v.dtype == np.int8 else v.astype(np.float16)
                    for k, v in (self.layer or {}).items()
                },
            )

    @classmethod
    def load(cls, path: Path) -> Model:
        with np.load(path, allow_pickle=False) as f:
            meta = checked_meta(f, path, "model", FORMAT)
            examples = {k[3:]: f[k] for k in f.files if k.startswith("ex_")}
            layer = {k[7:]: f[k] for k in f.files if k.startswith("hidden_")}
            return cls(
                f["rows"].astype(np.int64),
                f["weights"],
                f["bias"],
                [str(c) for c in f["categories"]],
                meta.pop("thresholds"),
                examples,
                meta,
                layer or None,
                f["weight_scales"],
            )


def checked_meta(archive: Any, path: Path, kind: str, expected: int) -> dict[str, Any]:
    """A model file's `meta`, refused when it is of another format than this code reads."""
    meta = json.loads(str(archive["meta"]))
    if meta.get("format") != expected:
        raise ValueError(f"{path}: {kind} format {meta.get('format')}, expected {expected}")
    return meta


def _level(t: dict[str, float], risky: float, imminent: float, moderate: float) -> str:
    """Only high and imminent: below them the rules' levels stand (the model's moderate is
    too loose to move a chat up the queue on its own)."""
    if risky >= t["high"]:
        return "imminent" if imminent >= t["imminent"] else "high"
    return "none"


_cache: dict[Path, Model] = {}
_cache_lock = threading.Lock()


def cached(path: Path = DEFAULT_PATH) -> Model:
    """One loaded model per file per process (loading takes a fraction of a second)."""
    found = _cache.get(path)  # no lock once loaded: scoring threads only read
    if found is not None:
        return found
    with _cache_lock:
        if path not in _cache:
            _cache[path] = Model.load(path)
        return _cache[path]


def forget() -> None:
    with _cache_lock:
        _cache.clear()


# Training ----------------------------------------------------------------------------------


_softmax, _sigmoid = hidden.softmax, hidden.sigmoid


@dataclass
class _Matrix:
    """Rows of unit vectors in CSR form over compact columns (only the n-grams kept)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    row_of: np.ndarray
    columns: int
    scales: np.ndarray  # each row's value, which all its entries share (0 for a row without any)


def _matrix(texts: Sequence[str], min_df: int, vocabulary: np.ndarray | None = None) -> tuple[_Matrix, np.ndarray]:
    hashed = [features.hashed(t) for t in texts]
    if vocabulary is None:
        ids, counts = np.unique(np.concatenate(hashed), return_counts=True)
        vocabulary = ids[counts >= min_df]
    indptr, indices, scales = [0], [], []
    for ids in hashed:
        at = np.minimum(np.searchsorted(vocabulary, ids), len(vocabulary) - 1)
        known = at[vocabulary[at] == ids]
        indices.append(known)
        scales.append(1.0 / np.sqrt(max(len(ids), 1)) if len(known) else 0.0)
        indptr.append(indptr[-1] + len(known))
    indptr_a = np.array(indptr, dtype=np.int64)
    row_of = np.repeat(np.arange(len(texts)), np.diff(indptr_a))
    scale = np.array(scales)
    return _Matrix(indptr_a, np.concatenate(indices), scale[row_of], row_of, len(vocabulary), scale), vocabulary


def _fit(x: _Matrix, targets: np.ndarray, imminent: np.ndarray, classes: int, s: Settings) -> tuple[np.ndarray, ...]:
    n, k = len(targets), classes + 1
    w = np.zeros((x.columns, k))
    b = np.zeros(k)
    onehot = np.eye(classes)[targets]
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    for step in range(1, s.epochs + 1):
        z = (
            np.stack([np.bincount(x.row_of, weights=x.data * w[x.indices, j], minlength=n) for j in range(k)], axis=1)
            + b
        )
        g = np.empty_like(z)
        g[:, :classes] = _softmax(z[:, :classes]) - onehot
        g[:, classes] = _sigmoid(z[:, classes]) - imminent
        g /= n
        grad_w = np.stack(
            [np.bincount(x.indices, weights=x.data * g[x.row_of, j], minlength=x.columns) for j in range(k)], axis=1
        )
        grad_w += s.l2 * w
        grad_b = g.sum(axis=0)
        for p, grad, m, v in ((w, grad_w, m_w, v_w), (b, grad_b, m_b, v_b)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            p -= s.learning_rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w, b


def _fit_examples(
    examples: Sequence[Example], s: Settings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray] | None, _Matrix]:
    x, vocabulary = _matrix([e.text for e in examples], s.min_df)
    targets = np.array([CATEGORIES.index(e.category) for e in examples])
    imminent = np.array([e.label == "imminent" for e in examples], dtype=float)
    if not s.hidden_units:
        w, b = _fit(x, targets, imminent, len(CATEGORIES), s)
        return vocabulary, w[None], b[None], None, x
    columns = [x.indices[a:z] for a, z in zip(x.indptr, x.indptr[1:], strict=False)]
    rows = hidden.Rows(columns, x.scales, x.columns)
    fitted = [
        hidden.fit(
            rows, targets, imminent, len(CATEGORIES), s.hidden_units, s.epochs, s.learning_rate, s.dropout, seed=seed
        )
        for seed in range(max(s.members, 1))
    ]
    layer = {k: np.stack([f[2][k] for f in fitted]) for k in fitted[0][2]}
    return vocabulary, np.stack([f[0] for f in fitted]), np.stack([f[1] for f in fitted]), layer, x


# "overrule": below this P(risky) the model overrules the rules' `high` (never `imminent`), to
# `moderate`; 0 never overrules (files trained before it, and a corpus too small to choose one).
DEFAULT_THRESHOLDS = {"high": 0.5, "imminent": 0.5, "overrule": 0.0}
OVERRULE_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05)


def train(
    examples: Sequence[Example], settings: Settings | None = None, thresholds: dict[str, float] | None = None
) -> Model:
    settings = settings or Settings()
    vocabulary, w, b, layer, x = _fit_examples(examples, settings)
    # The training lines by column (which lines have each n-gram), as the nearest-example
    # search reads them: built here, not in each process (sorting millions of entries there
    # took over 100 MB for a moment).
    order = np.argsort(x.indices, kind="stable")
    neighbours = {
        "column_starts": np.searchsorted(x.indices[order], np.arange(x.columns + 1)).astype(np.int32),
        "column_rows": x.row_of[order].astype(np.int32),
        "row_scale": x.scales.astype(np.float32),
        "texts": np.array([e.text for e in examples]),
        "categories": np.array([e.category for e in examples]),
    }
    meta = {"examples": len(examples), "settings": settings.__dict__, "rules": rules.fingerprint()}
    return Model(vocabulary, w, b, CATEGORIES, thresholds or dict(DEFAULT_THRESHOLDS), neighbours, meta, layer)


def cross_validate(examples: Sequence[Example], folds: int = 5, settings: Settings | None = None) -> list[Prediction]:
    """Out-of-fold predictions for every example (stratified by category, fixed seed)."""
    rng = np.random.default_rng(20)
    fold_of = np.zeros(len(examples), dtype=int)
    for category in CATEGORIES:
        members = [i for i, e in enumerate(examples) if e.category == category]
        rng.shuffle(members)
        for j, i in enumerate(members):
            fold_of[i] = j % folds
    out: list[Prediction | None] = [None] * len(examples)
    for fold in range(folds):
        train_part = [e for i, e in enumerate(examples) if fold_of[i] != fold]
        model = train(train_part, settings)
        for i, e in enumerate(examples):
            if fold_of[i] == fold:
                out[i] = model.predict(e.text)
    return [p for p in out if p is not None]


def choose_thresholds(
    examples: Sequence[Example],
    predictions: Sequence[Prediction],
    floor: Sequence[bool],
    max_negatives_held: float | None = None,
    min_recall: float | None = None,
) -> dict[str, float]:
    """A P(risky) threshold, counting what the rules hold anyway (`floor`): with `min_recall`,
    the highest whose recall of high and imminent lines stays at least that; otherwise the
    lowest whose held share of hard negatives (category neg_*) stays within
    `max_negatives_held`. And an imminent threshold of the best F1 among risky lines."""
    negatives = np.array([e.category.startswith("neg_") for e in examples])
    risky = np.array([p.risky for p in predictions])
    held_by_rules = np.array(floor, dtype=bool)
    if min_recall is not None:
        high = highest_threshold(risky, held_by_rules, np.array([e.risky for e in examples]), min_recall)
    else:
        high = lowest_threshold(
            risky, held_by_rules, negatives, 0.15 if max_negatives_held is None else max_negatives_held
        )
    risky_rows = [i for i, e in enumerate(examples) if e.risky]
    best_f1, imminent = -1.0, 0.5
    for t in np.arange(0.1, 0.91, 0.05):
        tp = sum(predictions[i].imminent >= t and examples[i].label == "imminent" for i in risky_rows)
        fp = sum(predictions[i].imminent >= t and examples[i].label != "imminent" for i in risky_rows)
        fn = sum(predictions[i].imminent < t and examples[i].label == "imminent" for i in risky_rows)
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        if f1 > best_f1:
            best_f1, imminent = f1, float(t)
    return {"high": round(high, 2), "imminent": round(imminent, 2)}


def overrule_threshold(risky: np.ndarray, rule_levels: Sequence[str], positives: np.ndarray, most: float) -> float:
    """The highest of OVERRULE_STEPS below which the model's P(risky) may overrule the rules'
    `high`: the risky lines so overruled are at most `most` of the risky lines the rules hold at
    `high` (0.0, never, when even the first step overrules more). On cross-validation the model
    read the rules' harmless matches ("i'd rather jump off a cliff than do karaoke", "4 years
    clean now" after a relapse) that low far more often than their risky ones (docs/escalation.md)."""
    ruled = np.array([level == "high" for level in rule_levels]) & positives
    chosen = 0.0
    for step in OVERRULE_STEPS:
        if (ruled & (risky < step)).sum() > most * ruled.sum():
            break
        chosen = step
    return chosen


def rules_floor(rule_levels: Sequence[str], risky: np.ndarray, overrule: float) -> np.ndarray:
    """Which lines the rules hold at high or imminent once the model may overrule their `high`."""
    levels = np.array(rule_levels)
    return (levels == "imminent") | ((levels == "high") & (risky >= overrule))


def highest_threshold(risky: np.ndarray, floor: np.ndarray, positives: np.ndarray, min_recall: float) -> float:
    """The highest P(risky) threshold, down from 0.99 in steps of 0.01, at which the share of
    risky lines (`positives`) held, by it or by the rules (`floor`), is at least `min_recall`."""
    for t in np.arange(0.99, 0.04, -0.01):
        if not positives.any() or (floor | (risky >= t))[positives].mean() >= min_recall:
            return float(t)
    return 0.05


def lowest_threshold(risky: np.ndarray, floor: np.ndarray, negatives: np.ndarray, cap: float) -> float:
    """The lowest P(risky) threshold, down from 0.99 in steps of 0.01, whose share of hard
    negatives (`negatives`) held, by it or by the rules (`floor`), stays within `cap` (from
    0.99: a confident model's scores crowd above 0.95)."""
    high = 0.99
    for t in np.arange(0.99, 0.04, -0.01):
        if negatives.any() and (floor | (risky >= t))[negatives].mean() > cap:
            break
        high = float(t)
    return high


def load_corpus(path: Path = corpus.TRAIN) -> list[Example]:
    return corpus.load(path)

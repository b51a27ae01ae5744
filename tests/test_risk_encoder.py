"""The fine-tuned encoder that can be blended with the n-gram model (warmline/risk/encoder.py):
its tokenizer, its windows over long posts, its file, and the blend. No encoder file ships
(docs/escalation.md says why and how to train one with PyTorch), so these run on a tiny
encoder with random weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from warmline.risk import corpus, encoder, int8, model
from warmline.risk.corpus import CATEGORIES
from warmline.risk.wordpiece import WordPiece, words
from warmline.services import risk


def test_basic_splitting_folds_case_and_accents_and_splits_punctuation():
    assert words("¿Qué PASÓ?  ya\tno\u00a0más!!") == ["¿", "que", "paso", "?", "ya", "no", "mas", "!", "!"]
    assert words("a\x00b\u200b") == ["ab"]  # control and format characters dropped


def test_a_word_the_vocabulary_cannot_spell_is_unknown():
    tokenizer = WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "ab", "##c"])
    assert tokenizer.encode("abc abd " + "a" * 101) == [4, 5, 1, 1]


def _tiny(tmp_path: Path, weight: float = 0.5, high: float = 0.5) -> encoder.Encoder:
    """An encoder with random weights and a 6-token vocabulary: hidden 8, 2 heads."""
    rng = np.random.default_rng(3)
    hidden, vocab = 8, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "zorb", "quux"]
    arrays: dict[str, np.ndarray] = {"vocab": np.array(vocab)}
    arrays["token_q"], arrays["token_scale"] = int8.quantise_rows(rng.normal(size=(len(vocab), hidden)))
    arrays.update(
        position=rng.normal(size=(8, hidden)),
        token_type=rng.normal(size=hidden),
        embed_gain=np.ones(hidden),
        embed_bias=np.zeros(hidden),
        head_w=rng.normal(size=(hidden, len(CATEGORIES))),
        head_b=np.zeros(len(CATEGORIES)),
    )
    shapes = {
        "qkv_w": (hidden, 3 * hidden),
        "qkv_b": (3 * hidden,),
        "o_w": (hidden, hidden),
        "i_w": (hidden, 16),
        "i_b": (16,),
        "o2_w": (16, hidden),
    }
    for key in encoder.LAYER_KEYS:
        arrays[f"l0_{key}"] = rng.normal(size=shapes.get(key, (hidden,))) * 0.3
    meta = {
        "format": encoder.FORMAT,
        "categories": list(CATEGORIES),
        "window": 8,
        "heads": 2,
        "layers": 1,
        "weight": weight,
        "high": high,
    }
    path = tmp_path / encoder.FILE_NAME
    with path.open("wb") as out:
        np.savez_compressed(out, meta=np.array(json.dumps(meta)), **{k: np.asarray(v) for k, v in arrays.items()})
    return encoder.Encoder.load(path)


def test_a_long_text_is_read_in_overlapping_windows_to_its_end(tmp_path):
    tiny = _tiny(tmp_path)
    assert tiny.windows("zorb quux") == [[2, 4, 5, 3]]
    windows = tiny.windows(" ".join(["quux"] * 13 + ["zorb"]))  # 14 tokens, 6 per window
    assert all(len(w) <= 8 and w[0] == 2 and w[-1] == 3 for w in windows)
    assert windows[-1][-2] == 4  # the last word is read
    assert len(windows) == 3  # steps of 4: starts at 0, 4, 8


def test_probabilities_are_those_of_the_most_risky_window(tmp_path):
    tiny = _tiny(tmp_path)
    p = tiny.probabilities(" ".join(["quux"] * 13 + ["zorb"]))
    assert p.shape == (len(CATEGORIES),) and abs(p.sum() - 1) < 1e-5
    risky = np.array([c in corpus.RISKY_CATEGORIES for c in CATEGORIES])
    ids = tiny.windows(" ".join(["quux"] * 13 + ["zorb"]))
    per_window = []
    for w in ids:
        x = tiny._embed(w)  # noqa: SLF001
        for layer in tiny.layers:
            x = layer(x, tiny.heads)
        z = x.mean(0) @ tiny.head_w + tiny.head_b
        per_window.append(float((np.exp(z - z.max()) / np.exp(z - z.max()).sum())[risky].sum()))
    assert float(p[risky].sum()) == pytest.approx(max(per_window), abs=1e-6)


def test_quantised_rows_are_within_half_a_step():
    matrix = np.random.default_rng(1).normal(size=(50, 16)).astype(np.float32)
    q, scale = int8.quantise_rows(matrix)
    assert q.dtype == np.int8
    assert np.all(np.abs(q * scale[:, None] - matrix) <= scale[:, None] / 2 + 1e-6)


def test_the_blend_weights_both_models_and_uses_its_own_thresholds(tmp_path):
    learned = model.cached()
    text = "zorb quux"
    theirs, imminent = learned.scores(text)
    for weight in (0.0, 1.0):
        tiny = _tiny(tmp_path, weight=weight, high=0.3)
        mine = tiny.probabilities(text)
        expected = (weight * mine + (1 - weight) * theirs)[[c in corpus.RISKY_CATEGORIES for c in CATEGORIES]].sum()
        blended = tiny.blend(text, learned)
        assert blended.risky == pytest.approx(float(expected), abs=1e-5)
        assert blended.imminent == imminent
        imminent_at = learned.thresholds["imminent"]
        assert blended.level == ("none" if blended.risky < 0.3 else "imminent" if imminent >= imminent_at else "high")


def test_a_file_of_another_format_is_refused(tmp_path):
    _tiny(tmp_path)
    path = tmp_path / encoder.FILE_NAME
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays.pop("meta")))
    meta["format"] = 99
    with path.open("wb") as out:
        np.savez(out, meta=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ValueError, match="encoder format 99"):
        encoder.Encoder.load(path)


def test_no_encoder_beside_a_model_file_means_the_n_gram_model_alone(tmp_path):
    learned = model.cached()
    copy = tmp_path / "model.npz"
    copy.write_bytes(model.DEFAULT_PATH.read_bytes())
    assert encoder.beside(copy) is None
    text = "i want to go to sleep and never wake up"
    assessed = risk.assess(text, None, str(copy))
    if assessed.source == "model":
        assert assessed.score == round(learned.predict(text).risky, 3)
    model.forget()


def test_an_encoder_beside_a_model_file_is_blended_by_assess(tmp_path):
    copy = tmp_path / "model.npz"
    copy.write_bytes(model.DEFAULT_PATH.read_bytes())
    tiny = _tiny(tmp_path, weight=0.5, high=0.0)  # high 0: every text is held by the blend
    encoder.forget()
    try:
        assessed = risk.assess("zorb quux", None, str(copy))
        assert assessed.source == "model"
        assert assessed.score == round(tiny.blend("zorb quux", model.cached(copy)).risky, 3)
        assert encoder.beside(copy) is not None
    finally:
        encoder.forget()
        model.forget()


def test_the_encoder_is_read_only_where_it_could_change_the_level(tmp_path, monkeypatch):
    learned = model.cached()
    risky = [c in corpus.RISKY_CATEGORIES for c in CATEGORIES]
    alone = {t: float(learned.scores(t)[0][risky].sum()) for t in ("i want to die", "hello there", "zorb quux")}
    # A threshold halfway across the band of "i want to die": the encoder decides it, not "hello there".
    high = 0.7 * alone["i want to die"] + 0.15
    tiny = _tiny(tmp_path, weight=0.3, high=high)
    reads: list[str] = []
    full = tiny.probabilities
    monkeypatch.setattr(tiny, "probabilities", lambda text: reads.append(text) or full(text))
    for text, score in alone.items():
        blended = float((0.3 * full(text) + 0.7 * learned.scores(text)[0])[risky].sum())  # unpatched: no read
        reads.clear()
        assert (tiny.blend(text, learned).level != "none") == (blended >= high)
        assert bool(reads) == encoder.could_change(score, 0.3, high)
    assert encoder.could_change(alone["i want to die"], 0.3, high)
    assert not encoder.could_change(alone["hello there"], 0.3, high)


def test_could_change_is_the_band_the_weight_can_cross():
    assert encoder.could_change(0.6, 0.3, 0.5)  # 0.42 .. 0.72
    assert not encoder.could_change(0.8, 0.3, 0.5)  # 0.56 .. 0.86: held either way
    assert not encoder.could_change(0.2, 0.3, 0.5)  # 0.14 .. 0.44: never held


def _one_hot(categories: list[str]) -> np.ndarray:
    out = np.zeros((len(categories), len(CATEGORIES)), dtype=np.float32)
    for row, category in enumerate(categories):
        out[row, CATEGORIES.index(category)] = 1.0
    return out


def test_the_blend_keeps_the_recall_asked_for_and_holds_the_fewest_harmless_lines():
    from warmline.risk import blending

    examples = [corpus.Example("high", "intent", "en", f"r{i}") for i in range(4)]
    examples += [corpus.Example("none", "neg_figurative", "en", f"n{i}") for i in range(4)]
    # The n-gram model finds every risky line but also holds two hard negatives; the encoder
    # tells them apart. Any weight that lets the encoder decide keeps recall and holds none.
    theirs = _one_hot(["intent"] * 4 + ["intent", "intent", "neg_figurative", "neg_figurative"])
    mine = _one_hot(["intent"] * 4 + ["neg_figurative"] * 4)
    weight, threshold, found = blending.choose_blend(examples, mine, theirs, [False] * 8, min_recall=1.0)
    assert found == {"recall": 1.0, "negatives_held": 0.0, "spanish_recall": 0.0}
    assert weight == blending.WEIGHTS[0] and threshold == 0.99
    alone = blending.figures(examples, theirs, [False] * 8, 0.5)
    assert alone["recall"] == 1.0 and alone["negatives_held"] == 0.5
    # The rules' floor counts as held whatever the models say.
    assert blending.figures(examples, mine, [False] * 4 + [True] + [False] * 3, 0.5)["negatives_held"] == 0.25

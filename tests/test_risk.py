"""The risk detector: rules on small cases, and precision/recall on the labelled set."""

from __future__ import annotations

from pathlib import Path

import pytest

from warmline.services import risk

EVAL_SET = Path(__file__).parent / "data" / "risk_eval.tsv"
RISKY = {"high", "imminent"}


def load_eval() -> list[tuple[str, str]]:
    rows = []
    for line in EVAL_SET.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t", 1)
            rows.append((label, text))
    return rows


def test_evaluation_set_is_large_and_mixed():
    rows = load_eval()
    assert len(rows) >= 200
    assert sum(label in RISKY for label, _ in rows) >= 80
    assert sum(label not in RISKY for label, _ in rows) >= 80


def test_precision_and_recall_on_the_evaluation_set(capsys):
    rows = load_eval()
    tp = fp = fn = 0
    misses, false_alarms = [], []
    for label, text in rows:
        predicted = risk.assess(text).level in RISKY
        actual = label in RISKY
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
        if actual and not predicted:
            misses.append(text)
        if predicted and not actual:
            false_alarms.append(text)
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    with capsys.disabled():
        print(
            f"\nrisk detector, high+imminent on {len(rows)} lines: precision {precision:.3f}, recall {recall:.3f}"
            f" (tp {tp}, fp {fp}, fn {fn})"
        )
        for text in misses:
            print(f"  missed: {text}")
        for text in false_alarms:
            print(f"  false alarm: {text}")
    assert recall >= 0.95
    assert precision >= 0.85


@pytest.mark.parametrize(
    "text, level",
    [
        ("I want to kill myself", "high"),
        ("I'm going to kill myself tonight", "imminent"),
        ("I'm not suicidal", "none"),
        ("I don't want to live anymore", "high"),
        ("this homework is killing me", "none"),
        ('the song goes "I want to die"', "none"),
        ("I used to be suicidal", "moderate"),
        ("my friend is suicidal", "moderate"),
        ("I feel hopeless", "moderate"),
        ("I'm anxious", "low"),
        ("hello", "none"),
        ("I WANT TO DIE", "high"),
        ("I want to die\u200b", "high"),
        ("i want to kill\nmyself", "high"),
        # Ambiguous slang and set phrases are a floor of moderate; the model decides above it.
        ("kms this wifi is so slow", "moderate"),
        ("tonight's the night, the finale airs at 9", "moderate"),
        ("i overdosed on coffee before the exam", "none"),
        ("i overdosed on my pills", "imminent"),
        ("gonna end it with him tonight, the relationship i mean", "none"),
        ("i'm going to end it tonight", "imminent"),
        ("i'd rather die than wear matching outfits", "none"),
        ("my pills are ready for pickup", "none"),
        ("no thoughts of ending it, just homesick", "none"),
        ("no suicidal thoughts here, just burnout", "none"),
        ("no i want to die", "high"),
        ("i have zero plans to hurt myself", "none"),
        ("six months since i last hurt myself, longest streak", "moderate"),
        ("back in 2015 i was suicidal, now i have grandkids", "moderate"),
        ("my brother said he's going to end it when his case is over", "moderate"),
        ("my friend keeps saying kms and it doesn't sound like a joke", "moderate"),
        ("how do i ask my son if he's suicidal", "moderate"),
        # Reported speech with the writer's own risk after it stays high.
        ("my mom said i'm a burden and i want to kill myself", "high"),
    ],
)
def test_rules(text, level):
    assert risk.rules(text).level == level


def test_extra_phrases_extend_the_lists():
    assert risk.rules("thinking about the long sleep").level == "none"
    assert risk.rules("thinking about the long sleep", {"high": [r"the long sleep"]}).level == "high"

"""The risk detector (rules floor + model) on the frozen test split, tests/data/risk_test.tsv:
written independently of the rules and the training lines, frozen before any tuning, and
never tuned on. Prints the figures; asserts the targets of issue 20.

Its misses are printed only with RISK_EVAL_SHOW_MISSES=1: whoever tunes the detector must
not read them (that would make the split a second training set)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from warmline.risk import corpus, evaluate
from warmline.services import risk

TEST_SPLIT = Path(__file__).parent / "data" / "risk_test.tsv"
TARGETS = {"recall": 0.97, "negatives_held": 0.03, "spanish_recall": 0.9}


@pytest.fixture(scope="module")
def figures(request):
    examples = corpus.load(TEST_SPLIT, strict=False)
    found = evaluate.figures(examples, lambda text: risk.assess(text).rank >= risk.LEVELS.index("high"))
    floor = evaluate.figures(examples, lambda text: risk.rules(text).rank >= risk.LEVELS.index("high"))
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nrisk detector on the frozen test split: {found.summary()}")
        print(f"  (the rules alone: {floor.summary()})")
        if os.environ.get("RISK_EVAL_SHOW_MISSES") == "1":
            for e in found.missed:
                print(f"  missed [{e.category}/{e.lang}]: {e.text}")
            for e in found.false_held:
                print(f"  held [{e.category}/{e.lang}]: {e.text}")
    return found


def test_the_test_split_is_large_and_mixed(figures):
    assert figures.lines >= 400 and figures.risky >= 150 and figures.negatives >= 100
    assert figures.spanish_risky >= 30


# Not met yet (see docs/escalation.md for the figures and what is missed): strict, so the
# day a change meets a target this fails and the marker must come off.
NOT_MET = pytest.mark.xfail(strict=True, reason="target of issue 20 not met yet; see docs/escalation.md")


def test_recall_of_high_and_imminent(figures):
    assert figures.recall >= TARGETS["recall"]


@NOT_MET
def test_hard_negatives_held(figures):
    assert figures.negatives_held <= TARGETS["negatives_held"]


def test_spanish_recall(figures):
    assert figures.spanish_recall >= TARGETS["spanish_recall"]


# The validation split (warmline/risk/data/validation.tsv): lines written, like the test split,
# by writers who saw neither the rules nor the training lines, kept out of training so the next
# choices (rules, features, settings, a threshold) can be compared on independent text without
# reading the test split. Compare its aggregates; once its lines are read to write rules or
# training lines, merge it into training and write a new one.
VALIDATION = corpus.TRAIN.with_name("validation.tsv")
# The shipped detector reads recall 0.994 (English 0.997, Spanish 0.984) and hard negatives
# held 0.016 there (10 of 629; the model before it, 0.988 and 0.024, 15 of 629).
VALIDATION_FLOORS = {"recall": 0.975, "negatives_held": 0.026, "spanish_recall": 0.95}


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@pytest.fixture(scope="module")
def validation(request):
    examples = corpus.load(VALIDATION)
    found = evaluate.figures(examples, lambda text: risk.assess(text).rank >= risk.LEVELS.index("high"))
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nrisk detector on the validation split: {found.summary()}")
    return examples, found


def test_the_validation_split_is_apart_from_training_and_test(validation):
    examples, found = validation
    assert found.lines >= 1200 and found.risky >= 450 and found.negatives >= 600 and found.spanish_risky >= 100
    training = {_key(e.text) for e in corpus.load()}
    test = {_key(e.text) for e in corpus.load(TEST_SPLIT, strict=False)}
    assert not {_key(e.text) for e in examples} & (training | test)


def test_the_detector_holds_its_figures_on_the_validation_split(validation):
    # Floors a little under the shipped model's figures (docs/escalation.md): a regression in
    # the rules, the features or the training shows here before anyone reads the test split.
    _, found = validation
    assert found.recall >= VALIDATION_FLOORS["recall"]
    assert found.negatives_held <= VALIDATION_FLOORS["negatives_held"]
    assert found.spanish_recall >= VALIDATION_FLOORS["spanish_recall"]

"""The learned half of the risk detector: its file, its training command, how its score
reaches a chat after the commit, and the explanations a peer and a moderator see."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.support import scoring_threads
from tests.test_escalations import scene  # noqa: F401  (the member-and-peer fixture)
from tests.test_forum import new_thread, trusted_member
from warmline.extensions import db
from warmline.models import Conversation
from warmline.risk import corpus, model, rules, worker
from warmline.services import risk

# A corpus about nothing real: "zorblax" lines are risky, "quux" lines are not, so what the
# tests see comes from training, not from the phrase rules.
TINY = """# label\tcategory\tlang\ttext
high\twish_dead\ten\tzorblax zorblax all day
high\twish_dead\ten\tthe zorblax feeling again
high\twish_dead\ten\ti keep having zorblax thoughts
high\twish_dead\ten\tzorblax is all i think about
imminent\tattempt\ten\tzorblaxed just now
imminent\tattempt\ten\ti zorblaxed a minute ago
none\tordinary\ten\tquux and a nice walk
none\tordinary\ten\tquux with friends today
none\tordinary\ten\ta quux kind of day
none\tneg_everyday\ten\tthe quux bridge at sunset
none\tneg_everyday\ten\tquux quux bridge photos
none\tneg_everyday\ten\tbought quux rope for the tent
"""


@pytest.fixture
def tiny_model(tmp_path: Path) -> Path:
    source = tmp_path / "tiny.tsv"
    source.write_text(TINY, encoding="utf-8")
    out = tmp_path / "tiny.npz"
    model.train(corpus.load(source), model.Settings(min_df=1, epochs=60)).save(out)
    yield out
    model.forget()


@pytest.fixture
def with_tiny_model(app, tiny_model):
    app.config["RISK_MODEL_PATH"] = str(tiny_model)
    return tiny_model


def test_the_packaged_model_loads_and_scores_in_one_process():
    learned = model.cached()
    assert learned is model.cached()  # loaded once
    assert learned.meta["examples"] >= 1100
    assert set(learned.thresholds) == {"high", "imminent", "overrule"}
    prediction = learned.predict("i want to go to sleep and never wake up")
    assert 0.0 <= prediction.risky <= 1.0 and prediction.category in corpus.CATEGORIES
    assert learned.predict("").level == "none" or learned.predict("").risky < 1.0


def test_the_packaged_model_was_trained_with_these_rules():
    # Its features include the rules' context cues: after a change to the rules, retrain
    # (`flask --app wsgi risk train`), or the cues no longer mean what they meant in training.
    assert model.cached().meta["rules"] == rules.fingerprint()


def test_a_saved_model_scores_as_it_did_before_saving(tmp_path):
    trained = model.train(corpus.parse(TINY.splitlines()), model.Settings(min_df=1, epochs=60))
    trained.save(tmp_path / "m.npz")
    loaded = model.Model.load(tmp_path / "m.npz")
    for text in ("zorblax again", "quux at the bridge", "hello"):
        assert loaded.predict(text).risky == pytest.approx(trained.predict(text).risky, abs=0.02)
    assert loaded.predict("zorblax zorblax").risky > 0.5 > loaded.predict("quux bridge").risky


def test_the_hidden_layer_learns_and_survives_saving(tmp_path):
    settings = model.Settings(min_df=1, epochs=40, learning_rate=0.01, hidden_units=8)
    trained = model.train(corpus.parse(TINY.splitlines()), settings)
    assert trained.layer is not None and trained.layer["embed"].shape[-1] == 8
    trained.save(tmp_path / "m.npz")
    loaded = model.Model.load(tmp_path / "m.npz")
    assert loaded.layer is not None
    for text in ("zorblax again", "quux at the bridge", "hello"):
        assert loaded.predict(text).risky == pytest.approx(trained.predict(text).risky, abs=0.02)
    assert loaded.predict("zorblax zorblax").risky > 0.5 > loaded.predict("quux bridge").risky
    # Seeded: the same corpus trains the same weights.
    again = model.train(corpus.parse(TINY.splitlines()), settings)
    assert again.predict("zorblax again").risky == pytest.approx(trained.predict("zorblax again").risky)


def test_a_file_of_another_format_is_refused(tmp_path, tiny_model):
    import json

    import numpy as np

    with np.load(tiny_model) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["meta"] = np.array(json.dumps({**json.loads(str(arrays["meta"])), "format": 0}))
    np.savez(tmp_path / "old.npz", **arrays)
    with pytest.raises(ValueError, match="format"):
        model.Model.load(tmp_path / "old.npz")


def test_the_train_command_writes_a_model_from_a_corpus(runner, tmp_path):
    source = tmp_path / "tiny.tsv"
    source.write_text(TINY, encoding="utf-8")
    out = tmp_path / "out" / "model.npz"
    result = runner.invoke(args=["risk", "train", "--corpus", str(source), "--out", str(out), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "cross-validated (2 folds)" in result.output and "thresholds" in result.output
    loaded = model.Model.load(out)
    assert loaded.meta["examples"] == 12 and "recall" in loaded.meta["cross_validated"]
    assert loaded.layer["embed"].shape[-1] == 64  # the shipped kind: hidden units by default
    assert loaded.layer["embed"].shape[0] == loaded.meta["settings"]["members"] == model.MEMBERS
    assert loaded.meta["settings"]["dropout"] == model.DROPOUT and loaded.meta["settings"]["epochs"] == model.EPOCHS
    assert loaded.meta["rules"] == rules.fingerprint()
    assert loaded.thresholds["overrule"] in (0.0, *model.OVERRULE_STEPS)
    capped = tmp_path / "capped.npz"
    result = runner.invoke(
        args=[
            "risk",
            "train",
            "--corpus",
            str(source),
            "--out",
            str(capped),
            "--folds",
            "2",
            "--max-negatives-held",
            "0.5",
        ]
    )
    assert result.exit_code == 0, result.output
    linear = tmp_path / "linear.npz"
    result = runner.invoke(args=["risk", "train", "--corpus", str(source), "--out", str(linear), "--hidden-units", "0"])
    assert result.exit_code == 0, result.output
    assert model.Model.load(linear).layer is None
    assert model.Model.load(linear).meta["settings"]["hidden_units"] == 0


def test_the_train_command_refuses_a_bad_corpus(runner, tmp_path):
    source = tmp_path / "bad.tsv"
    source.write_text("high\tordinary\ten\tthis label does not fit its category\n", encoding="utf-8")
    result = runner.invoke(args=["risk", "train", "--corpus", str(source), "--out", str(tmp_path / "m.npz")])
    assert result.exit_code != 0 and "does not fit" in str(result.exception)


def test_the_threshold_keeps_recall_or_caps_what_is_held():
    examples = [corpus.Example("high", "wish_dead", "en", f"r{i}") for i in range(4)] + [
        corpus.Example("none", "neg_everyday", "en", f"n{i}") for i in range(4)
    ]
    scores = [0.9, 0.8, 0.6, 0.3, 0.7, 0.4, 0.2, 0.1]
    predictions = [model.Prediction(p, 0.0, 0.0, "wish_dead", "none") for p in scores]
    floor = [False] * 3 + [True] + [False] * 4  # the rules hold the fourth risky line anyway
    # Three of four risky lines by the model, the fourth by the rules: 0.6 is the highest that keeps all.
    assert model.choose_thresholds(examples, predictions, floor, min_recall=1.0)["high"] == 0.6
    assert model.choose_thresholds(examples, predictions, floor, min_recall=0.75)["high"] == 0.8
    # Without a recall to keep, the lowest threshold that holds at most a quarter of the negatives.
    assert model.choose_thresholds(examples, predictions, floor, max_negatives_held=0.25)["high"] == 0.41


def test_corpus_lines_are_checked():
    with pytest.raises(corpus.CorpusError, match="duplicate"):
        corpus.parse(["none\tordinary\ten\thello", "none\tordinary\ten\tHello"])
    with pytest.raises(corpus.CorpusError, match="4 tab-separated"):
        corpus.parse(["none\tordinary\thello"])
    with pytest.raises(corpus.CorpusError, match="unknown category"):
        corpus.parse(["none\tsomething\ten\thello"])


def test_the_training_split_is_large_varied_and_valid():
    examples = corpus.load()  # raises on a malformed line or a duplicate
    assert len(examples) >= 1100
    assert sum(e.lang == "es" for e in examples) >= 110
    assert {e.category for e in examples} == set(corpus.CATEGORIES)
    assert sum(e.category.startswith("neg_") for e in examples) >= 300


def test_the_nearest_examples_leave_out_ngrams_common_to_many_lines(tiny_model, monkeypatch):
    # A small corpus keeps every n-gram (COMMON_FLOOR); in a large one, n-grams in more than
    # COMMON_SHARE of the lines say little of which lines are alike and are left out.
    assert model.Model.load(tiny_model).nearest("zorblax", "wish_dead")
    monkeypatch.setattr(model, "COMMON_FLOOR", 0)
    monkeypatch.setattr(model, "COMMON_SHARE", 0.2)  # "zorblax" is in 4 to 6 of the 12 lines
    learned = model.Model.load(tiny_model)
    assert learned.nearest("zorblax", "wish_dead") == []
    found = learned.nearest("zorblax feeling", "wish_dead")
    assert found[0] == "the zorblax feeling again" and "zorblax zorblax all day" not in found


def test_the_higher_half_sets_the_level_and_says_why(tiny_model):
    path = str(tiny_model)
    by_model = risk.assess("so much zorblax today", model_path=path)
    assert by_model.level in ("high", "imminent") and by_model.source == "model"
    assert by_model.category == "wish_dead"
    assert 2 <= len(by_model.examples) <= 3 and all("zorblax" in e for e in by_model.examples)
    why = by_model.why()
    assert why["source"] == "model" and why["category"] == "wish_dead" and why["examples"] == list(by_model.examples)
    assert why["reads_as"] == "wish dead" and rules.category_words("neg_figurative") == "a figure of speech"
    assert by_model.reason().startswith("why: the model reads it as wish dead")
    by_rule = risk.assess("I want to kill myself", model_path=path)
    assert (by_rule.level, by_rule.source) == ("high", "rules")
    assert by_rule.why() == {"source": "rules", "rule": "kill myself"}
    assert by_rule.reason() == "why: the rule matched \u201ckill myself\u201d"
    assert risk.assess("quux and a walk", model_path=path).level == "none"


def test_without_a_model_file_the_rules_still_run(tmp_path):
    assert risk.assess("I want to kill myself", model_path=str(tmp_path / "missing.npz")).level == "high"
    assert risk.assess("so much zorblax today", model_path="").level == "none"


def test_a_forum_post_only_the_model_catches_is_held_with_why(app, new_api, board, with_tiny_model):
    member = trusted_member(new_api, board)
    answer = new_thread(member, "today", "so much zorblax today").get_json()
    assert answer["post"]["status"] == "pending" and answer["outreach"]
    item = board.get("/api/v1/moderation/queue").get_json()["items"][0]
    assert item["urgent"] is True and item["risk"] in ("high", "imminent")
    [why] = [r for r in item["reasons"] if r.startswith("why:")]
    assert "model reads it as wish dead" in why and "zorblax" in why


def test_a_chat_message_is_answered_before_it_is_scored(app, scene, with_tiny_model, monkeypatch):  # noqa: F811
    """Scoring happens after the commit, off the request: the sender's ack and the peer's
    delivery do not wait for it; when it lands the conversation's risk rises and the peer's
    banner says why."""
    release = threading.Event()
    real = risk.assess

    def slow_assess(*args, **kwargs):
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(risk, "assess", slow_assess)
    cid = scene["conversation_id"]
    answer = scene["member"].call("message:send", {"conversation_id": cid, "client_id": "z1", "body": "zorblax again"})
    assert answer["ok"]
    assert [m["body"] for m in scene["peer"].events("message:new")] == ["zorblax again"]
    with app.app_context():
        assert db.session.get(Conversation, cid).risk == "none"  # not scored yet
    assert scene["peer"].events("risk:raised") == []
    release.set()
    assert worker.wait_idle()
    [raised] = scene["peer"].events("risk:raised")
    assert raised["conversation_id"] == cid and raised["risk"] in ("high", "imminent")
    assert raised["why"]["source"] == "model" and raised["why"]["category"] == "wish_dead"
    assert all("zorblax" in e for e in raised["why"]["examples"])
    with app.app_context():
        assert db.session.get(Conversation, cid).risk == raised["risk"]
    assert scene["member"].events("risk:raised") == []


def test_a_score_never_lowers_the_risk(app, scene, with_tiny_model):  # noqa: F811
    cid = scene["conversation_id"]
    with app.app_context():
        conversation = db.session.get(Conversation, cid)
        conversation.risk, conversation.risk_rank = "imminent", 4
        db.session.commit()
    answer = scene["member"].call("message:send", {"conversation_id": cid, "client_id": "z2", "body": "zorblax"})
    assert answer["ok"] and worker.wait_idle()
    with app.app_context():
        assert db.session.get(Conversation, cid).risk == "imminent"
    assert scene["peer"].events("risk:raised") == []


def test_peer_messages_are_not_scored(app, scene, with_tiny_model):  # noqa: F811
    cid = scene["conversation_id"]
    answer = scene["peer"].call("message:send", {"conversation_id": cid, "client_id": "p1", "body": "zorblax?"})
    assert answer["ok"] and worker.wait_idle()
    with app.app_context():
        assert db.session.get(Conversation, cid).risk == "none"


def test_under_gevent_the_score_runs_on_the_hubs_threadpool_and_applies_on_the_loop(app):
    import gevent

    app.config["ASYNC_MODE"] = "gevent"
    seen = {}

    def score():
        seen["score_thread"] = threading.get_ident()
        return "high"

    def apply(result):
        seen["applied"] = (result, threading.get_ident())

    worker.submit(app, score, apply)
    gevent.wait(timeout=10)  # runs the hub until the greenlet is done
    assert worker.wait_idle(0)
    assert seen["applied"] == ("high", threading.get_ident())  # back on the loop's thread
    assert seen["score_thread"] != threading.get_ident()  # scored off it


def test_under_gevent_a_forum_post_is_scored_off_the_loop(app, monkeypatch):
    import gevent

    threads = scoring_threads(app, monkeypatch)

    def request():  # a request's greenlet, with its own app context as under gunicorn
        with app.app_context():
            return risk.assess_here("I want to kill myself")

    result = gevent.spawn(request).get(timeout=10)
    assert result.level == "high" and threads and threads[0] != threading.get_ident()


def test_a_failing_score_is_logged_and_not_pending(app, caplog):
    def score():
        raise RuntimeError("boom")

    worker.submit(app, score, lambda result: None)
    assert worker.wait_idle()
    assert "risk scoring failed" in caplog.text


def test_members_are_seeded_apart_and_their_probabilities_averaged():
    import numpy as np

    settings = model.Settings(min_df=1, epochs=40, learning_rate=0.01, hidden_units=8, members=2)
    both = model.train(corpus.parse(TINY.splitlines()), settings)
    examples = {**both.examples, "texts": np.array(both.texts)}
    alone = [
        model.Model(
            both.rows,
            both.weights[i : i + 1],
            both.bias[i : i + 1],
            both.categories,
            both.thresholds,
            examples,
            both.meta,
            {k: v[i : i + 1] for k, v in both.layer.items()},
            both.weight_scales[i : i + 1],
        )
        for i in range(2)
    ]
    first, second = (member.scores("quux at the bridge") for member in alone)
    assert not np.allclose(first[0], second[0])
    averaged = both.scores("quux at the bridge")
    assert np.allclose(averaged[0], (first[0] + second[0]) / 2)
    assert averaged[1] == pytest.approx((first[1] + second[1]) / 2)


@pytest.fixture
def overruling_model(tmp_path, tiny_model):
    """The tiny model with an overrule threshold every line is under: what it does with the
    rules' levels shows, whatever it scores."""
    learned = model.Model.load(tiny_model)
    learned.thresholds = {**learned.thresholds, "overrule": 1.0}
    out = tmp_path / "overruling.npz"
    learned.save(out)
    return out


def test_the_model_overrules_only_the_rules_high_to_moderate_and_says_both(overruling_model):
    path = str(overruling_model)
    overruled = risk.assess("I want to kill myself", model_path=path)
    assert (overruled.level, overruled.source, overruled.overruled) == ("moderate", "rules", True)
    why = overruled.why()
    assert why["source"] == "rules" and why["rule"] == "kill myself" and why["overruled"] is True
    assert why["category"] in corpus.CATEGORIES and 0.0 <= why["score"] < 1.0
    assert why["reads_as"] == rules.category_words(why["category"])
    assert overruled.reason().startswith("why: the rule matched \u201ckill myself\u201d, but the model reads it as")
    assert risk.assess("going to kill myself tonight", model_path=path).level == "imminent"  # never overruled
    own = {"high": ["quux"]}  # an organisation's own phrase is never overruled
    assert risk.assess("I want to kill myself, quux", extra=own, model_path=path).level == "high"
    assert risk.rules("I want to kill myself, quux", own).level == "high"


def test_the_overrule_threshold_gives_up_at_most_the_share_allowed():
    import numpy as np

    levels = ["high"] * 6 + ["none", "imminent"]
    positives = np.array([True] * 4 + [False] * 2 + [True, True])
    risky = np.array([0.0015, 0.004, 0.3, 0.9, 0.001, 0.0005, 0.0, 0.0])
    # The rules hold four risky lines at high: none may go, then one in four.
    assert model.overrule_threshold(risky, levels, positives, 0.0) == 0.001
    assert model.overrule_threshold(risky, levels, positives, 0.25) == 0.002
    assert model.overrule_threshold(risky, levels, positives, 0.5) == 0.05
    assert model.overrule_threshold(np.full(8, 0.0), levels, positives, 0.0) == 0.0
    floor = model.rules_floor(levels, risky, 0.002)
    assert floor.tolist() == [False, True, True, True, False, False, False, True]


def test_a_forum_post_the_model_overrules_is_published_and_still_reviewed(app, new_api, board, overruling_model):
    app.config["RISK_MODEL_PATH"] = str(overruling_model)
    member = trusted_member(new_api, board)
    answer = new_thread(member, "ugh", "I want to kill myself").get_json()
    assert answer["post"]["status"] == "published" and not answer.get("outreach")
    [item] = board.get("/api/v1/moderation/queue").get_json()["items"]
    assert item["urgent"] is False and item["risk"] == "moderate"
    overruled = "why: the rule matched \u201ckill myself\u201d, but the model reads"
    assert any(r.startswith(overruled) for r in item["reasons"])


def test_a_chat_message_the_model_overrules_shows_the_peer_both_readings(app, scene, overruling_model):  # noqa: F811
    app.config["RISK_MODEL_PATH"] = str(overruling_model)
    cid = scene["conversation_id"]
    answer = scene["member"].call("message:send", {"conversation_id": cid, "client_id": "o1", "body": "i want to die"})
    assert answer["ok"] and worker.wait_idle()
    [raised] = scene["peer"].events("risk:raised")
    assert raised["risk"] == "moderate" and raised["why"]["overruled"] is True
    assert raised["why"]["rule"] == "want to die" and raised["why"]["reads_as"]
    with app.app_context():
        assert db.session.get(Conversation, cid).risk == "moderate"

"""The risk detector: rules on small cases, and precision/recall on the labelled set."""

from __future__ import annotations

from pathlib import Path

import pytest

from warmline.risk import rules
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
        # A recovery story, told across sentences, is moderate; one that has come back is not.
        ("i overdosed at 17. now i'm a nurse and i sit with kids who are where i was", "moderate"),
        ("i was suicidal in grad school. i'm 41 now and i teach", "moderate"),
        ("2 years clean from self harm today", "moderate"),
        ("4 years without hurting myself and i burned my thigh tonight", "high"),
        ("i'm 16 and i keep thinking about killing myself", "high"),
        # Said laughing or about a plot: moderate, the model decides; the joke taken back is not one.
        ("i want to kill myself for eating the whole cake lol", "moderate"),
        ("i wanna die lol. not lol. i mean it", "high"),
        ("the main character wants to die and the whole book is her choosing to stay", "moderate"),
        # Denials as answers, others' guesses, and figures of speech.
        ("when you asked if i want to die, the answer is no", "none"),
        ("people keep asking if i'm suicidal since the layoff. i'm not", "none"),
        ("idk why people think im suicidal im just quiet", "none"),
        ("had a rough night but i didnt hurt myself", "low"),
        ("i'm shooting myself in the foot by procrastinating", "none"),
        ("saying goodbye to everyone at the gym, moving across the country sunday", "none"),
        ("coworker keeps joking about jumping off the roof", "moderate"),
        # Someone else's words quoted are theirs; the writer quoting themself is not.
        ('my son said "i want to die" at dinner, what do i do', "moderate"),
        ('a stranger replied saying "i\'m going to do it tonight, i have everything ready"', "moderate"),
        ('i said "i want to die" and i meant it', "high"),
        ('my mom said "you\'re a burden" and i want to kill myself', "high"),
        # A dose is not an overdose; a handful is.
        ("i have to take 3 pills tonight for my colonoscopy prep", "none"),
        ("i took 30 pills", "imminent"),
        # Someone else as the subject: a professional counting pills is not a plan.
        ("the pharmacist counted out my pills wrong, gave me 60 instead of 30", "moderate"),
        ("i counted out my pills, all of them, they're on the desk", "imminent"),
        # Sleep for a while is not sleep forever; jumping off furniture is not a method.
        ("i wish i could sleep and not wake up for a month", "none"),
        ("i wish i could sleep and not wake up", "high"),
        ("gonna jump off my bed if this essay doesnt write itself", "none"),
        ("i'm going to jump off the bridge", "imminent"),
        # A night or a year named as the past; the anniversary of it.
        ("spoke at a school about the year i tried to kill myself", "moderate"),
        ("a year since i took the pills and ended up in hospital. got a puppy to celebrate", "moderate"),
        ("last night i tried to kill myself", "high"),
        ("the show's storyline about self-harm was handled with care", "moderate"),
        # Spanish: first-person phrases, accents or none, with denials, jokes, the past and others.
        ("me quiero morir", "high"),
        ("Ya no quiero vivir", "high"),
        ("tengo ganas de morirme", "high"),
        ("quiero dormir y no despertar nunca mas", "high"),
        ("me voy a matar esta noche", "imminent"),
        ("me tomé todas las pastillas", "imminent"),
        ("este es mi último mensaje", "imminent"),
        ("este es mi ultimo mensaje del dia, me muero de sueño", "none"),
        ("me tomé todas mis pastillas de hoy, la de la presión y la vitamina", "none"),
        ("quiero dormir y no despertar hasta el lunes", "none"),
        ("me quiero morir de la vergüenza", "none"),
        ("no me quiero morir, solo estoy cansada", "none"),
        ("no tengo ganas de morirme, tengo ganas de llorar", "none"),
        ("llevo 500 días sin hacerme daño", "none"),
        ("me quiero morir jajaja se me quemó el flan", "moderate"),
        ("de joven me corté los brazos, ahora tengo 40", "moderate"),
        ("mi amigo tiene pensamientos suicidas", "moderate"),
        ("mi hija me dijo ya no quiero vivir", "moderate"),
        ("me quiero morir jajaja. no es broma, lo digo en serio", "high"),
        # A denial governs the phrase; any "no" nearby does not.
        ("no estoy pensando en hacerme daño", "none"),
        ("me preguntaron en la escuela si tenía pensamientos suicidas", "none"),
        ("no puedo más y me quiero morir", "high"),
        ("no se que hacer ya no quiero vivir", "high"),
        ("si me quiero morir", "high"),
        ("ya no puedo más, me siento una carga", "moderate"),
        ("hoy estoy muy triste", "low"),
        ("no estoy triste, solo cansado", "none"),
    ],
)
def test_rules(text, level):
    assert risk.rules(text).level == level


def test_extra_phrases_extend_the_lists():
    assert risk.rules("thinking about the long sleep").level == "none"
    assert risk.rules("thinking about the long sleep", {"high": [r"the long sleep"]}).level == "high"


@pytest.mark.parametrize(
    "text, cues",
    [
        ("i overdosed at 17. im 35 now", {"phrase_imminent", "recovery", "rules_moderate"}),
        ("i want to die lol", {"phrase_high", "joking", "rules_moderate"}),
        ("i want to kill myself tonight", {"phrase_imminent", "phrase_high", "rules_imminent"}),
        ("my sister said she wants to die", {"phrase_high", "third_person", "rules_moderate"}),
        ("no thoughts of killing myself", {"phrase_high", "denial", "negated", "rules_none"}),
        ("this homework is killing me", {"figurative", "rules_none"}),
        # Spanish cues are the same kinds, under the same names.
        ("hace 5 años me quise matar, ahora estoy bien", {"recovery", "rules_none"}),
        ("mi amiga dice que se quiere morir", {"third_person", "rules_none"}),
        (
            "no me quiero morir, solo quiero vacaciones jajaja",
            {"phrase_high", "negated", "denial", "joking", "rules_none"},
        ),
        ("mi hija me dijo ya no quiero vivir", {"phrase_high", "third_person", "rules_moderate"}),
        ("me voy a matar esta noche", {"phrase_imminent", "phrase_high", "rules_imminent"}),
        ("hola a todos", {"rules_none"}),
    ],
)
def test_context_cues_name_what_the_rules_read(text, cues):
    assert rules.context_cues(text) == cues


def test_the_rules_fingerprint_changes_with_any_list():
    before = rules.fingerprint()
    rules.FIGURATIVE += ("a new figure of speech",)
    try:
        assert rules.fingerprint() != before
    finally:
        rules.FIGURATIVE = rules.FIGURATIVE[:-1]
    assert rules.fingerprint() == before

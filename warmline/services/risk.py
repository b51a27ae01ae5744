"""Risk detection for member text (chat messages, chat topics, forum posts): `assess` is the
one entry point every caller uses.

Two halves. The phrase rules below are the floor, transparent on purpose: phrase lists per
level, matched on word boundaries, and a few rules anyone can read (RISK_PHRASES, extended
through the RISK_EXTRA_PHRASES setting). Beside them a learned model (warmline/risk, trained
from a labelled corpus) catches what the phrases never listed. The level is the higher of
the two, with why: the phrase that matched, or the model's category and the training lines
nearest the text. It never blocks a member from writing; it raises a conversation's
priority, tells the peer, and holds a forum post for a moderator."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from warmline.risk import encoder, model
from warmline.risk.model import Model

log = logging.getLogger(__name__)
T = TypeVar("T")

LEVELS = ("none", "low", "moderate", "high", "imminent")

RISK_PHRASES: dict[str, tuple[str, ...]] = {
    "imminent": (
        r"(kill|killing|end|ending) (myself|my life|it all) (tonight|today|now|right now|this time)",
        r"going to (kill myself|end my life|end it|do it) (tonight|today|now|right now)",
        r"swallowed (all )?(my |the |a bunch of |a lot of |some |\d+ )?(pills|tablets|meds)",
        r"(took|taken|take) (all( of)?|a bunch of|a lot of|too many|a handful of|\d+) (my |the )?(pills|tablets|meds)",
        r"(just )?took (some|the) (pills|tablets) and",
        r"(bought|got|have) (a|the|some) (rope|noose|gun)\b.{0,30}\bready",
        r"(pills|tablets|meds) (are )?(counted|lined up|ready|saved up|all out)",
        r"(counted|saved|stockpiled|hoarded|hoarding|collecting) (out |up )?(all )?(my |the )?(pills|meds|tablets)",
        r"(going to|gonna|will) (end it|end things|end everything)( all)? (tonight|today|now)",
        r"(have|got|holding|bought) (a|the|my dad's|my) (gun|rope|noose|razor|pills) "
        r"(ready|here|with me|right here|in my hand)",
        r"(i have|i've got|i got) (a|the) (gun|rope|noose)(?! (license|licence|permit|safe|for hunting))",
        r"(standing|sitting) (on|at) (the|a) (bridge|ledge|roof|edge|tracks)",
        r"(this is|these are) my (last|final) (message|words|goodbye)(?! (before|of the day|for today|for now))",
        r"(writing|wrote|written|left) (my|a) (suicide|goodbye) note",
        r"(overdosed|od'd|overdosing)",
        r"(cut|cutting|slit) (too deep|my wrists?)",
        r"(bleeding|blood) (a lot|everywhere|won't stop)",
        r"(say|saying) goodbye (to everyone|forever)",
        r"won't be (here|alive) (tomorrow|by morning|much longer)",
        r"(about to|ready to|going to) (jump(?! (in|into|on|rope|ship)\b)|pull the trigger|hang myself)",
    ),
    "high": (
        # "kms" with a verb of wanting, intending or trying is the writer's own; alone it is slang.
        r"(to|wanna|gonna|ima|about|of|with|up) kms",
        # "going to do it" with when is a plan ("soon", "after the wedding"); alone it is moderate.
        r"(about to|ready to|going to|gonna) do it (soon|tonight|today|now|in (an?|the next|a few)|after|before|when|"
        r"once|on my|on \w+day|the night|this (time|week|weekend))",
        r"(kill|killing|hang|hanging|shoot|shooting|drown|drowning) myself",
        r"(commit|committing|attempt|attempting|thinking about|thoughts of|considering) suicide",
        r"suicidal",
        r"(end|ending|take|taking) my (own )?life",
        r"(wants?|wanna|wish|wishes|going) to die",
        r"(wanna|gonna) die",
        r"(never|not|don't|dont) wake up",
        r"(rather|prefer to) (be dead|die|not (be alive|exist|be here))",
        r"stay alive (much )?longer",
        # Not "gonna end it with him": a relationship.
        r"(going to|gonna|will|want to|thinking (of|about)) (end|ending) (it|things|everything)\b(?! with\b)",
        r"(want|need|wish) (it all|everything|the pain|it) to stop (forever|for good|permanently)",
        r"(what's|whats|what is) the point (in|of) (living|life|going on|being alive)",
        r"(don't|do not|dont|can't|cant) see (a|any) (reason|point) to (live|go on|keep going)",
        r"(planning|plan|researching|looking up) (how|ways) to (die|kill myself|end it)",
        r"suicide (seems|is|feels) (like )?(the|my) (only )?(option|answer|way out)",
        r"(want|wish) to disappear forever",
        r"wish i (was|were) dead",
        r"wish i (could )?(just )?(disappear forever|not wake up|never wake up)",
        r"better off dead",
        r"no (reason|point) (to|in) (go on |keep )?(live|living|going on|being alive)",
        r"(don't|do not|dont) want to (live|be alive|be here anymore|exist|wake up)",
        r"end it all(?! with\b)",
        r"(hurt|hurting|harm|harming|cut|cutting|burn|burning) myself",
        r"self[- ]harm(ing)?",
        r"(jump|jumping) (off|in front of)",
        r"not (be|being) (here|around|alive) anymore",
        r"(plan|planning|plans) to (die|kill myself|end it)",
        r"(can't|cannot|cant) (keep living|live like this|stay alive)",
    ),
    "moderate": (
        # Slang and set phrases as often harmless as not ("kms this wifi", "tonight's the night,
        # the finale"): a floor of moderate, the model decides whether they are more.
        r"\bkms\b",
        r"tonight('s| is) the night",
        r"(about to|ready to|going to) do it",
        r"hopeless",
        r"(can't|cannot|cant) (go on|take (it|this) anymore|do this anymore)",
        r"no way out",
        r"(nobody|no one|noone) (would|will) (miss|notice|care)",
        r"(hate|hating) myself",
        r"worthless",
        r"(feel|feeling|am|i'm) (trapped|empty inside|like a burden)",
        r"(a|such a) burden",
        r"(better off|be better|be happier|be fine) without me",
        r"giving up on (everything|life)",
        r"(my )?(friend|brother|sister|son|daughter|partner|mom|dad|mum) (is|says|said|might|wants to) "
        r"(suicidal|kill (himself|herself|themselves)|end (his|her|their) life)",
        r"(used to|years ago|in the past) .{0,40}(suicidal|self[- ]harm|attempt)",
    ),
    "low": (
        r"depressed",
        r"depression",
        r"anxious",
        r"anxiety",
        r"panic attacks?",
        r"(can't|cant) sleep",
        r"lonely",
        r"alone",
        r"overwhelmed",
        r"stressed",
        r"crying",
        r"sad",
        r"grief",
        r"relapse",
        r"(bad|rough|hard) (day|week|night)",
        r"struggling",
    ),
}

# Within this many words before a match, these make it not about the writer wanting it now.
NEGATIONS = (
    "not",
    "never",
    "no longer",
    "don't",
    "dont",
    "do not",
    "won't",
    "wont",
    "wouldn't",
    "isn't",
    "aren't",
    "am not",
    "i'm not",
    "im not",
    "not going to",
    "stopped",
    "quit",
    "no plans",
    "no intention",
    "no thoughts of",
    "haven't",
    "havent",
    "hasn't",
)
NEGATION_WINDOW = 3
# Figurative uses of dying and killing ("this homework is killing me").
FIGURATIVE = (
    r"(is|are|was|were|it's|its|'s) killing me",
    r"killing it",
    r"dying (to|for|laughing|of laughter)",
    r"(i'd|i would|i could|could) (die|kill) (of|for)",
    r"killed (it|me)",
    r"to die for",
    r"dead (tired|serious|on|battery)",
    r"(phone|battery|laptop|car|plant) (died|is dead|was dead)",
    r"suicide squad",
    r"deadline",
    r"die (my|her|his|their|the) (hair|shirt|clothes)",
    r"take my life back",
    r"(die|dying) (of|from) (laughter|laughing|cringe|embarrassment|boredom|shame)",
    r"(going to|gonna) die if",
    r"self[- ]harm free",
    r"cut myself (shaving|cooking|chopping|on)",
    r"(pills|meds)\b.{0,40}\b(pharmacy|prescription|organizer|organiser|refill)",
    r"die (old|of old age)",
    r"(bridge|ledge|roof|edge)\b.{0,30}\b(photos?|pictures?|view|sunset|fishing|walk)",
    r"rather die than (wear|eat|watch|listen|sit through|be seen|admit|lose to|sing|dance)",
    r"(pills|meds|prescription) (are |is )?ready (for|to) (pick ?up|collect)",
    r"(pharmacy|prescription|refill)\b.{0,60}\b(pills|meds) (are |is )?ready",
    r"jump(ing)? off (the |a )?(high dive|diving board|dock|boat|swing|trampoline|couch)",
    r"overdos(ed|ing) on (coffee|caffeine|sugar|candy|chocolate|netflix|tv|tiktok|youtube|anime|memes|cookies|"
    r"pizza|sun|carbs|energy drinks|red bull|cake|studying|work)",
)
# Denials that name the thought and cover the phrase after it ("no thoughts of ending it", "i
# don't have any plans to hurt myself"); their matches are skipped like figurative ones.
DENIALS = (
    r"(no|zero|not any|don't have any|dont have any|do not have any) (thoughts|plans|urges|intention)s? "
    r"(of|to|about) \w+( \w+)?",
    r"(don't|dont|do not|never|haven't|havent) (have|had|felt) (a|any|the) (thought|plan|urge|intention)s? "
    r"(of|to|about) \w+( \w+)?",
    # "no self harm, no suicidal thoughts": a bare "no" before what it names (not "no i want to
    # die", where it answers something else).
    r"\bno (self[- ]harm(ing)?|suicidal (thoughts|ideation|feelings)|thoughts of (suicide|self[- ]harm))",
)
# A quotation with one of these cues nearby is someone else's words (a song, a film).
REPORTING_CUES = ("song", "lyrics", "lyric", "movie", "film", "book", "show", "character", "quote", "poem", "episode")
PAST_CUES = (
    "used to",
    "years ago",
    "a year ago",
    "in the past",
    "back when",
    "when i was",
    "as a teen",
    "in high school",
    "months ago",
    "no longer",
    "since my last",
    "i survived",
    "clean for",
    "decade ago",
    "years free",
    "months free",
    "free from",
    "free of",
    "years back",
    "years clean",
    "since i last",
    "back in 19",
    "back in 20",
    "back in middle school",
    "back in high school",
    "back in college",
    "in college",
    "in uni",
    "in middle school",
    "last year",
    "in a long time",
    "much better now",
)
# "in 2019 i tried to end my life": a year named (not "since", which runs to now).
PAST_YEAR = re.compile(r"\b(in|back in|that was) (19|20)\d\d\b")
# A subject just before the phrase that is someone else: concern for them, not the writer's own risk.
THIRD_PERSON_SUBJECT = re.compile(
    r"\b(he|she|they|he'd|she'd|they'd|he's|she's|they're|hes|shes|theyre|someone( who)?|(a|my) friend of mine|"
    r"my [a-z]+( said| says)?( he'd| she'd)?)\b"
    r"( (is|was|might|may|could|says|said|seems|feels|keeps|wants to|want to|has|had|is going to|"
    r"going to|gonna|been))*( be| being)?$"
)

REPORTED_SPEECH = re.compile(
    r"\b(he|she|they|my [a-z]+|friend|girl|guy|kid|someone|somebody)\b[^,.;!?]*?"
    r"\b(said|says|saying|told me|tells me|telling me|texted|posted|joked|jokes|joking|keeps saying)\b"
    r"(?P<after>.*)$"
)
FIRST_PERSON = re.compile(r"(?<![\w'])(i|i'm|im|i'd|i've|me|my|myself)(?![\w'])")


@dataclass(frozen=True)
class Assessment:
    level: str
    matches: tuple[str, ...]  # the phrases the rules matched
    source: str = "rules"  # which half set the level: "rules" or "model"
    category: str | None = None  # the model's category (e.g. "wish_dead"), when it set the level
    score: float | None = None  # the model's P(high or imminent)
    examples: tuple[str, ...] = ()  # training lines nearest the text, in the model's category

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level)

    def why(self) -> dict[str, Any]:
        """For the peer's banner and the moderator's queue item."""
        if self.source == "model":
            return {"source": "model", "category": self.category, "score": self.score, "examples": list(self.examples)}
        return {"source": "rules", "rule": self.matches[0] if self.matches else None}

    def reason(self) -> str:
        """One line for the moderator's queue item: why the level (after "risk: <level>")."""
        if self.source == "model":
            like = "; ".join(f"\u201c{e}\u201d" for e in self.examples)
            label = (self.category or "").replace("_", " ")
            return f"why: the model reads it as {label} ({self.score:.0%}), like {like}"
        return f"why: the rule matched \u201c{self.matches[0]}\u201d" if self.matches else "why: the rules"


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = folded.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", folded)


def _compile(phrases: Mapping[str, Sequence[str]]) -> list[tuple[str, re.Pattern[str]]]:
    compiled = []
    for level in ("imminent", "high", "moderate", "low"):
        for phrase in phrases.get(level, ()):
            compiled.append((level, re.compile(rf"(?<![\w'])(?:{phrase})(?![\w'])")))
    return compiled


_DEFAULT = _compile(RISK_PHRASES)
_NOT_OWN_RISK = [re.compile(rf"(?<![\w'])(?:{p})(?![\w'])") for p in FIGURATIVE + DENIALS]


def _clause_before(text: str, start: int) -> str:
    """The words of the same clause before `start` (a comma or a full stop ends a clause)."""
    return re.split(r"[,;.!?]", text[:start])[-1].strip()


_NEGATION = re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(n) for n in NEGATIONS) + r")(?![\w'])")


def _negated(text: str, start: int) -> bool:
    window = " ".join(_clause_before(text, start).split()[-NEGATION_WINDOW - 1 :])
    return _NEGATION.search(window) is not None


def _about_someone_else(text: str, start: int) -> bool:
    clause = _clause_before(text, start)
    if THIRD_PERSON_SUBJECT.search(" ".join(clause.split()[-5:])):
        return True
    # Someone else's words reported ("my friend keeps saying kms", "my brother said he's going
    # to end it"), with nothing of the writer's own after the reporting verb.
    reported = REPORTED_SPEECH.search(clause)
    return reported is not None and not FIRST_PERSON.search(reported.group("after"))


def _in_reported_quote(text: str, start: int, end: int) -> bool:
    quotes = [m.span() for m in re.finditer(r"\"[^\"]*\"|'[^']{8,}'", text)]
    inside = any(a <= start and end <= b for a, b in quotes)
    return inside and any(cue in text for cue in REPORTING_CUES)


def _sentence(text: str, start: int) -> str:
    left = max(text.rfind(".", 0, start), text.rfind("!", 0, start), text.rfind("?", 0, start))
    right_candidates = [i for i in (text.find(".", start), text.find("!", start), text.find("?", start)) if i != -1]
    return text[left + 1 : min(right_candidates) if right_candidates else len(text)]


def rules(text: str, extra: Mapping[str, Sequence[str]] | None = None) -> Assessment:
    """The highest level any phrase reaches, after the negation, quotation, figurative,
    past and third-person rules."""
    normalised = normalise(text)
    patterns = _DEFAULT + (_compile(extra) if extra else [])
    skipped_spans: list[tuple[int, int]] | None = None  # found at the first match only
    best, matches = 0, []
    for level, pattern in patterns:
        for match in pattern.finditer(normalised):
            start, end = match.span()
            if skipped_spans is None:
                skipped_spans = [m.span() for f in _NOT_OWN_RISK for m in f.finditer(normalised)]
            if any(a <= start < b or a < end <= b for a, b in skipped_spans):
                continue
            rank = LEVELS.index(level)
            phrase_has_negation = any(n in match.group(0).split() for n in ("don't", "dont", "not", "no"))
            if rank >= LEVELS.index("moderate") and not phrase_has_negation and _negated(normalised, start):
                continue
            if _in_reported_quote(normalised, start, end):
                continue
            sentence = _sentence(normalised, start)
            if rank >= LEVELS.index("high") and (
                any(cue in sentence for cue in PAST_CUES) or PAST_YEAR.search(sentence)
            ):
                rank = LEVELS.index("moderate")
            if (
                rank >= LEVELS.index("high")
                and "myself" not in match.group(0)
                and _about_someone_else(normalised, start)
            ):
                rank = LEVELS.index("moderate")
            if rank > best:
                best = rank
            matches.append(match.group(0))
    return Assessment(LEVELS[best], tuple(dict.fromkeys(matches)))


_unloadable: set[tuple[str, str]] = set()


def _loaded(path: str | None, load: Callable[[Path], T], errors: tuple[type[Exception], ...], said: str) -> T | None:
    """`load(path)`; a missing or stale file is logged once (`said`) and skipped from then on,
    so the rest of the detector still runs."""
    if not path or (said, path) in _unloadable:
        return None
    try:
        return load(Path(path))
    except errors:
        log.exception(said)
        _unloadable.add((said, path))
        return None


def _model(path: str | None) -> Model | None:
    return _loaded(path, model.cached, (OSError, ValueError), "risk model not loaded; rules only")


def _encoder(model_path: str | None) -> encoder.Encoder | None:
    """The encoder blended with this model file, if one sits beside it."""
    return _loaded(
        model_path,
        encoder.beside,
        (OSError, ValueError, KeyError),
        "risk encoder not loaded; n-gram model and rules only",
    )


def settings_of(app: Any) -> tuple[Mapping[str, Sequence[str]] | None, str | None]:
    """The app's extra phrases and model file, as `assess` takes them."""
    return app.config.get("RISK_EXTRA_PHRASES"), app.config.get("RISK_MODEL_PATH")


def load_model(app: Any) -> None:
    """At process start, on the main thread: loads this app's model and scores once, so the
    modules that first scoring imports lazily (codecs for the archive, NumPy's string types)
    are imported here and not on gevent's threadpool. Imports there take the import system's
    module locks, which gevent has patched into greenlet locks, from several threads at once:
    a gunicorn worker hung for good on its first three chat requests."""
    assess("warm up", *settings_of(app))


def assess(
    text: str, extra: Mapping[str, Sequence[str]] | None = None, model_path: str | None = model.DEFAULT_PATH.as_posix()
) -> Assessment:
    """The rules' level or the model's, whichever is higher, and why. Within a Flask app
    the settings RISK_EXTRA_PHRASES and RISK_MODEL_PATH apply (see `assess_here`)."""
    floor = rules(text, extra)
    learned = _model(model_path)
    if learned is None:
        return floor
    blended = _encoder(model_path)
    prediction = blended.blend(text, learned) if blended else learned.predict(text)
    if LEVELS.index(prediction.level) <= floor.rank:
        return floor
    examples = learned.nearest(text, prediction.category if prediction.level != "none" else None)
    return Assessment(
        prediction.level, floor.matches, "model", prediction.category, round(prediction.risky, 3), tuple(examples)
    )


def assess_here(text: str) -> Assessment:
    """`assess` with the app's settings, off the event loop (warmline/risk/worker.py)."""
    from flask import current_app, has_app_context

    from warmline.risk import worker

    if not has_app_context():
        return assess(text)
    app = current_app._get_current_object()  # noqa: SLF001
    extra, path = settings_of(app)
    return worker.off_loop(app, lambda: assess(text, extra, path))


def level_of(text: str) -> str:
    return assess_here(text).level

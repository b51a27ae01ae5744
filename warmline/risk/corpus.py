"""The labelled corpus: `label<TAB>category<TAB>lang<TAB>text` per line, `#` comments
(format and guide: docs/escalation.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LABELS = ("none", "low", "moderate", "high", "imminent")
RISKY_LABELS = frozenset({"high", "imminent"})
RISKY_CATEGORIES = (
    "wish_dead",
    "active_ideation",
    "method",
    "intent",
    "plan",
    "preparatory",
    "self_harm",
    "attempt",
)
MODERATE_CATEGORIES = ("hopelessness", "burden", "passive")
OTHER_CATEGORIES = ("distress", "ordinary")
NEGATIVE_CATEGORIES = (
    "neg_figurative",
    "neg_sport_media",
    "neg_history",
    "neg_third_person",
    "neg_medication",
    "neg_everyday",
    "neg_negated",
)
CATEGORIES = RISKY_CATEGORIES + MODERATE_CATEGORIES + OTHER_CATEGORIES + NEGATIVE_CATEGORIES
LANGS = ("en", "es")
TRAIN = Path(__file__).parent / "data" / "train.tsv"


@dataclass(frozen=True)
class Example:
    label: str
    category: str
    lang: str
    text: str

    @property
    def risky(self) -> bool:
        return self.label in RISKY_LABELS


class CorpusError(ValueError):
    pass


def parse(lines: list[str], source: str = "corpus", strict: bool = True) -> list[Example]:
    """The examples, or CorpusError naming the first bad line (wrong field count, unknown
    label/category/lang; when `strict`, as for the training split, also a text over 300
    characters, a risky label on a non-risky category or the reverse, a duplicate)."""
    examples, seen = [], set()
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\n").split("\t")
        where = f"{source}:{number}"
        if len(fields) != 4:
            raise CorpusError(f"{where}: expected 4 tab-separated fields, got {len(fields)}")
        label, category, lang, text = (f.strip() for f in fields)
        if label not in LABELS:
            raise CorpusError(f"{where}: unknown label {label!r}")
        if category not in CATEGORIES:
            raise CorpusError(f"{where}: unknown category {category!r}")
        if lang not in LANGS:
            raise CorpusError(f"{where}: unknown lang {lang!r}")
        if not text:
            raise CorpusError(f"{where}: empty text")
        if strict and len(text) > 300:
            raise CorpusError(f"{where}: text must be 1-300 characters")
        if strict and (label in RISKY_LABELS) != (category in RISKY_CATEGORIES):
            raise CorpusError(f"{where}: label {label} does not fit category {category}")
        key = " ".join(text.casefold().split())
        if strict and key in seen:
            raise CorpusError(f"{where}: duplicate line")
        seen.add(key)
        examples.append(Example(label, category, lang, text))
    return examples


def load(path: Path = TRAIN, strict: bool = True) -> list[Example]:
    return parse(path.read_text(encoding="utf-8").splitlines(), str(path), strict)

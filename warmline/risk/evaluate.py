"""Figures of a detector on a labelled split: recall of high+imminent, the share of hard
negatives held, Spanish recall. Aggregates only, plus the missed and false-held lines for
whoever is allowed to read them (never the frozen test split's, to tune on)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from warmline.risk.corpus import RISKY_LABELS, Example


@dataclass
class Figures:
    lines: int
    risky: int
    recall: float
    negatives: int
    negatives_held: float
    spanish_risky: int
    spanish_recall: float
    others_held: float  # held among the other non-risky lines (moderate, distress, ordinary)
    missed: list[Example] = field(default_factory=list)
    false_held: list[Example] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.lines} lines: recall of high+imminent {self.recall:.3f} ({self.risky} risky), "
            f"hard negatives held {self.negatives_held:.3f} ({self.negatives}), "
            f"Spanish recall {self.spanish_recall:.3f} ({self.spanish_risky}), "
            f"other non-risky held {self.others_held:.3f}"
        )


def _share(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def figures(examples: Sequence[Example], holds: Callable[[str], bool]) -> Figures:
    held = [holds(e.text) for e in examples]
    risky = [(e, h) for e, h in zip(examples, held, strict=True) if e.label in RISKY_LABELS]
    negatives = [(e, h) for e, h in zip(examples, held, strict=True) if e.category.startswith("neg_")]
    others = [
        (e, h)
        for e, h in zip(examples, held, strict=True)
        if e.label not in RISKY_LABELS and not e.category.startswith("neg_")
    ]
    spanish = [(e, h) for e, h in risky if e.lang == "es"]
    return Figures(
        lines=len(examples),
        risky=len(risky),
        recall=_share(sum(h for _, h in risky), len(risky)),
        negatives=len(negatives),
        negatives_held=_share(sum(h for _, h in negatives), len(negatives)),
        spanish_risky=len(spanish),
        spanish_recall=_share(sum(h for _, h in spanish), len(spanish)),
        others_held=_share(sum(h for _, h in others), len(others)),
        missed=[e for e, h in risky if not h],
        false_held=[e for e, h in negatives + others if h],
    )

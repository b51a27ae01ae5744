"""Text to a sparse, L2-normalised vector of hashed word and character n-grams, plus the rules'
context cues.

Character n-grams carry misspellings ("suicidle", "kil myself") and Spanish inflections
("matarme", "matarse"); word unigrams and bigrams carry the phrases; the cues (rules.py:
"recovery", "joking", "third_person", the rules' own level...) carry what a phrase list knows
of context, so the hidden units can learn what "kill myself" means beside "5 years clean".
Hashing (crc32, stable across processes, unlike hash()) keeps the model file independent of a
vocabulary."""

from __future__ import annotations

import functools
import re
import unicodedata
import zlib

import numpy as np

from warmline.risk import rules

DIMS = 1 << 20
CHAR_NGRAMS = (3, 4, 5)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_REPEATS = re.compile(r"(.)\1{2,}")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00b4": "'"})


def normalise(text: str) -> str:
    """Case, accents ("mañana" and "manana" alike), curly quotes and stretched letters
    ("sooo" as "soo") folded away."""
    folded = unicodedata.normalize("NFKD", text.translate(_QUOTES).casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _REPEATS.sub(r"\1\1", folded)


def word_grams(tokens: list[str]) -> set[str]:
    out = {"w:" + t for t in tokens}
    out.update("b:" + a + " " + b for a, b in zip(tokens, tokens[1:], strict=False))
    out.update("t:" + a + " " + b + " " + c for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False))
    return out


def _char_ids(joined: str) -> np.ndarray:
    """Bucket ids of the character n-grams, hashed in one vectorised pass (a polynomial hash
    of the code points, then a 64-bit mix): a Python call per n-gram was most of the cost."""
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts = []
    with np.errstate(over="ignore"):
        for n in CHAR_NGRAMS:
            count = len(codes) - n + 1
            if count <= 0:
                continue
            h = np.full(count, n, dtype=np.uint64)
            for j in range(n):
                h = h * np.uint64(1000003) + codes[j : j + count]
            h ^= h >> np.uint64(29)
            h *= np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(32)
            parts.append((h & np.uint64(DIMS - 1)).astype(np.int64))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


@functools.lru_cache(maxsize=512)
def hashed(text: str) -> np.ndarray:
    """The sorted, distinct bucket ids of the text's n-grams and cues (each counts once), read
    only: one assessment asks for them up to three times (the scores, the nearest examples)."""
    tokens = _TOKEN.findall(normalise(text))
    grams = word_grams(tokens) | {"cue:" + cue for cue in rules.context_cues(text)}
    words = np.fromiter((zlib.crc32(g.encode()) & (DIMS - 1) for g in grams), dtype=np.int64)
    ids = np.sort(np.concatenate([words, _char_ids(" " + " ".join(tokens) + " ")]))
    distinct = ids[np.concatenate(([True], ids[1:] != ids[:-1]))] if len(ids) else ids
    distinct.flags.writeable = False
    return distinct

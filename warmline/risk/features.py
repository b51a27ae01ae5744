"""Text to a sparse, L2-normalised vector of hashed word and character n-grams.

Character n-grams carry misspellings ("suicidle", "kil myself") and Spanish inflections
("matarme", "matarse"); word unigrams and bigrams carry the phrases. Hashing (crc32, stable
across processes, unlike hash()) keeps the model file independent of a vocabulary."""

from __future__ import annotations

import re
import unicodedata
import zlib

import numpy as np

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


def grams(text: str) -> set[str]:
    tokens = _TOKEN.findall(normalise(text))
    out = {"w:" + t for t in tokens}
    out.update("b:" + a + " " + b for a, b in zip(tokens, tokens[1:], strict=False))
    out.update("t:" + a + " " + b + " " + c for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False))
    joined = " " + " ".join(tokens) + " "
    for n in CHAR_NGRAMS:
        out.update("c:" + joined[i : i + n] for i in range(len(joined) - n + 1))
    return out


def hashed(text: str) -> np.ndarray:
    """The sorted, distinct bucket ids of the text's n-grams (each counts once)."""
    ids = {zlib.crc32(g.encode()) & (DIMS - 1) for g in grams(text)}
    return np.fromiter(sorted(ids), dtype=np.int64, count=len(ids))

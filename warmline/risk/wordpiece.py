"""BERT's uncased tokenizer (basic splitting, then WordPiece) in plain Python, for the
encoder (encoder.py): the `tokenizers` package would bring huggingface_hub and its
dependencies into `make run` for what is sixty lines here. It gives the same ids as
MiniLM's tokenizer.json on every corpus line (tests/test_risk_encoder.py)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

MAX_WORD = 100  # BERT's limit: a longer "word" is [UNK]
_CACHE_LIMIT = 50_000


def _is_punctuation(ch: str) -> bool:
    code = ord(ch)
    # BERT counts every non-alphanumeric ASCII symbol as punctuation ("$", "^", "`"...).
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def words(text: str) -> list[str]:
    """Control characters dropped, CJK characters split apart, lowercased, accents
    stripped, split on whitespace and around each punctuation mark."""
    cleaned = []
    for ch in text:
        code = ord(ch)
        category = unicodedata.category(ch)
        if ch in " \t\n\r" or category == "Zs":
            cleaned.append(" ")
        elif code in (0, 0xFFFD) or category.startswith("C"):
            continue
        elif _is_cjk(code):
            cleaned.append(f" {ch} ")
        else:
            cleaned.append(ch)
    out: list[str] = []
    for word in "".join(cleaned).lower().split():
        word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
        current = ""
        for ch in word:
            if _is_punctuation(ch):
                if current:
                    out.append(current)
                    current = ""
                out.append(ch)
            else:
                current += ch
        if current:
            out.append(current)
    return out


class WordPiece:
    def __init__(self, vocabulary: Sequence[str]) -> None:
        self.ids = {token: i for i, token in enumerate(vocabulary)}
        self.unknown, self.start, self.end = self.ids["[UNK]"], self.ids["[CLS]"], self.ids["[SEP]"]
        self._pieces: dict[str, list[int]] = {}

    def pieces(self, word: str) -> list[int]:
        """Greedy longest-match-first; a word with a part not in the vocabulary is [UNK]."""
        found = self._pieces.get(word)
        if found is not None:
            return found
        ids: list[int] = []
        start = 0
        while start < len(word) and len(word) <= MAX_WORD:
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    ids.append(self.ids[piece])
                    break
                end -= 1
            else:
                ids = []
                break
            start = end
        ids = ids or [self.unknown]
        if len(self._pieces) < _CACHE_LIMIT:  # set-up is safe to race: same value either way
            self._pieces[word] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """The text's token ids, without [CLS] and [SEP] (the encoder adds them per window)."""
        return [i for word in words(text) for i in self.pieces(word)]

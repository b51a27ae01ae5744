"""Handles: readable when generated; when chosen, nothing hidden, nothing posing as staff,
nothing that gives away who someone is."""

from __future__ import annotations

import pytest

from warmline.errors import WarmlineError
from warmline.services import handles


def test_generated_handles_are_readable_and_valid():
    for _ in range(200):
        handle = handles.generate()
        assert handles.normalise(handle) == handle
        assert handle[0].isupper() and handle[-1].isdigit()


@pytest.mark.parametrize(
    "raw, stored",
    [
        ("Sunny-Day", "Sunny-Day"),
        ("  quiet.lake ", "quiet.lake"),
        ("Ｑｕｉｅｔ", "Quiet"),  # full-width folds to ASCII (NFKC)
        ("Ольга_7", "Ольга_7"),  # one script, not Latin: fine
        ("café_au_lait", "café_au_lait"),
    ],
)
def test_accepted(raw, stored):
    assert handles.normalise(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "Adm1n",
        "ADMIN_x",
        "Ａｄｍｉｎ",
        "the.moderator",
        "m0d3rat0r",
        "PeerHelper",
        "p.e.e.r",
        "Coordinat0r",
        "staff_sam",
        "Warmline",
        "аdmin",  # Cyrillic а: mixed script and look-alike
        "Sam\u00admy",  # a soft hyphen: invisible, and not one of those stripped
        "tab\tname",
        "has space",
        "ab",
        "x" * 33,
        "_leading",
        "5551234567",
        "call_555_123_4567",
        "me@example.com",
        "fuckface",
        "sh1thead",
    ],
)
def test_refused(raw):
    with pytest.raises(WarmlineError) as refused:
        handles.normalise(raw)
    assert refused.value.extra["field"] == "handle"


@pytest.mark.parametrize("raw", ["Sam\u200bmy", "Sam\u202emy", "Sam\u2066my\u2069", "\ufeffSammy"])
def test_direction_overrides_and_zero_width_characters_are_dropped(raw):
    assert handles.normalise(raw) == "Sammy"


def test_key_folds_case():
    assert handles.key("Quiet") == handles.key("qUIET")

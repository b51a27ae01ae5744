"""Member handles: generated (adjective + animal + number) or chosen, and then checked so a
handle cannot pose as staff, hide characters, or give away who someone is."""

from __future__ import annotations

import re
import secrets
import unicodedata

from flask_babel import gettext as _

from warmline.errors import invalid
from warmline.validation import strip_invisible

ADJECTIVES = (
    "Amber Brave Bright Calm Clever Cozy Curious Gentle Glad Golden Hopeful Humble Kind "
    "Lucky Mellow Merry Mild Misty Noble Patient Peaceful Quiet Rosy Silver Sunny Steady "
    "Swift Tender Thoughtful Tidy Warm Wise Breezy Cheerful Dreamy Earnest Fair Friendly "
    "Graceful Hardy Honest Jolly Lively Loyal Plucky Proud Serene Sincere Snug Spry Sturdy"
).split()
ANIMALS = (
    "Otter Heron Badger Robin Fox Owl Panda Koala Dolphin Sparrow Turtle Rabbit Finch Wren "
    "Lynx Moose Beaver Bison Crane Dove Falcon Gecko Hare Ibis Jay Kiwi Lark Marten Newt "
    "Osprey Puffin Quail Raven Seal Swan Tapir Vole Walrus Yak Zebra Alpaca Bear Deer Eagle "
    "Ferret Goose Hedgehog Lemur Llama Mole Orca Pelican Salmon Stork Wombat"
).split()

MIN_LENGTH, MAX_LENGTH = 3, 32
_SEPARATORS = "_-."
# Words a handle may not spell, however disguised: members must be able to trust who is staff.
RESERVED = ("admin", "moderator", "coordinator", "peer", "staff", "warmline", "official")
# A short list is enough here: moderators can rename, and this only refuses the obvious.
UNCLEAN = ("fuck", "shit", "cunt", "nigger", "faggot", "retard", "whore", "slut", "rape")
_CONFUSABLES = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "l": "i",
        "|": "i",
        "!": "i",
        "3": "e",
        "4": "a",
        "@": "a",
        "5": "s",
        "$": "s",
        "7": "t",
        "8": "b",
        "9": "g",
        # Cyrillic and Greek letters that look Latin.
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "х": "x",
        "у": "y",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "м": "m",
        "т": "t",
        "к": "k",
        "н": "h",
        "в": "b",
        "α": "a",
        "ε": "e",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "μ": "m",
        "η": "n",
    }
)


def generate() -> str:
    """A readable handle; uniqueness is the caller's job (it retries on a clash)."""
    number = secrets.randbelow(9990) + 10
    return f"{secrets.choice(ADJECTIVES)}{secrets.choice(ANIMALS)}{number}"


def key(handle: str) -> str:
    """What makes two handles the same handle."""
    return handle.casefold()


def skeleton(text: str) -> str:
    """Lower-case letters with disguises removed: accents, look-alikes, separators."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    squeezed = bare.translate(_CONFUSABLES)
    squeezed = "".join(ch for ch in squeezed if ch not in _SEPARATORS and not ch.isspace())
    return squeezed.replace("rn", "m").replace("vv", "w")


def _script(ch: str) -> str:
    return unicodedata.name(ch, "UNKNOWN").split(" ")[0]


def normalise(raw: str) -> str:
    """The handle as it will be stored, or an `invalid` error naming what is wrong."""
    handle = strip_invisible(unicodedata.normalize("NFKC", raw)).strip()
    if any(unicodedata.category(ch) in {"Cf", "Cc", "Co", "Cs", "Cn"} for ch in handle):
        raise invalid("handle", _("Handles cannot contain invisible or direction-changing characters."))
    if not MIN_LENGTH <= len(handle) <= MAX_LENGTH:
        raise invalid("handle", f"A handle is {MIN_LENGTH} to {MAX_LENGTH} characters long.")
    for ch in handle:
        if not (ch.isalnum() or ch in _SEPARATORS):
            raise invalid("handle", _("Use letters, digits, '_', '-' or '.' only."))
    if not handle[0].isalnum():
        raise invalid("handle", _("A handle starts with a letter or a digit."))
    scripts = {_script(ch) for ch in handle if ch.isalpha()}
    if len(scripts) > 1:
        raise invalid("handle", _("Use letters from one alphabet only."))
    if sum(ch.isdigit() for ch in handle) >= 7 or re.search(r"\d{5,}", handle):
        raise invalid("handle", _("That looks like a phone number; please choose something else."))
    bare = skeleton(handle)
    if any(skeleton(word) in bare for word in RESERVED):
        raise invalid("handle", _("Handles cannot look like a staff title; please choose another."))
    if any(skeleton(word) in bare for word in UNCLEAN):
        raise invalid("handle", _("Please choose a kinder handle."))
    return handle


STAFF_MAX_LENGTH = 64
_STAFF_PUNCTUATION = " _-.'"


def staff_handle(raw: str) -> str:
    """A staff member's shown name (set by an admin, the CLI or the API): direction-changing
    and zero-width characters are dropped, and markup or other symbols are refused."""
    handle = strip_invisible(unicodedata.normalize("NFKC", raw)).strip()
    if not 1 <= len(handle) <= STAFF_MAX_LENGTH:
        raise invalid("handle", f"A handle is 1 to {STAFF_MAX_LENGTH} characters long.")
    if any(not (ch.isalnum() or ch in _STAFF_PUNCTUATION) for ch in handle):
        raise invalid("handle", "A staff handle uses letters, digits, spaces, '_', '-', '.' or an apostrophe only.")
    return handle

"""Every member-facing word is translated: a template's text outside `_()` / `{% trans %}`
fails, and so does a member-facing string without a Spanish translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from warmline import ROOT

TEMPLATES = ROOT / "templates"
SPANISH = ROOT / "warmline/translations/es/LC_MESSAGES/messages.po"
# Staff pages may stay English (they mark themselves: body_attrs is data-staff-page), and so
# may the parts only they include and the staff sign-in page.
STAFF_ONLY = {
    "auth/login.html",
    "shifts/_shift_fields.html",
    "billing/_payer_fields.html",
    "chat/_note_codes.html",
    "peer_tools/_monitor_sessions.html",
    "peer_tools/_resource_fields.html",
    "reports/_headline.html",
    "forum/_detector_verdicts.html",
    "staff/_credential.html",
    "staff/_expiring.html",
}
# Python modules whose messages members read (errors, notices, system messages).
MEMBER_MODULES = [
    "warmline/errors.py",
    "warmline/validation.py",
    "warmline/permissions.py",
    "warmline/services/chat.py",
    "warmline/services/forum.py",
    "warmline/services/moderation.py",
    "warmline/services/handles.py",
    "warmline/services/accounts.py",
    "warmline/services/device_lock.py",
    "warmline/services/languages.py",
    "warmline/services/texts.py",
    "warmline/realtime/chat.py",
    "warmline/realtime/ratelimit.py",
    "warmline/realtime/protocol.py",
    "warmline/realtime/connection.py",
    "warmline/web/errors.py",
    "warmline/web/forum.py",
    "warmline/web/chat.py",
    "warmline/web/lock.py",
    "warmline/web/navigation.py",
]
# Not words to translate: names, numbers, symbols, the key's name.
ALLOWED = {"Warmline", "English", "Español", "(Esc)", "GentleOtter42"}
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
STAFF_PAGE = re.compile(r"{%\s*block body_attrs\s*%}\s*data-staff-page\s*{%\s*endblock\s*%}")


def member_templates() -> list[Path]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name in STAFF_ONLY or STAFF_PAGE.search(path.read_text()):
            continue
        found.append(path)
    return found


def untranslated_text(source: str) -> list[str]:
    """Words left once everything translated or computed is taken out."""
    text = re.sub(r"{#.*?#}", " ", source, flags=re.S)
    text = re.sub(r"{%-?\s*trans\b.*?endtrans\s*-?%}", " ", text, flags=re.S)
    text = re.sub(r"<script\b.*?</script>", " ", text, flags=re.S)
    # Literal text in attributes people read (a screen reader reads aria-label).
    attributes = re.findall(r'\b(?:aria-label|title|placeholder|alt)="([^"{]*)"', text)
    text = re.sub(r"{{.*?}}", " ", text, flags=re.S)
    text = re.sub(r"{%.*?%}", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    words = [chunk.strip() for chunk in re.split(r"\s{2,}|\n", text) + attributes]
    return [w for w in words if re.search(r"[A-Za-z]{2,}", " ".join(t for t in w.split() if t not in ALLOWED))]


@pytest.mark.parametrize("path", member_templates(), ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_member_template_has_no_untranslated_text(path):
    assert untranslated_text(path.read_text()) == []


def test_the_check_catches_untranslated_text():
    assert untranslated_text("<p>Hello there</p>{{ _('Fine') }}") == ["Hello there"]
    assert untranslated_text('<a aria-label="Close it">{% trans %}Fine{% endtrans %}</a>') == ["Close it"]
    assert untranslated_text("<p>{{ _('Fine') }} 988 · (Esc)</p>") == []


def spanish() -> dict[object, object]:
    with SPANISH.open("rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id}


def _msgid(message: object) -> object:
    """A plural is (singular, plural); a call with variables extracts as (text, None, ...)."""
    if isinstance(message, list | tuple):
        parts = tuple(part for part in message if part is not None)
        return parts[0] if len(parts) == 1 else parts  # () for `_(variable)`: nothing to translate
    return message


def member_msgids() -> set[object]:
    ids: set[object] = set()
    for path in member_templates():
        for _line, message, _comments, _context in extract_from_file("jinja2", str(path), options={"trimmed": "true"}):
            ids.add(_msgid(message))
    for module in MEMBER_MODULES:
        for _line, message, _comments, _context in extract_from_file("python", str(ROOT / module), keywords=KEYWORDS):
            ids.add(_msgid(message))
    return ids


def test_every_member_facing_string_has_spanish():
    catalogue = spanish()
    missing = []
    for message in member_msgids() - {()}:
        translated = catalogue.get(message)
        empty = translated is None or (
            any(not part for part in translated) if isinstance(translated, tuple) else not translated
        )
        if empty:
            missing.append(message)
    assert missing == []


def test_spanish_crisis_bar_names_the_spanish_line():
    catalogue = spanish()
    bar = next(v for k, v in catalogue.items() if isinstance(k, str) and k.startswith("In crisis?"))
    assert "oprima 2" in bar and "AYUDA" in bar and 'href="tel:988"' in bar and 'href="tel:911"' in bar


def test_placeholders_survive_translation():
    for message, translated in spanish().items():
        pairs = zip(message, translated, strict=False) if isinstance(message, tuple) else [(message, translated)]
        for source, target in pairs:
            for placeholder in re.findall(r"%\(\w+\)[sd]|\{\w+\}", source):
                assert placeholder in target, (source, target)

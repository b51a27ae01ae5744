"""Languages: members read Warmline in English or Spanish (Flask-Babel, catalogues under
warmline/translations/). Every member-facing string goes through `_()`."""

from __future__ import annotations

from flask import request

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"


def select_locale() -> str:
    """The browser's preference among the languages we have (a member's own choice, when
    they have made one, is added by the members' language setting)."""
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE

"""Validation at the edge: every JSON body and socket payload passes through `parse`, which
either returns clean values or raises one `invalid` error naming the field."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from flask import has_request_context, request
from flask_babel import format_number
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from warmline.errors import invalid

Validator = Callable[[str, Any], Any]
_MISSING = object()


class _Optional:
    def __init__(self, validator: Validator, default: Any) -> None:
        self.validator = validator
        self.default = default


def optional(validator: Validator, default: Any = None) -> _Optional:
    return _Optional(validator, default)


# Bidirectional overrides and isolates, and zero-width characters: in a one-line name (a
# title, a handle) they only serve to disguise or reorder what others read.
INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _number(count: int) -> str:
    """A count as the reader writes numbers ("4,000", "4000" or "10.000" in Spanish); outside a
    request (the CLI, tests of services) in English."""
    return format_number(count) if has_request_context() else f"{count:,}"


def strip_invisible(value: str) -> str:
    return INVISIBLE.sub("", value)


def _encodable(value: str) -> bool:
    """False for a lone surrogate (JSON allows "\\ud800"; no database stores it)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_text(
    name: str, value: Any, *, max_len: int, min_len: int = 1, multiline: bool = False, strip: bool = True
) -> str:
    """The one rule for member text, from a JSON body, a socket payload or an HTML form."""
    if not isinstance(value, str):
        raise invalid(name, _("%(name)s must be text.", name=name))
    if not multiline:
        value = strip_invisible(value)
    if strip:
        value = value.strip()
    if "\x00" in value or not _encodable(value) or (not multiline and ("\n" in value or "\r" in value)):
        raise invalid(name, _("%(name)s contains characters that are not allowed.", name=name))
    if len(value) < min_len:
        if min_len == 1:
            raise invalid(name, _("%(name)s is required.", name=name))
        raise invalid(name, _("%(name)s is at least %(count)s characters.", name=name, count=_number(min_len)))
    if len(value) > max_len:
        raise invalid(name, _("%(name)s is at most %(count)s characters.", name=name, count=_number(max_len)))
    return value


def refuse_nul_in_forms() -> None:
    """Before every request: no query or form field (name or value) carries a NUL, which the
    JSON API refuses too and no page means to store."""
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if "\x00" in name or "\x00" in value:
                field = name.replace("\x00", "")
                raise invalid(field, _("%(name)s contains characters that are not allowed.", name=field))


def text(*, max_len: int, min_len: int = 1, multiline: bool = False, strip: bool = True) -> Validator:
    def check(name: str, value: Any) -> str:
        return clean_text(name, value, max_len=max_len, min_len=min_len, multiline=multiline, strip=strip)

    return check


def boolean() -> Validator:
    def check(name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise invalid(name, _("%(name)s must be true or false.", name=name))
        return value

    return check


# The database's INTEGER (PostgreSQL's int4): ids and counts beyond it match nothing.
DB_INT_MAX = 2**31 - 1


def integer(*, minimum: int | None = None, maximum: int | None = None) -> Validator:
    top = DB_INT_MAX if maximum is None else maximum
    bottom = -DB_INT_MAX if minimum is None else minimum

    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, _("%(name)s must be a whole number.", name=name))
        if not bottom <= value <= top:
            raise invalid(
                name, _("%(name)s must be between %(bottom)s and %(top)s.", name=name, bottom=bottom, top=top)
            )
        return value

    return check


def whole_number(*, minimum: int = 1) -> Validator:
    """A whole number, given as one or (from a query string) as ASCII digits ("²" is a digit
    to str.isdigit, not to int)."""

    def check(name: str, value: Any) -> int:
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
            value = int(value)
        return integer(minimum=minimum)(name, value)

    return check


def choice(*values: str) -> Validator:
    def check(name: str, value: Any) -> str:
        if value not in values:
            raise invalid(name, _("%(name)s must be one of: %(values)s.", name=name, values=", ".join(values)))
        return value

    return check


def list_of(item: Validator, *, max_items: int, min_items: int = 0) -> Validator:
    def check(name: str, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise invalid(name, _("%(name)s must be a list.", name=name))
        if not min_items <= len(value) <= max_items:
            raise invalid(name, _("%(name)s has %(low)s to %(high)s items.", name=name, low=min_items, high=max_items))
        return [item(name, v) for v in value]

    return check


YEAR_MIN, YEAR_MAX = 1970, 2999


def timestamp() -> Validator:
    """ISO 8601 with an explicit offset: a time without one is ambiguous, so it is refused."""

    def check(name: str, value: Any) -> datetime:
        if not isinstance(value, str) or len(value) > 40:
            raise invalid(name, _("%(name)s must be an ISO 8601 time with an offset.", name=name))
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise invalid(name, _("%(name)s must be an ISO 8601 time with an offset.", name=name)) from None
        if parsed.tzinfo is None:
            raise invalid(name, _("%(name)s needs a UTC offset, e.g. 2026-01-05T18:00:00-05:00.", name=name))
        # Far enough either way for any shift, report or record; and room to add a window
        # or change zones without passing year 9999.
        if not YEAR_MIN <= parsed.year <= YEAR_MAX:
            raise invalid(
                name,
                _("%(name)s must be between the years %(low)s and %(high)s.", name=name, low=YEAR_MIN, high=YEAR_MAX),
            )
        return parsed

    return check


def parse(data: Any, fields: Mapping[str, Validator | _Optional], *, allow_unknown: bool = False) -> dict[str, Any]:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise invalid("body", _("The request body must be a JSON object."))
    if not allow_unknown:
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise invalid(str(unknown[0]), _("Unknown field: %(name)s.", name=unknown[0]))
    clean: dict[str, Any] = {}
    for name, spec in fields.items():
        value = data.get(name, _MISSING)
        if isinstance(spec, _Optional):
            clean[name] = spec.default if value is _MISSING or value is None else spec.validator(name, value)
        elif value is _MISSING or value is None:
            raise invalid(name, _("%(name)s is required.", name=name))
        else:
            clean[name] = spec(name, value)
    return clean


def iso_date() -> Validator:
    """A calendar date, YYYY-MM-DD."""

    def check(name: str, value: Any) -> date:
        try:
            if isinstance(value, str) and len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
        raise invalid(name, _("%(name)s must be a date, YYYY-MM-DD.", name=name))

    return check


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: a path id past the database's INTEGER matches no route (404)
    instead of reaching the database (which refuses it with an error)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def check_json_text(data: Any, max_depth: int = 64) -> None:
    """Refuses what a JSON parser accepts but nothing here can hold: nesting deeper than
    `max_depth`, and strings (or keys) with a lone surrogate ("\\ud800")."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not _encodable(value):
                raise ValueError("a string holds a lone surrogate")
        elif isinstance(value, dict | list):
            if depth > max_depth:
                raise ValueError(f"nested deeper than {max_depth}")
            items = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
            for key, item in items:
                if key is not None and not _encodable(key):
                    raise ValueError("a key holds a lone surrogate")
                stack.append((item, depth + 1))

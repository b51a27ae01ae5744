"""Validation at the edge: every JSON body and socket payload passes through `parse`, which
either returns clean values or raises one `invalid` error naming the field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from warmline.errors import invalid

Validator = Callable[[str, Any], Any]
_MISSING = object()


class _Optional:
    def __init__(self, validator: Validator, default: Any) -> None:
        self.validator = validator
        self.default = default


def optional(validator: Validator, default: Any = None) -> _Optional:
    return _Optional(validator, default)


def text(*, max_len: int, min_len: int = 1, multiline: bool = False, strip: bool = True) -> Validator:
    def check(name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise invalid(name, f"{name} must be text.")
        if strip:
            value = value.strip()
        if "\x00" in value or (not multiline and ("\n" in value or "\r" in value)):
            raise invalid(name, f"{name} contains characters that are not allowed.")
        if len(value) < min_len:
            raise invalid(name, f"{name} is required." if min_len == 1 else f"{name} is at least {min_len} characters.")
        if len(value) > max_len:
            raise invalid(name, f"{name} is at most {max_len:,} characters.")
        return value

    return check


def boolean() -> Validator:
    def check(name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise invalid(name, f"{name} must be true or false.")
        return value

    return check


def integer(*, minimum: int | None = None, maximum: int | None = None) -> Validator:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, f"{name} must be a whole number.")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise invalid(name, f"{name} must be between {minimum} and {maximum}.")
        return value

    return check


def whole_number(*, minimum: int = 1) -> Validator:
    """A whole number, given as one or (from a query string) as digits."""

    def check(name: str, value: Any) -> int:
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        return integer(minimum=minimum)(name, value)

    return check


def choice(*values: str) -> Validator:
    def check(name: str, value: Any) -> str:
        if value not in values:
            raise invalid(name, f"{name} must be one of: {', '.join(values)}.")
        return value

    return check


def list_of(item: Validator, *, max_items: int, min_items: int = 0) -> Validator:
    def check(name: str, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise invalid(name, f"{name} must be a list.")
        if not min_items <= len(value) <= max_items:
            raise invalid(name, f"{name} has {min_items} to {max_items} items.")
        return [item(name, v) for v in value]

    return check


def timestamp() -> Validator:
    """ISO 8601 with an explicit offset: a time without one is ambiguous, so it is refused."""

    def check(name: str, value: Any) -> datetime:
        if not isinstance(value, str) or len(value) > 40:
            raise invalid(name, f"{name} must be an ISO 8601 time with an offset.")
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise invalid(name, f"{name} must be an ISO 8601 time with an offset.") from None
        if parsed.tzinfo is None:
            raise invalid(name, f"{name} needs a UTC offset, e.g. 2026-01-05T18:00:00-05:00.")
        return parsed

    return check


def parse(data: Any, fields: Mapping[str, Validator | _Optional], *, allow_unknown: bool = False) -> dict[str, Any]:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise invalid("body", "The request body must be a JSON object.")
    if not allow_unknown:
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise invalid(str(unknown[0]), f"Unknown field: {unknown[0]}.")
    clean: dict[str, Any] = {}
    for name, spec in fields.items():
        value = data.get(name, _MISSING)
        if isinstance(spec, _Optional):
            clean[name] = spec.default if value is _MISSING or value is None else spec.validator(name, value)
        elif value is _MISSING or value is None:
            raise invalid(name, f"{name} is required.")
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
        raise invalid(name, f"{name} must be a date, YYYY-MM-DD.")

    return check

"""The one error type of the domain. Services raise it; HTTP views and socket handlers
translate it into the contract's shape: {"ok": false, "error": {"code", "message", ...}}."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


class WarmlineError(Exception):
    """A refusal a user can act on. `status` is the fitting HTTP status for the code."""

    def __init__(self, code: str, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        # str(): a message may be a lazy translation, rendered in the reader's language now.
        return {"ok": False, "error": {"code": self.code, "message": str(self.message), **self.extra}}


def invalid(field: str, message: str) -> WarmlineError:
    return WarmlineError("invalid", message, 400, field=field)


def forbidden(message: str | None = None) -> WarmlineError:
    return WarmlineError("forbidden", message or _("You are not allowed to do that."), 403)


def not_signed_in() -> WarmlineError:
    return WarmlineError("not_signed_in", _("Please sign in first."), 401)


def not_found(what: str | None = None) -> WarmlineError:
    if what is None:
        return WarmlineError("not_found", _("That was not found."), 404)
    return WarmlineError("not_found", _("%(what)s was not found.", what=what), 404)


def conflict(code: str, message: str, **extra: Any) -> WarmlineError:
    return WarmlineError(code, message, 409, **extra)

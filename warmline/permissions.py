"""Who may do what. `roles_required` guards every view and every socket event; predicates
take an explicit user (flaskbb's rule), so services, the CLI and tests can ask too."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_login import current_user

from warmline.errors import WarmlineError, not_signed_in
from warmline.logs import audit
from warmline.models.accounts import ADMIN, BILLING, COORDINATOR, MEMBER, MODERATOR, PEER, User

F = TypeVar("F", bound=Callable[..., Any])

ANY_SIGNED_IN = ()
MEMBERS = (MEMBER,)
PEERS = (PEER,)
MODERATORS = (MODERATOR, ADMIN)
COORDINATORS = (COORDINATOR, ADMIN)
STAFF = (PEER, MODERATOR, COORDINATOR, ADMIN)
# Payer records: plan member ids and enrolment links are for these roles only.
BILLERS = (BILLING, ADMIN)


def allowed(user: Any, roles: tuple[str, ...]) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return not roles or user.has_role(*roles)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Refuse unless the current user holds one of `roles` (any signed-in user if none).

    Raises WarmlineError: the HTTP error handler and the socket event wrapper each turn it
    into the contract's error shape."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                audit("authz_denied", target=view.__name__, reason="not_signed_in")
                raise not_signed_in()
            if not allowed(current_user, roles):
                audit("authz_denied", target=view.__name__, reason="role", required=list(roles))
                raise WarmlineError("forbidden", _("Your role does not allow that."), 403, reason="role")
            return view(*args, **kwargs)

        guarded.required_roles = roles  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Declares a route open to everyone, so the permission matrix knows it is on purpose."""
    view.required_roles = None  # type: ignore[attr-defined]
    return view


def is_staff(user: User) -> bool:
    return not user.is_member

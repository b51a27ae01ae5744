"""The quick exit's lock: a member who leaves in a hurry leaves this browser locked, so
someone who picks up the phone next sees nothing of theirs.

The lock is on the sign-in session (this browser), not the account: their other devices,
what they sent and what they posted are untouched. It opens with the member's recovery
code (checked, not used up) or a short PIN they chose; after PIN_TRIES wrong PINs only the
recovery code opens it. A member may choose "stay signed in on this device": then a quick
exit only leaves."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from warmline import bus, clock
from warmline.errors import WarmlineError, invalid
from warmline.extensions import db
from warmline.logs import audit
from warmline.models import AuthSession, Conversation, LiveSocket, User
from warmline.models.chat import ACTIVE, WAITING
from warmline.services import accounts

PIN_TRIES = 5
PIN_MIN, PIN_MAX = 4, 8


def _session(auth_session_id: int) -> AuthSession:
    found = db.session.get(AuthSession, auth_session_id)
    if found is None:
        raise WarmlineError("not_signed_in", _("Please sign in first."), 401)
    return found


def keeps_on_exit(auth_session_id: int | None) -> bool:
    if auth_session_id is None:
        return False
    return bool(db.session.scalar(sa.select(AuthSession.keep_on_exit).where(AuthSession.id == auth_session_id)))


def pin_tries_left(member: User) -> int:
    if not member.pin_hash:
        return 0
    return max(PIN_TRIES - (member.pin_failures or 0), 0)


def lock_state(member: User) -> dict[str, object]:
    """What the unlock screen may offer (nothing that identifies the member)."""
    left = pin_tries_left(member)
    return {"pin": left > 0, "pin_tries_left": left}


# Actions: one transaction each. -------------------------------------------------------------


def quick_exit(user: User, auth_session_id: int) -> bool:
    """The member left in a hurry: tell the peer of their open chat at once, and lock this
    browser unless they chose to stay signed in on it. True when it was locked."""
    conversation = db.session.scalar(
        sa.select(Conversation).where(Conversation.member_id == user.id, Conversation.status.in_((WAITING, ACTIVE)))
    )
    if conversation is not None and conversation.peer_id is not None:
        bus.announce("chat.quick_exit", conversation_id=conversation.id, peer_id=conversation.peer_id)
    auth_session = _session(auth_session_id)
    locked = user.is_member and not auth_session.keep_on_exit
    if locked and auth_session.locked_at is None:
        auth_session.locked_at = clock.now()
        # Its sockets close now: the chat's grace period runs as when a member goes away.
        sids = list(db.session.scalars(sa.select(LiveSocket.sid).where(LiveSocket.auth_session_id == auth_session.id)))
        if sids:
            bus.announce("sockets.disconnect", sids=sids)
    db.session.commit()
    audit("quick_exit", user_id=user.id, locked=locked)
    return locked


def unlock(sign_in: accounts.SignIn, *, pin: str | None = None, recovery_code: str | None = None) -> User:
    """Open a locked browser with the member's PIN or recovery code (which stays valid)."""
    member = db.session.get(User, sign_in.user.id)
    auth_session = _session(sign_in.session_id)
    if member is None or auth_session.locked_at is None:
        raise WarmlineError("not_locked", _("This device is not locked."), 409)
    if recovery_code:
        if not accounts.recovery_code_matches(member, recovery_code):
            audit("unlock_failed", user_id=member.id, by="recovery_code")
            raise WarmlineError("bad_credentials", _("That recovery code did not work. Check it and try again."), 401)
    elif pin:
        if pin_tries_left(member) == 0:
            raise WarmlineError(
                "pin_locked", _("Too many wrong PINs. Please use your recovery code to unlock."), 423, pin_tries_left=0
            )
        if not check_password_hash(member.pin_hash or "", pin):
            member.pin_failures = (member.pin_failures or 0) + 1
            db.session.commit()
            audit("unlock_failed", user_id=member.id, by="pin")
            left = pin_tries_left(member)
            message = (
                _("That PIN did not work. You can try %(n)d more times.", n=left)
                if left
                else _("That PIN did not work. Please use your recovery code to unlock.")
            )
            raise WarmlineError("bad_pin", message, 401, pin_tries_left=left)
    else:
        raise invalid("pin", _("Enter your PIN or your recovery code."))
    member.pin_failures = 0
    auth_session.locked_at = None
    db.session.commit()
    audit("unlocked", user_id=member.id, by="recovery_code" if recovery_code else "pin")
    return member


def set_pin(member: User, pin: str | None) -> None:
    """A PIN of PIN_MIN to PIN_MAX digits, or None to remove it."""
    if not member.is_member:
        raise invalid("pin", _("Only members have a PIN."))
    member = db.session.get(User, member.id) or member
    if pin is None:
        member.pin_hash = None
    else:
        if not (pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
            raise invalid("pin", _("A PIN is %(min)d to %(max)d digits.", min=PIN_MIN, max=PIN_MAX))
        member.pin_hash = accounts.hash_secret(pin)
    member.pin_failures = 0
    db.session.commit()
    audit("pin_set" if pin else "pin_removed", user_id=member.id)


def set_keep_on_exit(auth_session_id: int, keep: bool) -> None:
    """ "Stay signed in on this device": a quick exit from this browser only leaves."""
    _session(auth_session_id).keep_on_exit = keep
    db.session.commit()


def forget_device(sign_in: accounts.SignIn) -> None:
    """From the unlock screen: sign this browser out instead (someone else's phone)."""
    accounts.end_session(sign_in.user.session_token or "", "forgotten")
    db.session.commit()

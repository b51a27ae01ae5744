"""Settings from the environment (a `.env` file may set it too), read when the app is made."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def secret_key_from(instance_path: Path, name: str = "secret_key", variable: str = "SECRET_KEY") -> str:
    """The key kept under instance/, created once; O_EXCL makes the first process win."""
    path = instance_path / name
    instance_path.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if key:
            return key
        raise RuntimeError(f"{path} is empty: delete it or set {variable}") from None
    with os.fdopen(fd, "w") as out:
        key = secrets.token_urlsafe(48)
        out.write(key)
    return key


def from_environment(instance_path: Path) -> dict[str, object]:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'warmline.db'}"
    timezone = os.environ.get("WARMLINE_TIMEZONE", "America/New_York")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(f"WARMLINE_TIMEZONE={timezone!r} is not a known time zone") from exc
    origins = os.environ.get("WARMLINE_ALLOWED_ORIGINS", "")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secret_key_from(instance_path),
        # The escalation ledger's HMAC key: never stored in the database it protects.
        "LEDGER_KEY": os.environ.get("WARMLINE_LEDGER_KEY")
        or secret_key_from(instance_path, "ledger_key", "WARMLINE_LEDGER_KEY"),
        # Where the ledger's head is anchored after each append (default: under instance/).
        "LEDGER_ANCHOR_PATH": os.environ.get("WARMLINE_LEDGER_ANCHOR") or None,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        # The Redis pub/sub channel: processes of one deployment share it (tests use their own).
        "SOCKETIO_CHANNEL": os.environ.get("SOCKETIO_CHANNEL") or "warmline",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "WARMLINE_TIMEZONE": timezone,
        "ASYNC_MODE": os.environ.get("WARMLINE_ASYNC_MODE", "threading"),
        # Extra origins allowed to open a socket; by default only the page's own origin.
        "ALLOWED_ORIGINS": [o.strip() for o in origins.split(",") if o.strip()],
        # Number of trusted proxies in front (nginx: 1), so the scheme and host are right.
        "PROXY_COUNT": _int("WARMLINE_PROXY_COUNT", 0),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", False),
        "DB_POOL_SIZE": _int("WARMLINE_DB_POOL_SIZE", 10),
        # Payer records are off without it (services/phi.py encrypts with it).
        "PHI_KEY": _phi_key(),
        # Keys being retired: still read, never written (`billing rotate-key`, docs/billing.md).
        "PHI_OLD_KEYS": _phi_old_keys(),
        # Reports for outside eyes show counts of 1-10 in a breakdown cell as "<11".
        "REPORT_SMALL_CELL_RULE": _flag("WARMLINE_REPORT_SMALL_CELL_RULE", True),
        **tunables(),
    }


# Timers and limits an operator may tune without code: WARMLINE_<NAME>=<whole number>.
TUNABLE = (
    "CHAT_DEFAULT_CAPACITY",
    "CHAT_PEER_GRACE",
    "CHAT_MEMBER_GRACE",
    "CHAT_UNANSWERED",
    "CHAT_WAIT_OPTIONS_AFTER",
    "CHAT_RETENTION_DAYS",
    "SWEEP_INTERVAL",
    "SWEEP_LEASE_SECONDS",
    "SOCKET_SESSION_RECHECK",
    "QUEUE_UPDATE_DELAY_MS",
    "SOCKET_PING_INTERVAL",
    "SOCKET_PING_TIMEOUT",
    "PROCESS_TIMEOUT",
    "ESCALATION_ACK_SECONDS",
    "ESCALATION_FOLLOWUP_SECONDS",
    "FORUM_NEW_MEMBER_HOLD",
    "FORUM_FLAGS_TO_HIDE",
    "FORUM_LINK_HOLD",
    "RECORD_RETENTION_YEARS",
    "SHORT_ABANDON_SECONDS",
    "SERVICE_LEVEL_SECONDS",
    "CHAT_STEPPED_AWAY",
    "SIGNIN_FREE_FAILURES",
    "SIGNIN_BACKOFF_BASE_SECONDS",
    "SIGNIN_BACKOFF_MAX_SECONDS",
)


def _phi_key() -> str | None:
    key = os.environ.get("WARMLINE_PHI_KEY", "").strip() or None
    if key:
        from warmline.services.phi import check_key

        check_key(key)
    return key


def _phi_old_keys() -> list[str]:
    from warmline.services.phi import check_key

    keys = [k.strip() for k in os.environ.get("WARMLINE_PHI_OLD_KEYS", "").split(",") if k.strip()]
    for key in keys:
        check_key(key, "A key in WARMLINE_PHI_OLD_KEYS")
    return keys


def tunables() -> dict[str, int]:
    found = {}
    for name in TUNABLE:
        raw = os.environ.get(f"WARMLINE_{name}")
        if raw:
            if not raw.isdigit():
                raise RuntimeError(f"WARMLINE_{name}={raw!r} must be a whole number")
            found[name] = int(raw)
    return found


def normalise_database_url(url: str) -> str:
    """PostgreSQL goes through psycopg 3, which cooperates with gevent."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


DEFAULTS: dict[str, object] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "warmline_session",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # Forum posts are at most 10,000 characters; JSON escaping can grow that six-fold.
    "MAX_CONTENT_LENGTH": 128 * 1024,
    # An event larger than SOCKET_MESSAGE_MAX is answered `payload_too_large`; the transport
    # takes up to SOCKETIO_MAX_BUFFER so that such an event arrives to be answered (beyond it
    # Engine.IO closes the connection).
    "SOCKET_MESSAGE_MAX": 64 * 1024,
    "SOCKETIO_MAX_BUFFER": 256 * 1024,
    # The token lives as long as the session: a chat page stays open for hours.
    "WTF_CSRF_TIME_LIMIT": None,
    "WTF_CSRF_SSL_STRICT": True,
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "PASSWORD_HASH_METHOD": "scrypt",
    "STAFF_SESSION_HOURS": 12,
    "MEMBER_SESSION_DAYS": 30,
    "QUICK_EXIT_URL": "https://weather.com/",
    # Chat. Seconds unless named otherwise.
    "CHAT_DEFAULT_CAPACITY": 2,
    "CHAT_PEER_GRACE": 60,
    "CHAT_MEMBER_GRACE": 300,
    "CHAT_UNANSWERED": 180,
    # A waiting member disconnected this long has "stepped away": behind those connected.
    "CHAT_STEPPED_AWAY": 60,
    "CHAT_WAIT_OPTIONS_AFTER": 600,
    "CHAT_RETENTION_DAYS": 90,
    "CHAT_MESSAGE_RATE": "60/minute",
    "CHAT_EVENT_RATE": "240/minute",
    "SWEEP_INTERVAL": 5,
    # A dropped client is noticed within ping interval + ping timeout (about 45 s); keep
    # both below any proxy's idle timeout.
    "SOCKET_PING_INTERVAL": 25,
    "SOCKET_PING_TIMEOUT": 20,
    # Queue changes this close together share one queue:update / chat:queued snapshot.
    "QUEUE_UPDATE_DELAY_MS": 150,
    # A socket's sign-in is looked up at connect, then again at most this often (a revoked
    # session's sockets are closed at once; the recheck covers a lost close message).
    "SOCKET_SESSION_RECHECK": 60,
    "SWEEP_LEASE_SECONDS": 20,
    "PROCESS_TIMEOUT": 30,
    # Escalations: unacknowledged this long goes to every coordinator; a high or imminent
    # one not reviewed and followed up this long is overdue.
    "ESCALATION_ACK_SECONDS": 300,
    "ESCALATION_FOLLOWUP_SECONDS": 24 * 3600,
    "RISK_EXTRA_PHRASES": None,
    # The learned risk model beside the rules (warmline/risk); "" turns it off (rules only).
    "RISK_MODEL_PATH": os.environ.get(
        "WARMLINE_RISK_MODEL", str(Path(__file__).parent / "risk" / "data" / "model.npz")
    ),
    # Forums.
    "FORUM_NEW_MEMBER_HOLD": 2,
    "FORUM_FLAGS_TO_HIDE": 3,
    # A member with fewer published posts than this has a post with a link held for review.
    "FORUM_LINK_HOLD": 5,
    "FORUM_EDIT_MINUTES": 30,
    "FORUM_PAGE_SIZE": 25,
    "FORUM_CLAIM_MINUTES": 15,
    # Encounters, contact notes and claim records are kept this long after the transcript
    # purge (payers may audit claims for years).
    "RECORD_RETENTION_YEARS": 7,
    # Reports: an unanswered chat that ended sooner than this is short-abandoned, not
    # abandoned; an answer within the service-level seconds counts toward the service level.
    "SHORT_ABANDON_SECONDS": 30,
    "SERVICE_LEVEL_SECONDS": 60,
    "REPORT_SMALL_CELL_RULE": True,
    # Sign-in backoff per account (warmline/services/signin_backoff.py).
    "SIGNIN_FREE_FAILURES": 5,
    "SIGNIN_BACKOFF_BASE_SECONDS": 1,
    "SIGNIN_BACKOFF_MAX_SECONDS": 300,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
}

"""Every /chat event, fed arbitrary payloads (Hypothesis) from a member, a peer in a live
conversation and a coordinator (who may monitor it): the ack is always `{"ok": true, ...}` or
the contract's error shape, and never a server error."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.chat_support import Socket, on_duty_peer
from tests.support import make_staff
from tests.test_chat import start_conversation

FIELD_NAMES = [
    "conversation_id",
    "client_id",
    "body",
    "after_seq",
    "typing",
    "reason",
    "risk_level",
    "action",
    "notes",
    "consent",
    "available",
    "topic",
    "resource_id",
    "to_peer_id",
    "note",
    "open",
    "in_danger",
    "same_peer",
]
# Any text, lone surrogates included (JSON can carry them, no database can store them).
TEXT = st.text(st.characters() | st.characters(categories=["Cs"]), max_size=40) | st.sampled_from(
    ["", " ", "\x00", "\ud800", "²", "1", "-1", "high", "moderate", "other", "consented", "x" * 2001]
)
NUMBERS = st.integers() | st.sampled_from([0, -1, 1, 2, 2**31 - 1, 2**31, 2**63, 10**20]) | st.floats()
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=20
)
PAYLOADS = (
    st.dictionaries(st.sampled_from(FIELD_NAMES), SCALARS | JSON, max_size=6)
    | st.dictionaries(st.sampled_from(FIELD_NAMES) | TEXT, JSON, max_size=4)
    | JSON
)
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def assert_contract_shaped(event: str, payload: Any, ack: Any) -> None:
    assert isinstance(ack, dict), (event, payload, ack)
    if ack.get("ok") is True:
        return
    assert ack.get("ok") is False, (event, payload, ack)
    error = ack["error"]
    assert CODE.match(error["code"]) and isinstance(error["message"], str), (event, payload, ack)
    assert error["code"] not in ("server_error", "unavailable"), (event, payload, ack)


def test_every_event_answers_any_payload_in_the_contract_shape(app, api, new_api):
    from warmline.realtime.protocol import FIELDS, REGISTRY
    from warmline.services import resources

    # Every field some event reads is among the names the untyped payloads draw on.
    assert {name for names in FIELDS.values() for name in names} <= set(FIELD_NAMES)
    api.join()
    member = Socket(app, api)
    on_duty_peer(app, "pat")
    peer_api = new_api()
    peer_api.login("pat")
    peer = Socket(app, peer_api)
    make_staff(app, "cory", "coordinator")
    coordinator_api = new_api()
    coordinator_api.login("cory")
    sockets = {"member": member, "peer": peer, "coordinator": Socket(app, coordinator_api)}
    conversation_id = start_conversation(member, peer)
    with app.app_context():
        resource_id = resources.create({"name": "Warm line", "category": "crisis"}).id
    events = sorted(REGISTRY)
    live = {"conversation_id": conversation_id, "resource_id": resource_id}

    def shaped(event: str) -> st.SearchStrategy[dict[str, Any]]:
        """The event's own fields with odd values, most naming the live conversation (and a
        real resource)."""
        values = {name: st.just(live[name]) | SCALARS if name in live else SCALARS for name in FIELDS[event]}
        return st.fixed_dictionaries({}, optional=values)

    cases = st.sampled_from(events).flatmap(lambda e: st.tuples(st.just(e), shaped(e) | PAYLOADS))

    # What the hostile test sent, for certain: every field of every event a lone surrogate,
    # a NUL, a number past the database; then a message the handler stores, with odd text.
    odd_values = ["\ud800", "\x00", 2**31, 10**20, -(2**63), "²", {"a": [1]}, 1.5]
    examples = [(e, {f: v for f in FIELDS[e]}) for e in events for v in odd_values]
    message = {"conversation_id": conversation_id, "client_id": "c1"}
    examples += [("message:send", {**message, "body": body}) for body in ("x\ud800", "a\x00b", "\u202e" * 3)]

    @given(case=cases, sender=st.sampled_from(sorted(sockets)))
    @settings(
        max_examples=600,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: tuple[str, Any], sender: str) -> None:
        event, payload = case
        ack = sockets[sender].call(event, payload)
        assert_contract_shaped(event, payload, ack)
        for socket in sockets.values():
            socket.events("message:new")  # drain what the calls made arrive

    for case in examples:
        for sender in sockets:
            run = example(case=case, sender=sender)(run)
    run()

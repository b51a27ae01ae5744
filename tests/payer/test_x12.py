"""The 837P builder on its own, through pyx12: several subscribers and claims, a
replacement, separators inside values, and the counts the envelope carries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tests.payer.test_payer_api import validate_837p
from warmline.services import x12_837p as x12


def interchange(*subscribers: x12.Subscriber) -> x12.Interchange:
    provider = x12.Provider(
        "Peer Line Collective", "1234567893", "123456789", x12.Address("12 Main St", "Albany", "NY", "122070001")
    )
    return x12.Interchange(
        7,
        "123456789",
        "EVG01",
        datetime(2026, 3, 5, 12, 0, tzinfo=UTC),
        provider,
        "Evergreen",
        "EVG01",
        list(subscribers),
    )


def subscriber(member_id: str, *claims: x12.Claim) -> x12.Subscriber:
    return x12.Subscriber(member_id, "Robin", "Quill", "1980-04-09", "F", None, list(claims))


def claim(number: int, frequency: str = "1", npi: str = "") -> x12.Claim:
    line = x12.Line("H0038", ["HQ"], Decimal("25.00"), 2, date(2026, 3, 2), "10")
    reference = f"WL{number}" if frequency != "1" else ""
    return x12.Claim(f"WL{number}", frequency, "10", "F32.9", [line], "pat", npi, reference)


def test_two_subscribers_several_claims_validate():
    text = x12.build(
        interchange(subscriber("A1", claim(1, npi="1234567893"), claim(2)), subscriber("B*2~", claim(3, "7")))
    )
    ok, errors = validate_837p(text)
    assert ok, errors
    segments = text.strip().split("\n")
    assert sum(s.startswith("CLM*") for s in segments) == 3
    assert sum(s.startswith("HL*") for s in segments) == 3
    st, se = segments.index("ST*837*0001*005010X222A1~"), next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    assert segments[se] == f"SE*{se - st + 1}*0001~"
    assert "NM1*IL*1*QUILL*ROBIN****MI*B 2~" in segments  # separators never leak into a value
    assert "HI*ABK:F329~" in segments
    assert segments[0].startswith(
        "ISA*00*          *00*          *ZZ*123456789      *ZZ*EVG01          *260305*1200*^*00501*000000007*0*P*:~"
    )


def test_isa_is_fixed_width():
    isa = x12.isa(interchange(subscriber("A1", claim(1))))
    assert len(isa) == 106

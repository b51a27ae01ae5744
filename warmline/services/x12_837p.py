"""An X12 005010X222A1 837P (professional claim) writer: one function per segment or loop,
plain data in, text out. No database and no Flask here; services/claims.py gathers the data.

Separators: `*` elements, `:` components, `^` repetitions, `~` segments (one per line)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

ELEMENT, COMPONENT, REPETITION, TERMINATOR = "*", ":", "^", "~"
VERSION = "005010X222A1"
_NOT_ALLOWED = str.maketrans({c: " " for c in (ELEMENT, COMPONENT, REPETITION, TERMINATOR, "\n", "\r")})


@dataclass
class Address:
    line: str
    city: str
    state: str
    zip: str


@dataclass
class Provider:
    name: str
    npi: str
    tax_id: str
    address: Address
    phone: str = ""


@dataclass
class Line:
    code: str
    modifiers: list[str]
    charge: Decimal
    units: int
    service_date: date
    place_of_service: str


@dataclass
class Claim:
    control_number: str  # CLM01, the patient control number
    frequency: str  # 1 original, 7 replacement, 8 void
    place_of_service: str
    diagnosis_code: str
    lines: list[Line]
    rendering_name: str = ""
    rendering_npi: str = ""
    original_reference: str = ""  # REF*F8 for a replacement or a void

    @property
    def total(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))


@dataclass
class Subscriber:
    member_id: str
    first_name: str
    last_name: str
    birth_date: str  # YYYY-MM-DD
    sex: str  # F, M or U
    address: Address | None
    claims: list[Claim] = field(default_factory=list)


@dataclass
class Interchange:
    control_number: int
    sender_id: str
    receiver_id: str
    created_at: datetime
    billing_provider: Provider
    payer_name: str
    payer_id: str
    subscribers: list[Subscriber]
    claim_filing_code: str = "CI"
    production: bool = True


def clean(value: object) -> str:
    """Element text: no separator may appear inside a value."""
    return " ".join(str(value).translate(_NOT_ALLOWED).split()).upper()


def segment(tag: str, *elements: object) -> str:
    values = [clean(e) for e in elements]
    while values and values[-1] == "":
        values.pop()
    return ELEMENT.join([tag, *values]) + TERMINATOR


def money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def d8(day: date | str) -> str:
    return day.replace("-", "") if isinstance(day, str) else day.strftime("%Y%m%d")


# Envelope ----------------------------------------------------------------------------------


def isa(x: Interchange) -> str:
    # Fixed width: the ISA is the one segment whose elements are padded.
    fields = [
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        clean(x.sender_id)[:15].ljust(15),
        "ZZ",
        clean(x.receiver_id)[:15].ljust(15),
        x.created_at.strftime("%y%m%d"),
        x.created_at.strftime("%H%M"),
        REPETITION,
        "00501",
        f"{x.control_number:09d}",
        "0",
        "P" if x.production else "T",
        COMPONENT,
    ]
    return ELEMENT.join(["ISA", *fields]) + TERMINATOR


def gs(x: Interchange) -> str:
    return segment(
        "GS",
        "HC",
        x.sender_id,
        x.receiver_id,
        x.created_at.strftime("%Y%m%d"),
        x.created_at.strftime("%H%M"),
        x.control_number,
        "X",
        VERSION,
    )


def st() -> str:
    return segment("ST", "837", "0001", VERSION)


def bht(x: Interchange) -> str:
    return segment(
        "BHT", "0019", "00", x.control_number, x.created_at.strftime("%Y%m%d"), x.created_at.strftime("%H%M"), "CH"
    )


def se(count: int) -> str:
    return segment("SE", count, "0001")


def ge(x: Interchange) -> str:
    return segment("GE", 1, x.control_number)


def iea(x: Interchange) -> str:
    return segment("IEA", 1, f"{x.control_number:09d}")


# Loops -------------------------------------------------------------------------------------


def n3_n4(address: Address) -> list[str]:
    return [segment("N3", address.line), segment("N4", address.city, address.state, address.zip.replace("-", ""))]


def loop_1000a_submitter(x: Interchange) -> list[str]:
    provider = x.billing_provider
    return [
        segment("NM1", "41", "2", provider.name, "", "", "", "", "46", x.sender_id),
        segment("PER", "IC", provider.name, "TE", provider.phone or "0000000000"),
    ]


def loop_1000b_receiver(x: Interchange) -> list[str]:
    return [segment("NM1", "40", "2", x.payer_name, "", "", "", "", "46", x.receiver_id)]


def loop_2000a_billing_provider(x: Interchange) -> list[str]:
    provider = x.billing_provider
    return [
        segment("HL", "1", "", "20", "1"),
        segment("NM1", "85", "2", provider.name, "", "", "", "", "XX", provider.npi),
        *n3_n4(provider.address),
        segment("REF", "EI", provider.tax_id),
    ]


def loop_2000b_subscriber(x: Interchange, subscriber: Subscriber, hl: int) -> list[str]:
    segments = [
        segment("HL", hl, "1", "22", "0"),
        # Primary payer; the patient is the subscriber (18); the payer's filing code.
        segment("SBR", "P", "18", "", "", "", "", "", "", x.claim_filing_code),
        *loop_2010ba_subscriber_name(subscriber),
        *loop_2010bb_payer(x),
    ]
    for claim in subscriber.claims:
        segments += loop_2300_claim(claim)
    return segments


def loop_2010ba_subscriber_name(subscriber: Subscriber) -> list[str]:
    segments = [
        segment("NM1", "IL", "1", subscriber.last_name, subscriber.first_name, "", "", "", "MI", subscriber.member_id)
    ]
    if subscriber.address is not None:
        segments += n3_n4(subscriber.address)
    segments.append(segment("DMG", "D8", d8(subscriber.birth_date), subscriber.sex or "U"))
    return segments


def loop_2010bb_payer(x: Interchange) -> list[str]:
    return [segment("NM1", "PR", "2", x.payer_name, "", "", "", "", "PI", x.payer_id)]


def clm(claim: Claim) -> str:
    # CLM05 is a composite (place of service : B : frequency), so it is joined here.
    place = COMPONENT.join([clean(claim.place_of_service), "B", clean(claim.frequency)])
    return (
        ELEMENT.join(["CLM", clean(claim.control_number), money(claim.total), "", "", place, "Y", "A", "Y", "Y"])
        + TERMINATOR
    )


def hi(claim: Claim) -> str:
    return ELEMENT.join(["HI", "ABK" + COMPONENT + clean(claim.diagnosis_code).replace(".", "")]) + TERMINATOR


def loop_2300_claim(claim: Claim) -> list[str]:
    segments = [clm(claim)]
    if claim.frequency != "1" and claim.original_reference:
        segments.append(segment("REF", "F8", claim.original_reference))
    segments.append(hi(claim))
    if claim.rendering_npi:
        segments += loop_2310b_rendering_provider(claim)
    for number, line in enumerate(claim.lines, start=1):
        segments += loop_2400_service_line(number, line)
    return segments


def loop_2310b_rendering_provider(claim: Claim) -> list[str]:
    return [segment("NM1", "82", "1", claim.rendering_name or "PEER", "", "", "", "", "XX", claim.rendering_npi)]


def sv1(line: Line) -> str:
    procedure = COMPONENT.join(["HC", clean(line.code), *(clean(m) for m in line.modifiers)])
    return ELEMENT.join(["SV1", procedure, money(line.charge), "UN", str(line.units), "", "", "1"]) + TERMINATOR


def loop_2400_service_line(number: int, line: Line) -> list[str]:
    return [segment("LX", number), sv1(line), segment("DTP", "472", "D8", d8(line.service_date))]


def build(x: Interchange) -> str:
    """The whole file; the transaction set (ST to SE) counts its own segments."""
    body = [st(), bht(x), *loop_1000a_submitter(x), *loop_1000b_receiver(x), *loop_2000a_billing_provider(x)]
    for hl, subscriber in enumerate(x.subscribers, start=2):
        body += loop_2000b_subscriber(x, subscriber, hl)
    body.append(se(len(body) + 1))
    return "\n".join([isa(x), gs(x), *body, ge(x), iea(x)]) + "\n"

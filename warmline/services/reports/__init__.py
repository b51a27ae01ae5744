"""Programme reports: what the line did over a range, computed by aggregate SQL. One
module per family (contacts, surveys, ...) over `base`, which owns the range and the zone."""

from __future__ import annotations

import csv
import io
from typing import Any

import sqlalchemy as sa

from warmline.extensions import db
from warmline.models import User
from warmline.services import checkins
from warmline.services.hours import iso
from warmline.services.reports.base import Range, day_of, make_range
from warmline.services.reports.contacts import ContactsReport
from warmline.services.reports.demand import DemandReport
from warmline.services.reports.forums import ForumReport
from warmline.services.reports.notes import NotesReport
from warmline.services.reports.staffing import StaffingReport
from warmline.services.reports.surveys import SurveyReport

__all__ = ["Range", "make_range", "contacts", "contacts_csv", "programme", "ContactsReport"]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def contacts(report_range: Range) -> dict[str, Any]:
    """The contract's `GET /api/v1/reports/contacts` answer (without "ok")."""
    report = ContactsReport(report_range)
    with report.facts.materialized():
        return _contacts(report)


def _contacts(report: ContactsReport) -> dict[str, Any]:
    return {
        **report.range.to_json(),
        **report.summary(),
        "speed_to_answer_p90_seconds": report.speed_to_answer_p90(),
        "repeat_members": report.repeat_members(),
        "escalations_by": report.escalations_by(),
        "by_hour": report.by_hour(),
        "survey": SurveyReport(report.facts).summary(),
    }


def programme(report_range: Range, *, with_peers: bool = False) -> dict[str, Any]:
    """Everything the reports page shows: the contract's contacts figures, the breakdowns,
    notes, staffing, forums and unmet demand; per peer only when asked (coordinators)."""
    report = ContactsReport(report_range)
    with report.facts.materialized():
        return _programme(report, with_peers)


def _programme(report: ContactsReport, with_peers: bool) -> dict[str, Any]:
    report_range = report.range
    notes = NotesReport(report.facts)
    staffing = StaffingReport(report_range)
    data = {
        **_contacts(report),
        "by_day": report.by_period("day"),
        "by_week": report.by_period("week"),
        "by_month": report.by_period("month"),
        "wait_distribution": report.wait_distribution(),
        "notes": {**notes.summary(), **notes.by_code()},
        "staffing": staffing.summary(),
        "forums": ForumReport(report_range).summary(),
        "demand": DemandReport(report_range).summary(),
        # Follow-up check-ins are their own kind of contact, counted apart from requests.
        "checkins": checkins.counts(report_range.start, report_range.end),
    }
    if with_peers:
        data["by_peer"] = _by_peer(report, staffing)
    return data


def _by_peer(report: ContactsReport, staffing: StaffingReport) -> list[dict[str, Any]]:
    conversations = {row["peer_id"]: row for row in report.by_peer()}
    hours = staffing.by_peer()
    ids = sorted(set(conversations) | set(hours))
    handles = dict(db.session.execute(sa.select(User.id, User.handle).where(User.id.in_(ids))).all()) if ids else {}
    return [
        {
            "peer_id": peer_id,
            "handle": handles.get(peer_id, ""),
            "answered": conversations.get(peer_id, {}).get("answered", 0),
            "average_handle_seconds": conversations.get(peer_id, {}).get("average_handle_seconds"),
            "average_first_response_seconds": conversations.get(peer_id, {}).get("average_first_response_seconds"),
            **hours.get(peer_id, StaffingReport._figures({})),
        }
        for peer_id in ids
    ]


def survey_comments(report_range: Range) -> list[Any]:
    return SurveyReport(ContactsReport(report_range).facts).comments()


CSV_HEADER = (
    "conversation_id",
    "requested_at_utc",
    "local_date",
    "local_hour",
    "weekday",
    "outcome",
    "wait_seconds",
    "handle_seconds",
    "first_response_seconds",
    "end_reason",
    "risk",
    "peer_id",
    "escalations",
)


def _cell(value: Any) -> Any:
    return "" if value is None else round(float(value), 1) if isinstance(value, float) else value


def contacts_csv(report_range: Range) -> str:
    """One row per conversation requested in the range: no member id, handle or free text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in ContactsReport(report_range).rows():
        wait = row.wait_answer if row.outcome == "answered" else row.wait_left
        writer.writerow(
            [
                row.id,
                iso(row.requested_at),
                day_of(row.local_day).isoformat(),
                int(row.local_hour),
                WEEKDAY_NAMES[int(row.local_weekday)],
                row.outcome,
                _cell(None if wait is None else float(wait)),
                _cell(None if row.handle is None else float(row.handle)),
                _cell(None if row.first_response is None else float(row.first_response)),
                row.end_reason or "",
                row.risk,
                row.peer_id or "",
                int(row.escalations),
            ]
        )
    return out.getvalue()

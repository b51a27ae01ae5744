"""Programme reports: what the line did over a range, computed by aggregate SQL. One
module per family (contacts, surveys, ...) over `base`, which owns the range and the zone."""

from __future__ import annotations

import csv
import io
from typing import Any

from warmline.services.hours import iso
from warmline.services.reports.base import Range, day_of, make_range
from warmline.services.reports.contacts import ContactsReport
from warmline.services.reports.surveys import SurveyReport

__all__ = ["Range", "make_range", "contacts", "contacts_csv"]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def contacts(report_range: Range) -> dict[str, Any]:
    """The contract's `GET /api/v1/reports/contacts` answer (without "ok")."""
    report = ContactsReport(report_range)
    return {
        **report_range.to_json(),
        **report.summary(),
        "speed_to_answer_p90_seconds": report.speed_to_answer_p90(),
        "escalations_by": report.escalations_by(),
        "by_hour": report.by_hour(),
        "survey": SurveyReport(report.facts).summary(),
    }


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

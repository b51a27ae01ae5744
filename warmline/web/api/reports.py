"""Programme reports over HTTP (coordinators, admins) and the member's survey."""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from warmline.models.chat import risk_rank
from warmline.models.surveys import HELPED, WOULD_OTHERWISE
from warmline.permissions import COORDINATORS, MEMBERS, MODERATORS, roles_required
from warmline.services import coverage, reports, risk_verdicts, surveys
from warmline.services.hours import iso
from warmline.validation import boolean, choice, optional, text
from warmline.web.api import body, bp, ok


def requested_range() -> reports.Range:
    return reports.make_range(request.args.get("from") or None, request.args.get("to") or None)


@bp.get("/reports/contacts")
@roles_required(*COORDINATORS)
def contacts_report() -> tuple[Response, int]:
    return ok(**reports.contacts(requested_range()))


@bp.get("/reports/risk-verdicts")
@roles_required(*COORDINATORS, *MODERATORS)
def risk_verdicts_report() -> tuple[Response, int]:
    """How the risk detector read this forum's posts and the chats, by the moderators' and peers' verdicts."""
    report_range = requested_range()
    return ok(
        **{"from": iso(report_range.start), "to": iso(report_range.end)},
        **risk_verdicts.summary(report_range.start, report_range.end),
    )


@bp.get("/reports/programme")
@roles_required(*COORDINATORS)
def programme_report() -> tuple[Response, int]:
    """Everything on the reports page, per peer included (coordinators and admins only)."""
    return ok(**reports.programme(requested_range(), with_peers=True))


@bp.get("/reports/contacts.csv")
@roles_required(*COORDINATORS)
def contacts_csv() -> Response:
    report_range = requested_range()
    response = Response(reports.contacts_csv(report_range), mimetype="text/csv")
    name = f"contacts-{report_range.first_day:%Y%m%d}-{report_range.last_day:%Y%m%d}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/conversations/<int:conversation_id>/survey")
@roles_required(*MEMBERS)
def answer_survey(conversation_id: int) -> tuple[Response, int]:
    data = body(
        {
            "helped": choice(*HELPED),
            "felt_heard": boolean(),
            "would_otherwise": optional(choice(*WOULD_OTHERWISE)),
            "comment": optional(text(max_len=surveys.COMMENT_MAX, min_len=0, multiline=True), ""),
        }
    )
    survey = surveys.submit(current_user, conversation_id, **data)
    extra = {"resources": coverage.RESOURCES} if risk_rank(survey.comment_risk) >= risk_rank("moderate") else {}
    return ok(201, survey=surveys.survey_json(survey), **extra)

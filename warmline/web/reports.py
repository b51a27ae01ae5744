"""Report pages for coordinators and admins: the programme report with its charts, the
printable monthly summary for a funder (small cells suppressed), and the coded lists."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from warmline import clock
from warmline.errors import WarmlineError
from warmline.models.reporting import CODE_KINDS
from warmline.permissions import COORDINATORS, roles_required
from warmline.services import coding, hours, reports, risk_verdicts
from warmline.services.reports.base import this_month
from warmline.web import charts

bp = Blueprint("reports", __name__, url_prefix="/reports")

WOULD_OTHERWISE_LABELS = {
    "er": "Emergency room",
    "911": "Called 911",
    "988": "Called or texted 988",
    "crisis_line": "Another crisis line",
    "nothing": "Nothing",
    "not_sure": "Not sure",
}


def presets(today: date) -> list[tuple[str, date, date]]:
    """(label, first day, last day) of this month, last month and last quarter."""
    first, following = this_month(today)
    last_month_end = first - timedelta(days=1)
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    previous_quarter_end = quarter_start - timedelta(days=1)
    previous_quarter_start = date(previous_quarter_end.year, previous_quarter_end.month - 2, 1)
    return [
        ("This month", first, following - timedelta(days=1)),
        ("Last month", last_month_end.replace(day=1), last_month_end),
        ("Last quarter", previous_quarter_start, previous_quarter_end),
    ]


def _day_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _page_range(today: date) -> tuple[date, date]:
    """The page's days, both inclusive (people pick the last day, not the day after)."""
    _, first, last = presets(today)[0]
    start, end = _day_arg("from") or first, _day_arg("to") or last
    return (start, end) if end >= start else (end, start)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def small_cell(count: int | None) -> str:
    """The small-cell rule for outside eyes: 1-10 in a breakdown cell is shown as "<11"."""
    if count is None:
        return "–"
    if current_app.config["REPORT_SMALL_CELL_RULE"] and 1 <= count <= 10:
        return "<11"
    return str(count)


@bp.app_template_filter("duration")
def _duration(seconds: float | None) -> str:
    return duration(seconds)


@bp.app_template_filter("percent")
def _percent(rate: float | None) -> str:
    return percent(rate)


@bp.app_template_filter("small_cell")
def _small_cell(count: int | None) -> str:
    return small_cell(count)


def build_charts(data: dict[str, Any]) -> dict[str, charts.Chart]:
    survey = data["survey"]
    return {
        "volume": charts.bars(
            [(d["period"][5:], [d["offered"], d["answered"]]) for d in data["by_day"]], ("offered", "answered")
        ),
        "heatmap": charts.heatmap(data["by_hour"]),
        "waits": charts.bars([(wait_label(w), [w["answered"]]) for w in data["wait_distribution"]], ("answered",)),
        "helped": charts.horizontal([(k.capitalize(), v) for k, v in survey["helped"].items()]),
        "otherwise": charts.horizontal([(WOULD_OTHERWISE_LABELS[k], v) for k, v in survey["would_otherwise"].items()]),
    }


def _short(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds >= 60 and seconds % 60 == 0 else f"{seconds} s"


def wait_label(bucket: dict[str, Any]) -> str:
    """ "under 30 s", "30 s–1 min", ..., "10 min or more"."""
    low, high = bucket["from_seconds"], bucket["to_seconds"]
    if high is None:
        return f"{_short(low)} or more"
    return f"under {_short(high)}" if low == 0 else f"{_short(low)}–{_short(high)}"


@bp.get("")
@roles_required(*COORDINATORS)
def page() -> str:
    tz = hours.zone()
    today = clock.now().astimezone(tz).date()
    start, end = _page_range(today)
    try:
        report_range = reports.make_range(start.isoformat(), (end + timedelta(days=1)).isoformat())
    except WarmlineError as error:  # e.g. more days than a report covers: this month instead
        flash(error.message, "error")
        _, start, end = presets(today)[0]
        report_range = reports.make_range(start.isoformat(), (end + timedelta(days=1)).isoformat())
    data = reports.programme(report_range, with_peers=True)
    return render_template(
        "reports/page.html",
        data=data,
        charts=build_charts(data),
        start=start,
        end=end,
        presets=presets(today),
        zone=tz.key,
        wait_label=wait_label,
        otherwise_labels=WOULD_OTHERWISE_LABELS,
        csv_args={"from": start.isoformat(), "to": (end + timedelta(days=1)).isoformat()},
        closed_grid={(d["weekday"], d["hour"]): d["requests"] for d in data["demand"]["closed_by_hour"]},
        detector=risk_verdicts.summary(report_range.start, report_range.end),
    )


@bp.get("/summary")
@roles_required(*COORDINATORS)
def summary() -> str:
    """One printable page for a funder: a month's figures, small cells suppressed."""
    tz = hours.zone()
    today = clock.now().astimezone(tz).date()
    try:
        month = datetime.strptime(request.args.get("month", ""), "%Y-%m").date()
    except ValueError:
        month = presets(today)[1][1]
    first, following = this_month(month)
    report_range = reports.make_range(first.isoformat(), following.isoformat())
    return render_template(
        "reports/summary.html",
        data=reports.programme(report_range),
        month=first,
        zone=tz.key,
        wait_label=wait_label,
        otherwise_labels=WOULD_OTHERWISE_LABELS,
        suppressed=current_app.config["REPORT_SMALL_CELL_RULE"],
    )


@bp.get("/comments")
@roles_required(*COORDINATORS)
def comments_page() -> str:
    """What members wrote in the survey (anonymous; never with the peer's name)."""
    tz = hours.zone()
    _, first, last = presets(clock.now().astimezone(tz).date())[0]
    start, end = _day_arg("from") or first, _day_arg("to") or last
    try:
        report_range = reports.make_range(start.isoformat(), (end + timedelta(days=1)).isoformat())
    except WarmlineError as error:
        flash(error.message, "error")
        start, end = first, last
        report_range = reports.make_range(start.isoformat(), (end + timedelta(days=1)).isoformat())
    return render_template(
        "reports/comments.html",
        comments=reports.survey_comments(report_range),
        start=start,
        end=end,
        otherwise_labels=WOULD_OTHERWISE_LABELS,
    )


@bp.get("/codes")
@roles_required(*COORDINATORS)
def codes_page() -> str:
    return render_template("reports/codes.html", codes=coding.codes(include_retired=True), kinds=CODE_KINDS)


@bp.post("/codes")
@roles_required(*COORDINATORS)
def add_code() -> Response:
    try:
        code = coding.add_code(request.form.get("kind", ""), request.form.get("label", ""))
        flash(f"“{code.label}” is on the list.")
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("reports.codes_page"))


@bp.post("/codes/<int:code_id>/retire")
@roles_required(*COORDINATORS)
def retire_code(code_id: int) -> Response:
    try:
        code = coding.retire_code(code_id)
        flash(f"“{code.label}” is off the list; notes that have it keep it.")
    except WarmlineError as error:
        flash(error.message, "error")
    return redirect(url_for("reports.codes_page"))

"""The billing staff's page: payers, enrolments (a link code shown once), the encounter list
with its not-billable reasons, the case-rate month and the exports. Without WARMLINE_PHI_KEY
it says how to turn payer features on."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from warmline import clock
from warmline.errors import WarmlineError
from warmline.extensions import limiter
from warmline.models.payers import CLAIM_FILING_CODES, CONSENT, PLACES_OF_SERVICE, ROUNDING
from warmline.permissions import BILLERS, MEMBERS, roles_required
from warmline.services import encounters, payers, phi
from warmline.services.hours import iso, zone

bp = Blueprint("billing", __name__, url_prefix="/billing")


@bp.after_request
def _not_kept(response: Response) -> Response:
    """Billing pages may show protected details: no browser or proxy keeps a copy."""
    response.headers["Cache-Control"] = "no-store"
    return response


REASON_LABELS = {
    None: "billable",
    "not_enrolled": "not enrolled",
    "no_credential": "peer not certified that day",
    "no_note": "no contact note by the final peer",
    "too_short": "under one unit",
    "daily_cap": "daily cap reached",
}


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        return None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), zone())


def _form_payer() -> dict[str, Any]:
    """The payer form, as the API's body: blank optional fields mean unset."""
    form = request.form

    def number(name: str) -> int | None:
        raw = form.get(name, "").strip()
        return int(raw) if raw.isdigit() else None

    return {
        "name": form.get("name", "").strip()[:60],
        "payer_identifier": form.get("payer_identifier", "").strip()[:80],
        "service_code": form.get("service_code", "").strip().upper()[:10],
        "modifiers": [m for m in form.get("modifiers", "").replace(",", " ").upper().split() if len(m) == 2][:4],
        "unit_minutes": number("unit_minutes") or 15,
        "rounding": form.get("rounding", "midpoint"),
        "rate_per_unit": form.get("rate_per_unit", "").strip() or None,
        "max_units_per_day": number("max_units_per_day"),
        "place_of_service": form.get("place_of_service", "10"),
        "claim_filing_code": form.get("claim_filing_code", "CI"),
        "case_rate": {"min_contacts": number("min_contacts"), "min_minutes": number("min_minutes")},
        "billing_provider": {name: form.get(f"provider_{name}", "").strip()[:60] for name in payers.PROVIDER_FIELDS},
    }


def _page(**extra: Any) -> str:
    if not phi.enabled():
        return render_template("billing/off.html", help=phi.KEY_HELP)
    today = clock.now().astimezone(zone()).date()
    start_day = _day(request.args.get("from")) or today.replace(day=1)
    end_day = _day(request.args.get("to")) or today
    start, end = _local_midnight(start_day), _local_midnight(end_day + timedelta(days=1))
    payer_id = request.args.get("payer_id", type=int)
    reason = request.args.get("reason") or None
    found = encounters.encounters(current_user, start, end, payer_id=payer_id)
    if reason == "billable":
        found = [e for e in found if e.billing and e.billing.billable]
    elif reason:
        found = [e for e in found if e.billing and e.billing.reason == reason]
    all_payers = payers.all_payers()
    month = request.args.get("month") or f"{today:%Y-%m}"
    case_payer = next((p for p in all_payers if p.id == request.args.get("case_payer_id", type=int)), None)
    case_rows = encounters.case_rates(current_user, case_payer, month) if case_payer else []
    linked = phi.linked_enrolment_ids(current_user)
    return render_template(
        "billing/index.html",
        payers=all_payers,
        payer_names={p.id: p.name for p in all_payers},
        enrolments=phi.enrolments(current_user),
        linked=linked,
        encounters=found,
        reasons=REASON_LABELS,
        filters={"from": start_day.isoformat(), "to": end_day.isoformat(), "payer_id": payer_id, "reason": reason},
        export_range={"from": iso(start), "to": iso(end)},
        month=month,
        case_payer=case_payer,
        case_rows=case_rows,
        consent=CONSENT,
        **_choices(),
        **extra,
    )


@bp.get("")
@roles_required(*BILLERS)
def index() -> str:
    return _page()


@bp.post("/payers")
@roles_required(*BILLERS)
def create_payer() -> str | Response | tuple[str, int]:
    try:
        payer = payers.create_payer(_form_payer())
    except WarmlineError as error:
        return _page(error=error), error.status
    flash(f"Payer {payer.name} added.")
    return redirect(url_for("billing.index"))


@bp.route("/payers/<int:payer_id>", methods=["GET", "POST"])
@roles_required(*BILLERS)
def edit_payer(payer_id: int) -> str | Response | tuple[str, int]:
    payer = payers.get_payer(payer_id)
    if request.method == "POST":
        try:
            payers.update_payer(payer_id, _form_payer())
        except WarmlineError as error:
            return _payer_page(payer, error=error), error.status
        flash("Payer saved.")
        return redirect(url_for("billing.index"))
    return _payer_page(payer)


def _payer_page(payer: Any, **extra: Any) -> str:
    return render_template("billing/payer.html", payer=payer, **_choices(), **extra)


def _choices() -> dict[str, Any]:
    return {"rounding": ROUNDING, "places": PLACES_OF_SERVICE, "filing_codes": CLAIM_FILING_CODES}


@bp.post("/enrolments")
@roles_required(*BILLERS)
def create_enrolment() -> str | tuple[str, int]:
    form = request.form
    address = {k: form.get(f"address_{k}", "").strip()[:55] for k in ("line", "city", "state", "zip")}
    subscriber = {
        "first_name": form.get("first_name", "").strip()[:35],
        "last_name": form.get("last_name", "").strip()[:60],
        "birth_date": form.get("birth_date", ""),
        "sex": form.get("sex", "U") if form.get("sex") in ("F", "M", "U") else "U",
        "address": address if address["line"] else None,
    }
    try:
        if not (subscriber["first_name"] and subscriber["last_name"] and _day(subscriber["birth_date"])):
            raise WarmlineError("invalid", "The subscriber's first name, last name and birth date are needed.", 400)
        enrolment, code = phi.create_enrolment(
            current_user,
            request.form.get("payer_id", type=int) or 0,
            form.get("plan_member_id", "").strip()[:80],
            form.get("consent", ""),
            subscriber,
            form.get("diagnosis_code", "").strip().upper()[:8],
            _day(form.get("starts_on")),
            _day(form.get("ends_on")),
        )
    except WarmlineError as error:
        return _page(error=error), error.status
    return _page(new_code=code, new_enrolment=enrolment)


@bp.post("/enrolments/<int:enrolment_id>/code")
@roles_required(*BILLERS)
def new_code(enrolment_id: int) -> str | tuple[str, int]:
    try:
        code = phi.new_link_code(current_user, enrolment_id)
    except WarmlineError as error:
        return _page(error=error), error.status
    return _page(new_code=code, new_enrolment=phi.get_enrolment(current_user, enrolment_id))


@bp.post("/enrolments/<int:enrolment_id>/revoke")
@roles_required(*BILLERS)
def revoke(enrolment_id: int) -> Response:
    phi.revoke_enrolment(current_user, enrolment_id)
    flash(f"Enrolment {enrolment_id} revoked: nothing from now on is billed under it.")
    return redirect(url_for("billing.index"))


@bp.get("/claims.837p")
@roles_required(*BILLERS)
def claim_file() -> str | Response | tuple[str, int]:
    """The claim file download from the page: a refusal (nothing left to claim) comes back
    on the page instead of as JSON."""
    from warmline.services import claims
    from warmline.web.api.payers import claim_download, query_range

    try:
        payer = payers.get_payer(request.args.get("payer_id", type=int))
        start, end = query_range()
        content, _count = claims.export(current_user, payer, start, end, request.args.get("frequency", "1"))
    except WarmlineError as error:
        return _page(error=error), error.status
    return claim_download(content, payer, start)


@bp.get("/enrolments/<int:enrolment_id>")
@roles_required(*BILLERS)
def enrolment(enrolment_id: int) -> str:
    found = phi.get_enrolment(current_user, enrolment_id)
    details = phi.details(current_user, [enrolment_id], "enrolment page")[enrolment_id]
    return render_template("billing/enrolment.html", enrolment=found, details=details)


# The member's side: link their anonymous account with a plan's code, see it, remove it.
member_bp = Blueprint("member_enrolment", __name__, url_prefix="/account/enrolment")


@member_bp.app_template_global("payer_link")
def payer_link() -> dict[str, Any] | None:
    """For the account page: the member's own link, if payer features are on."""
    return phi.my_link(current_user) if current_user.is_authenticated and current_user.is_member else None


@member_bp.app_template_global("payer_features_on")
def payer_features_on() -> bool:
    return phi.enabled()


@member_bp.post("")
@roles_required(*MEMBERS)
@limiter.limit("20 per hour")
def link() -> str | Response | tuple[str, int]:
    try:
        phi.link_member(current_user, request.form.get("link_code", "")[:32])
    except WarmlineError as error:
        return render_template("auth/account.html", error=error), error.status
    flash(_("Your account is linked to your plan's referral. You can remove the link here at any time."))
    return redirect(url_for("auth.account"))


@member_bp.post("/remove")
@roles_required(*MEMBERS)
def unlink() -> Response:
    phi.unlink_member(current_user)
    flash(_("The link is removed: nothing from now on is sent to your plan."))
    return redirect(url_for("auth.account"))

"""The coded lists for contact notes: peers read them, coordinators keep them."""

from __future__ import annotations

from typing import Any

from flask import Response

from warmline.models import ContactCode
from warmline.models.reporting import CODE_KINDS
from warmline.permissions import COORDINATORS, STAFF, roles_required
from warmline.services import coding
from warmline.validation import choice, text
from warmline.web.api import body, bp, ok


def code_json(code: ContactCode) -> dict[str, Any]:
    return {"id": code.id, "kind": code.kind, "label": code.label, "retired": code.retired_at is not None}


@bp.get("/contact-codes")
@roles_required(*STAFF)
def list_codes() -> tuple[Response, int]:
    return ok(codes=[code_json(c) for c in coding.codes()])


@bp.post("/contact-codes")
@roles_required(*COORDINATORS)
def add_code() -> tuple[Response, int]:
    data = body({"kind": choice(*CODE_KINDS), "label": text(max_len=coding.LABEL_MAX)})
    return ok(201, code=code_json(coding.add_code(data["kind"], data["label"])))


@bp.delete("/contact-codes/<int:code_id>")
@roles_required(*COORDINATORS)
def retire_code(code_id: int) -> tuple[Response, int]:
    return ok(code=code_json(coding.retire_code(code_id)))

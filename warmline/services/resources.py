"""The resource directory: local services peers refer members to. Anyone may browse and
search it; coordinators keep it (add, edit, retire, CSV in and out, review the stale).

Search runs on the database's full-text index, which the migration keeps in sync: an FTS5
table on SQLite, a GIN index over a tsvector expression on PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from warmline import clock
from warmline.errors import invalid, not_found
from warmline.extensions import db
from warmline.models import Resource
from warmline.models.peer_tools import RESOURCE_CATEGORIES
from warmline.services.hours import iso

REVIEW_AFTER = timedelta(days=182)  # six months
LIMIT = 200
# The wire's field names -> the model's (`text` is a column name SQL dislikes).
WIRE_FIELDS = {
    "name": "name",
    "category": "category",
    "phone": "phone",
    "text": "text_line",
    "url": "url",
    "hours": "hours",
    "area": "area",
    "languages": "languages",
    "description": "description",
}
MAX_LENGTHS = {
    "name": 200,
    "category": 32,
    "phone": 64,
    "text": 120,
    "url": 500,
    "hours": 200,
    "area": 200,
    "languages": 200,
    "description": 2000,
}
CSV_COLUMNS = ["id", *WIRE_FIELDS, "reviewed_at"]
# Must stay the expression of the migration's index `ix_resources_search`, or PostgreSQL
# will not use it: every field, punctuation turned to spaces (URLs and phone numbers split
# into words, as SQLite's tokenizer does), the 'simple' configuration (no stemming).
PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig, regexp_replace("
    "name || ' ' || category || ' ' || phone || ' ' || text_line || ' ' || url || ' ' || hours"
    " || ' ' || area || ' ' || languages || ' ' || description, '[^[:alnum:]]+', ' ', 'g'))"
)
WORD = re.compile(r"[^\W_]+")


def words(query: str) -> list[str]:
    return WORD.findall(query.lower())[:12]


def _matching(query: str) -> sa.ColumnElement[bool] | None:
    """Every word of `query`, as a word or a word's beginning, in any field, any case."""
    terms = words(query)
    if not terms:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.text(f"{PG_DOCUMENT} @@ to_tsquery('simple'::regconfig, :tsquery)").bindparams(
            tsquery=" & ".join(f"{t}:*" for t in terms)
        )
    fts = " ".join(f'"{t}"*' for t in terms)  # quoted: a word is never FTS5 syntax
    return Resource.id.in_(
        sa.text("SELECT rowid FROM resources_fts WHERE resources_fts MATCH :fts").bindparams(fts=fts)
    )


def search(query: str = "", category: str | None = None) -> list[Resource]:
    statement = sa.select(Resource).where(Resource.retired_at.is_(None))
    condition = _matching(query)
    if query.strip() and condition is None:
        return []  # only punctuation: nothing to match
    if condition is not None:
        statement = statement.where(condition)
    if category:
        statement = statement.where(Resource.category == category)
    return list(db.session.scalars(statement.order_by(Resource.category, sa.func.lower(Resource.name)).limit(LIMIT)))


def get(resource_id: int, *, include_retired: bool = False) -> Resource:
    row = db.session.get(Resource, resource_id) if isinstance(resource_id, int) else None
    if row is None or (row.retired_at is not None and not include_retired):
        raise not_found("That resource")
    return row


def clean(data: dict[str, Any], *, partial: bool = False) -> dict[str, str]:
    """Wire fields -> model fields, each checked: name and category required, a web address
    only http(s) (it becomes a link), lengths bounded."""
    values: dict[str, str] = {}
    for wire, column in WIRE_FIELDS.items():
        if wire not in data and partial:
            continue
        raw = data.get(wire)
        value = "" if raw is None else str(raw).strip()
        if len(value) > MAX_LENGTHS[wire] or "\x00" in value:
            raise invalid(wire, f"{wire} is at most {MAX_LENGTHS[wire]} characters.")
        values[column] = value
    if (not partial or "name" in values) and not values.get("name"):
        raise invalid("name", "name is required.")
    if not partial or "category" in values:
        values["category"] = values.get("category", "").lower().replace(" ", "_")
        if values["category"] not in RESOURCE_CATEGORIES:
            raise invalid("category", f"category must be one of: {', '.join(RESOURCE_CATEGORIES)}.")
    url = values.get("url", "")
    if url and not re.match(r"^https?://[^\s/]+", url, re.IGNORECASE):
        raise invalid("url", "The web address must start with http:// or https://.")
    return values


def create(data: dict[str, Any]) -> Resource:
    row = Resource(**clean(data))
    db.session.add(row)
    db.session.commit()
    return row


def update(resource_id: int, data: dict[str, Any]) -> Resource:
    row = get(resource_id, include_retired=True)
    for column, value in clean(data, partial=True).items():
        setattr(row, column, value)
    row.reviewed_at = clock.now()  # an edit is a review
    db.session.commit()
    return row


def mark_reviewed(resource_id: int) -> Resource:
    row = get(resource_id, include_retired=True)
    row.reviewed_at = clock.now()
    db.session.commit()
    return row


def retire(resource_id: int) -> None:
    """Out of the directory; kept, since shared cards in transcripts still point at it."""
    row = get(resource_id, include_retired=True)
    row.retired_at = clock.now()
    db.session.commit()


def needing_review(now: datetime | None = None) -> list[Resource]:
    cutoff = (now or clock.now()) - REVIEW_AFTER
    return list(
        db.session.scalars(
            sa.select(Resource)
            .where(Resource.retired_at.is_(None), Resource.reviewed_at < cutoff)
            .order_by(Resource.reviewed_at)
            .limit(LIMIT)
        )
    )


def all_current() -> list[Resource]:
    return list(
        db.session.scalars(
            sa.select(Resource).where(Resource.retired_at.is_(None)).order_by(Resource.category, Resource.name)
        )
    )


def resource_json(row: Resource) -> dict[str, Any]:
    data: dict[str, Any] = {"id": row.id}
    data.update({wire: getattr(row, column) for wire, column in WIRE_FIELDS.items()})
    data["reviewed_at"] = iso(row.reviewed_at)
    return data


def card_text(row: Resource) -> str:
    """The card as plain text: the stored message body, so transcripts and downloads show it."""
    details = [
        row.phone and _("Phone: %(value)s", value=row.phone),
        row.text_line and _("Text: %(value)s", value=row.text_line),
        row.url,
        row.hours and _("Hours: %(value)s", value=row.hours),
        row.area and _("Area served: %(value)s", value=row.area),
        row.languages and _("Languages: %(value)s", value=row.languages),
    ]
    return "\n".join([_("Resource: %(name)s", name=row.name), *[d for d in details if d]])


# CSV ---------------------------------------------------------------------------------------


def export_csv(rows: Iterable[Resource]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        data = resource_json(row)
        writer.writerow([_cell(data[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> Any:
    # A cell starting with = + - @ is a formula to a spreadsheet: kept as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def import_csv(text: str) -> dict[str, int]:
    """Rows with an `id` of an existing entry update it; the others are added. All or
    nothing: one bad row names its line and nothing is stored."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"name", "category"} <= {f.strip().lower() for f in reader.fieldnames}:
        raise invalid("file", "The CSV needs a header row with at least name and category.")
    added = updated = 0
    for line, raw in enumerate(reader, start=2):
        record = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        record = {k: (v[1:] if v.startswith("'") and v[1:2] in ("=", "+", "-", "@") else v) for k, v in record.items()}
        try:
            values = clean(record)
        except Exception as error:
            db.session.rollback()
            raise invalid("file", f"Line {line}: {getattr(error, 'message', error)}") from None
        existing = db.session.get(Resource, int(record["id"])) if record.get("id", "").isdigit() else None
        if existing is not None:
            for column, value in values.items():
                setattr(existing, column, value)
            existing.reviewed_at = clock.now()
            updated += 1
        else:
            db.session.add(Resource(**values))
            added += 1
    db.session.commit()
    return {"added": added, "updated": updated}

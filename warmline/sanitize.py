"""The one sanitiser. Member writing is a small Markdown subset (paragraphs, emphasis, lists,
quotes, links) rendered once to HTML on write and cleaned with one allow-list. Raw HTML from
the member is shown as text, never run. Stored HTML is re-rendered from the stored source
with `flask --app wsgi forums rerender` when this allow-list changes (PERF.md: never on read)."""

from __future__ import annotations

from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "a"})
ALLOWED_ATTRIBUTES = {"a": ["href", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False, "typographer": False}).disable(
    ["code", "fence", "hr", "reference", "html_block", "heading", "lheading", "image", "html_inline", "backticks"]
)


def _link_rel(attrs: dict, new: bool = False) -> dict:  # noqa: ARG001
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    filters=[partial(LinkifyFilter, callbacks=[_link_rel], skip_tags=None)],
)


def render(source: str) -> str:
    """Member Markdown to safe HTML: no script, no event handler, no style, no javascript: URL."""
    return _cleaner.clean(_markdown.render(source)).strip()

"""Phone-sized browsers for the members' tests, a check that no English word from the
catalogue is on screen, and axe-core's accessibility audit."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from tests.e2e.conftest import NEUTRAL_SITE
from warmline import ROOT

PHONE = {"width": 390, "height": 844}
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SPANISH = ROOT / "warmline/translations/es/LC_MESSAGES/messages.po"


def phone_context(browser, server, locale: str = "en-US", **options):
    context = browser.new_context(
        base_url=server.url, viewport=PHONE, locale=locale, is_mobile=True, has_touch=True, **options
    )
    neutral = "<title>Weather</title><h1>Weather</h1>"
    context.route(f"{NEUTRAL_SITE}**", lambda route: route.fulfill(status=200, content_type="text/html", body=neutral))
    return context


def _visible_words(html_or_text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html_or_text)
    text = re.sub(r"%\(\w+\)[sd]|\{\w+\}", "\x00", text)  # placeholders split a phrase
    return re.sub(r"\s+", " ", text.replace("&amp;", "&")).strip()


def english_phrases() -> tuple[set[str], set[str]]:
    """English from the catalogue that Spanish says differently: whole phrases (several
    words) to look for anywhere, single words to look for as a whole control's text."""
    phrases, words = set(), set()
    with SPANISH.open("rb") as source:
        for message in read_po(source):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            spanish = " ".join(_visible_words(s) for s in strings)
            for msgid in ids:
                for part in _visible_words(msgid).split("\x00"):
                    part = part.strip(" .,:;()·")
                    if not part or part in spanish or not re.search(r"[A-Za-z]{2}", part):
                        continue
                    (phrases if " " in part else words).add(part)
    return phrases, words


def english_on_screen(page) -> list[str]:
    phrases, words = english_phrases()
    body = page.evaluate("document.body.innerText")
    found = [p for p in phrases if len(p) > 8 and p in body]
    controls = page.evaluate(
        """() => Array.from(document.querySelectorAll('button, a, label, h1, h2, h3, legend, summary, th, dt'))
             .filter(el => el.offsetParent !== null).map(el => el.innerText.trim())"""
    )
    found += [text for text in controls if text in words]
    return sorted(set(found))


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.evaluate(AXE.read_text())
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]

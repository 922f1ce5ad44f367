"""The guarantee: the HTML that Markdown produced for a page is passed through an allow-list
sanitiser (`nh3`, which wraps the Rust `ammonia` library) before the theme sees it.

`safety.check_markdown` still tells editors, at their file and line, about a `<script>` or a
`javascript:` link; this module makes sure that, whatever that scan or Python-Markdown
thought the text meant, only these elements, attributes and URL schemes reach the site.
Our own fragments (matrix, explorer form, charts) are built by autoescaping templates and
put back after sanitising (`markup.EMBED`).
"""

from __future__ import annotations

import re
from typing import Callable

import nh3

from . import markup

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "section", "small", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}
ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "aria-label", "aria-describedby", "role"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "headers", "align"},
    "th": {"colspan", "rowspan", "headers", "scope", "align"},
    "ol": {"start", "type"},
    "time": {"datetime"},
    "details": {"open"},
}
SCHEMES = {"http", "https", "mailto", "tel"}
SAFE_ID = re.compile(r"^[A-Za-z][\w:.-]{0,100}$")
# Classes that would dress content up as the site's own controls (the exit button, the
# contact bar, Material's components) are dropped.
RESERVED_CLASS = re.compile(r"^(md-|wf-exit|wf-worried|wf-draft-banner)")
# Another site, as a browser reads the address: a scheme, or two slashes either way round.
REMOTE_START = r"(?:[a-z][a-z0-9+.-]*:|[/\\][\s\x00-\x1f]*[/\\])"
REMOTE = re.compile(rf"^[\s\x00-\x1f]*{REMOTE_START}", re.I)
RESERVED_IDS = {"top", "search"}


def _attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        # Ids starting with "__" belong to the theme (__config, __drawer…): content must not
        # shadow them, or the page's own scripts find the wrong element.
        return value if SAFE_ID.match(value) and value not in RESERVED_IDS else None
    if attribute == "class":
        kept = [c for c in value.split() if not RESERVED_CLASS.match(c)]
        return " ".join(kept) or None
    if element == "img" and attribute == "src" and REMOTE.match(value):
        return None  # the site makes no requests to other sites: images are the site's own
    return value


def clean(html: str) -> str:
    """Sanitise a page's rendered content."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES, link_rel=None,
                     strip_comments=True, attribute_filter=_attribute)


def content(html: str, embeds: list[str] | None = None,
            block: Callable[[int], str] | None = None) -> str:
    """Sanitise, then put our own fragments back where their tokens stand: `embeds` are the
    page's own (by index), `block(n)` renders the site's block n for this page."""
    cleaned = clean(html)
    if "wfembed" not in cleaned and "wfblock" not in cleaned:
        return cleaned

    def put(m: re.Match) -> str:
        n = int(m.group("n"))
        if m.group("kind") == "embed":
            return embeds[n] if embeds and n < len(embeds) else ""
        return block(n) if block else ""
    return markup.EMBED.sub(put, cleaned)

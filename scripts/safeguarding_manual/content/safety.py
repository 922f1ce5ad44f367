"""Unsafe HTML never reaches the site.

Raw HTML in an editor's Markdown is limited to an allow-list. Each tag is handed to the
maintained sanitiser `nh3` (the Rust `ammonia` library); anything it would remove — a
`<script>`, an `onclick=`, a `javascript:` link — is a build error at the tag's line, so
nothing is silently changed. Markdown links and images get the same URL-scheme rule.
"""

from __future__ import annotations

import re
from html import escape, unescape
from html.parser import HTMLParser

import nh3

from .findings import Finding
from .references import fence_openers, prose_lines
from .sanitize import ATTRIBUTES, REMOTE as REMOTE_URL, REMOTE_START as REMOTE, SCHEMES, TAGS

# What an editor may write in raw HTML: the site's output allow-list (sanitize.py), less <h1>
# (a page has one title, from Markdown) plus md_in_html's `markdown` attribute.
ALLOWED_TAGS = TAGS - {"h1"}
ALLOWED_ATTRIBUTES = {**ATTRIBUTES, "*": ATTRIBUTES["*"] | {"markdown"}}
URL_SCHEMES = SCHEMES
URL_ATTRS = {"href", "src"}
SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.-]*):", re.I)
MD_URL = re.compile(r"\]\(\s*<?\s*([^)\s>]+)")
INLINE_CODE = re.compile(r"(`+)[^`].*?\1")


class _Tags(HTMLParser):
    """Collects start tags with their line, as written (attribute names lower-cased)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[int, str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((self.getpos()[0], tag, attrs))

    handle_startendtag = handle_starttag


def _blank_code(markdown: str) -> str:
    """Code is shown, not run: blank code blocks and code spans, keeping line numbers."""
    prose = dict(prose_lines(markdown))
    return "\n".join(INLINE_CODE.sub(lambda m: " " * len(m.group(0)), prose[n]) if n in prose else ""
                     for n in range(markdown.count("\n") + 1))


def _scheme_problem(url: str) -> str | None:
    m = SCHEME.match(url)
    if m and m.group(1).lower() not in URL_SCHEMES:
        return (f"the link `{url[:60]}` uses `{m.group(1)}:`, which is not allowed — use an "
                "ordinary web address (https://…) or a page link")
    return None


def _tag_problem(tag: str, attrs: list[tuple[str, str | None]]) -> str | None:
    if tag not in ALLOWED_TAGS:
        return (f"`<{tag}>` is not allowed in a page — remove it (raw HTML may only use simple "
                "formatting tags such as <br>, <abbr>, <span>, <div>, tables and lists)")
    rebuilt = f"<{tag} " + " ".join(f'{k}="{escape(v or "", quote=True)}"' for k, v in attrs) + ">"
    # Table parts only survive HTML parsing inside a table.
    if tag in ("td", "th"):
        rebuilt = f"<table><tr>{rebuilt}</tr></table>"
    elif tag in ("tr", "tbody", "thead", "tfoot", "caption"):
        rebuilt = f"<table>{rebuilt}</table>"
    parser = _Tags()
    parser.feed(nh3.clean(rebuilt, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                          url_schemes=URL_SCHEMES, link_rel=None, strip_comments=True))
    kept = {k for _line, t, attrs_after in parser.tags if t == tag for k, _v in attrs_after}
    for name, value in attrs:
        if tag == "img" and name == "src" and value and REMOTE_URL.match(value) \
                and not _scheme_problem(value):
            return (f"the picture `{value[:60]}` is on another website — the site makes no requests "
                    "to other sites: save the picture beside the page and link that file")
        if name in kept:
            continue
        if name.startswith("on"):
            return (f"the `{name}` attribute on `<{tag}>` runs a script and is not allowed — "
                    "remove it")
        if name in URL_ATTRS and value:
            return _scheme_problem(value) or (f"the {name} `{value[:60]}` on `<{tag}>` is not "
                                              "allowed — use an https:// address or a page link")
        return (f"the `{name}` attribute on `<{tag}>` is not allowed — remove it (for layout, "
                "use Markdown; for colour or size, ask a developer for a style)")
    return None


ATTR_LIST = re.compile(r"(?<!\\)\{:?[ \t]*((?:[#.][\w-]+|[\w-]+=(?:\"[^\"]*\"|'[^']*'|[^\s}]*))(?:[ \t]+(?:[#.][\w-]+|[\w-]+=(?:\"[^\"]*\"|'[^']*'|[^\s}]*)))*)[ \t]*\}")
ATTR_PAIR = re.compile(r"([\w-]+)=")
REF_DEF = re.compile(r"^ {0,3}\[(?P<label>[^\]]+)\]:[ \t]*<?\s*(?P<url>\S*?)>?(?:\s|$)")
# Another site, as a browser reads it: a scheme, or two slashes either way round (`/\x`).
REMOTE_IMAGE = re.compile(rf"!\[[^\]]*\]\(\s*<?\s*({REMOTE}[^)\s>]*)", re.I)
IMAGE_REF = re.compile(r"!\[(?P<alt>[^\]]*)\](?:\[(?P<label>[^\]]*)\])?")


def _url_problem(url: str) -> str | None:
    # What a browser would read: entities decoded, spaces and control characters dropped.
    return _scheme_problem(re.sub(r"[\s\x00-\x1f]+", "", unescape(url)))


MAX_QUOTE_DEPTH = 15
MAX_INDENT = 64  # columns: sixteen levels of list
QUOTES = re.compile(r"^(?:[ \t]*>)+")


def too_deep(body: str) -> tuple[int, str] | None:
    """(0-based line, message) of the first line nested deeper than any real page needs —
    deep enough to exhaust the Markdown parser — else None."""
    for n, line in enumerate(body.split("\n")):
        if not line or line[0] not in " \t>":
            continue
        m = QUOTES.match(line)
        if m and m.group(0).count(">") > MAX_QUOTE_DEPTH:
            return n, (f"this line is quoted more than {MAX_QUOTE_DEPTH} levels deep (`>`) — "
                       "remove the extra `>` marks")
        width = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
        if width > MAX_INDENT:
            return n, (f"this line is indented {width} spaces — lists nest at most "
                       f"{MAX_INDENT // 4} levels; remove the extra spaces")
    return None


EMPHASIS_RUN = re.compile(r"[*_]{8,}")


def needs_trial(body: str) -> bool:
    """Text with this much emphasis markup could exhaust the Markdown parser: render it once
    on trial before the build does (see plugin.on_page_markdown)."""
    return body.count("*") + body.count("_") > 1000 or bool(EMPHASIS_RUN.search(body))


def check_markdown(path: str, body: str, first_line: int) -> list[Finding]:
    """Every disallowed tag, attribute or URL in an editor's Markdown, by line. (The build
    sanitises the rendered page whatever this finds: this is the friendly report.)"""
    findings: list[Finding] = []
    deep = too_deep(body)
    if deep:
        findings.append(Finding(path, first_line + deep[0], deep[1], code="too-deep"))
    if "**" in body or "__" in body:
        for n, line in prose_lines(body):
            m = EMPHASIS_RUN.search(line)
            if m:
                findings.append(Finding(path, first_line + n, f"a run of {len(m.group(0))} `{m.group(0)[0]}` "
                                        "characters — bold is `**words**`; use at most three", code="too-deep"))
                break
    if not any(mark in body for mark in ("<", "](", "{", "]:")):
        return findings
    text = _blank_code(body)

    def add(n: int, problem: str | None) -> None:
        if problem:
            findings.append(Finding(path, first_line + n, problem, code="unsafe-html"))
    if "<" in text:
        parser = _Tags()
        parser.feed(text)
        parser.close()
        for line, tag, attrs in parser.tags:
            add(line - 1, _tag_problem(tag, attrs))
    lines = text.split("\n")
    image_labels = {(m.group("label") or m.group("alt")).lower() for m in IMAGE_REF.finditer(text)} \
        if "![" in text else set()
    for n, opener in fence_openers(body):
        for m in ATTR_LIST.finditer(opener):
            for name in ATTR_PAIR.findall(m.group(1)):
                if name not in ("id", "class"):
                    add(n, f"`{name}=` in `{{ }}` is not allowed — only an id (`#name`) or a "
                        "class (`.name`) may be set this way; remove it")
    for n, line in enumerate(lines):
        if "](" in line:
            for m in MD_URL.finditer(line):
                add(n, _url_problem(m.group(1)))
            for m in REMOTE_IMAGE.finditer(line):
                add(n, f"the picture `{m.group(1)[:60]}` is on another website — the site makes no "
                    "requests to other sites: save the picture beside the page and link that file")
        if "]:" in line:
            m = REF_DEF.match(line)
            if m:
                url = m.group("url") or (lines[n + 1].strip() if n + 1 < len(lines) else "")
                add(n, _url_problem(url))
                if REMOTE_URL.match(url) and m.group("label").lower() in image_labels:
                    add(n, f"the picture `{url[:60]}` is on another website — the site makes no requests "
                        "to other sites: save the picture beside the page and link that file")
        if "{" in line:
            for m in ATTR_LIST.finditer(line):
                for name in ATTR_PAIR.findall(m.group(1)):
                    if name not in ("id", "class"):
                        add(n, f"`{name}=` in `{{ }}` is not allowed — only an id (`#name`) or a "
                            "class (`.name`) may be set this way; remove it")
    return findings

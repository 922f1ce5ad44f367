"""Markdown for generated pages, built so that every data value is text by construction.

Generated pages (contents, indexes, threshold levels, glossary, reviews…) are Markdown so
that MkDocs validates their links and the toc, abbr and search see their headings. They are
assembled from blocks by this builder, never by a string template: each value passes through
`text()`, which escapes every character Markdown or HTML could read as syntax, and each block
is one line (or a table row), so no data — and no template whitespace — can decide where a
list item, heading or link ends.

HTML that the builder cannot express (the matrix, the explorer form, charts) is rendered by an
autoescaping Jinja environment and embedded with `Page.embed`: the fragment is kept aside and
put in after the page's HTML has been sanitised (see `sanitize.py`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Iterable

import yaml

# Characters Python-Markdown (with attr_list, tables, abbr) reads as syntax anywhere in a line.
_BACKSLASH = set("\\`*_{}[]()#|!")
_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACE = re.compile(r"\s+")
_LEADING = re.compile(r"^([-+=]|\d+[.)])")
SAFE_ID = re.compile(r"^[a-z][a-z0-9-]*$")
# Link destinations: anything outside this set is percent-encoded (no spaces, quotes, brackets).
_URL_SAFE = re.compile(r"[^A-Za-z0-9\-._~:/?#@!$&'*+,;=%]")


class Inline(str):
    """Markdown that is already safe to place inside a block (escaped text, links…)."""


def one_line(value: object) -> str:
    """Any value as one line of plain text: control characters and line breaks become spaces."""
    return _SPACE.sub(" ", _CONTROL.sub(" ", str(value))).strip()


_TRANSLATE = {**{ord(c): "\\" + c for c in _BACKSLASH}, **{ord(c): e for c, e in _ENTITY.items()}}


def _escape(s: str, at_start: bool) -> str:
    result = s.translate(_TRANSLATE)  # each syntax character backslashed, <>& as entities
    m = _LEADING.match(result) if at_start else None
    if m:  # "- x", "+ x", "1. x" at the start of a line would be a list
        lead = m.group(1)
        if lead == "=":
            result = "&#61;" + result[1:]
        elif lead[-1] in ".)":
            result = lead[:-1] + "\\" + lead[-1] + result[len(lead):]
        else:
            result = "\\" + result
    return result


def text(value: object) -> Inline:
    """A value as literal text in Markdown: it can never become markup."""
    if isinstance(value, Inline):
        return value
    return Inline(_escape(one_line(value), at_start=True))


# In data files' longer texts two things keep their meaning: [[references]] (expanded and
# checked like a page's) and **bold**. Everything else is literal text.
_REF = r"\[\[[a-z0-9][a-z0-9:-]*(?:#[a-z0-9][a-z0-9-]*)?(?:\|[^\[\]|\\<>&`*_{}#\n]+)?\]\]"
_RICH = re.compile(rf"(?P<ref>{_REF})|\*\*(?P<bold>[^*\n]+?)\*\*")


def rich(value: object) -> Inline:
    """One paragraph of a data file's text: literal, except [[references]] and **bold**."""
    if isinstance(value, Inline):
        return value
    s = one_line(value)
    out, pos = [], 0
    for m in _RICH.finditer(s):
        out.append(_escape(s[pos:m.start()], at_start=pos == 0))
        out.append(m.group("ref") if m.group("ref") else f"**{_escape(m.group('bold'), False)}**")
        pos = m.end()
    out.append(_escape(s[pos:], at_start=pos == 0))
    return Inline("".join(out))


def paragraphs(value: object) -> list[Inline]:
    """A data file's text with blank lines between paragraphs, as rich paragraphs."""
    return [rich(p) for p in re.split(r"\n\s*\n", str(value)) if p.strip()]


def code(value: object) -> Inline:
    s = one_line(value)
    longest = max((len(r) for r in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    return Inline(f"{fence} {s} {fence}" if s.startswith("`") or s.endswith("`") else f"{fence}{s}{fence}")


def url(value: str) -> str:
    """A link destination that cannot end the link early or carry spaces."""
    return _URL_SAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), one_line(value))


def link(label: object, destination: str) -> Inline:
    return Inline(f"[{text(label)}]({url(destination)})")


def strong(value: object) -> Inline:
    return Inline(f"**{text(value)}**")


def _piece(value: object, at_start: bool) -> str:
    if isinstance(value, Inline):
        return value
    s = _SPACE.sub(" ", _CONTROL.sub(" ", str(value)))
    return _escape(s.lstrip() if at_start else s, at_start)


def join(parts: Iterable[object], sep: str = "") -> Inline:
    """Inline pieces in a row (spaces kept); plain strings among them are escaped."""
    out = []
    for i, p in enumerate(parts):
        if i and sep:
            out.append(_piece(sep, False))
        out.append(_piece(p, not "".join(out).strip()))
    return Inline("".join(out).strip())


def _id(anchor: str | None) -> str:
    if anchor is None:
        return ""
    if not SAFE_ID.match(anchor):
        raise ValueError(f"unsafe heading id {anchor!r}")
    return f" {{: #{anchor} }}"


@dataclass
class Page:
    """A generated page, block by block."""

    title: str
    blocks: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    embeds: list[str] = field(default_factory=list)  # trusted HTML fragments, in order

    def heading(self, level: int, value: object, anchor: str | None = None) -> "Page":
        assert 1 <= level <= 6
        self.blocks.append("#" * level + " " + text(value) + _id(anchor))
        return self

    def para(self, *parts: object) -> "Page":
        line = join(parts)
        if line:
            self.blocks.append(line)
        return self

    def paras(self, value: object) -> "Page":
        self.blocks.extend(paragraphs(value))
        return self

    def raw(self, markdown: str) -> "Page":
        """Static Markdown written in this package's code — never data."""
        self.blocks.append(markdown.strip("\n"))
        return self

    def bullets(self, items: Iterable[object], empty: str | None = None) -> "Page":
        lines = [f"- {text(i)}" for i in items]
        if not lines and empty:
            lines = [f"- {text(empty)}"]
        if lines:
            self.blocks.append("\n".join(lines))
        return self

    def numbered(self, items: Iterable[object]) -> "Page":
        lines = [f"1. {text(i)}" for i in items]
        if lines:
            self.blocks.append("\n".join(lines))
        return self

    def table(self, headers: list[object], rows: Iterable[list[object]]) -> "Page":
        rows = list(rows)
        if not rows:
            return self
        out = ["| " + " | ".join(text(h) for h in headers) + " |", "|" + "---|" * len(headers)]
        out += ["| " + " | ".join(text(c) or " " for c in row) + " |" for row in rows]
        self.blocks.append("\n".join(out))
        return self

    def html(self, fragment: str) -> "Page":
        """A trusted fragment (from an autoescaping template), put in after sanitising."""
        self.embeds.append(str(fragment))
        self.blocks.append(embed_token(len(self.embeds) - 1))
        return self

    def render(self) -> str:
        meta = {"title": one_line(self.title), **self.meta}
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
        return f"---\n{front}---\n\n" + "\n\n".join(self.blocks) + "\n"


# Fragments are marked by a token no content can know in advance: `wfembed…xN` is the page's
# own fragment N, `wfblock…xN` the site's block N (a chart), rendered for the page.
NONCE = secrets.token_hex(8)
EMBED = re.compile(rf"(?:<p>)?wf(?P<kind>embed|block){NONCE}x(?P<n>\d+)(?:</p>)?")


def embed_token(index: int, kind: str = "embed") -> str:
    return f"wf{kind}{NONCE}x{index}"

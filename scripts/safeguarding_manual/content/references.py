"""Cross-references: the `[[target#anchor|text]]` syntax, the targets it can reach, and the
reference graph checks (unknown ids, missing anchors, drafts, orphans, one-way pairs).

A reference is expanded to an ordinary relative Markdown link before Markdown runs, so
MkDocs' own link validation and `use_directory_urls` keep working unchanged.
"""

from __future__ import annotations

import functools
import html
import posixpath
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.extensions.toc import slugify

from .findings import Finding, did_you_mean
from .schema import PUBLISHED
from .markup import embed_token, link, one_line, text, text as markup_text

# Code spans are matched first so that `[[example]]` inside backticks stays literal.
XREF = re.compile(
    r"(?P<code>`+)[^`].*?(?P=code)"
    r"|\[\[(?P<target>[^\]\|#\n]+?)(?:#(?P<anchor>[^\]\|\n]+?))?(?:\|(?P<text>[^\]\n]+))?\]\]"
)
# The same without the code-span branch: a literal prefix lets the regex engine skip ahead.
XREF_ONLY = re.compile(XREF.pattern.split("|", 1)[1])
FENCE = re.compile(r"^(`{3,}|~{3,})")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*(?:\{(?P<attrs>[^}]*)\})?\s*#*\s*$")
ATTR_ID = re.compile(r"#([\w-]+)")
MD_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\((?P<url>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
BLOCK_KINDS = ("chart", "structure-chart")


@dataclass
class Target:
    key: str
    site_path: str  # Markdown path inside the site (what MkDocs links resolve against)
    title: str
    anchors: dict[str, str] = field(default_factory=dict)  # anchor -> heading text
    status: str = "approved"
    kind: str = "page"


@dataclass
class Contact:
    key: str
    label: str
    value: str | None
    kind: str = "text"  # phone | email | url | text
    note: str = ""
    url: str | None = None  # a public page for this route (e.g. how to report a concern online)
    url_text: str = ""  # the words for that page in a sentence ("the number given on …")

    @property
    def placeholder(self) -> bool:
        """Neither a value nor a public page: shown as "to be confirmed"."""
        return (not self.value or "to be confirmed" in self.value.lower()) and not self.url

    def markdown(self) -> str:
        """The contact in page text; every value is escaped (validated in `contacts.py`)."""
        if self.placeholder:
            return (f'<span class="wf-placeholder" title="Not yet confirmed">'
                    f"{html.escape(one_line(self.label))}: to be confirmed</span>")
        value = self.value or ""
        if not value:  # no number published: the route is the public page
            return link(self.url_text or f"{self.label.split(' (')[0]} (online)", self.url or "")
        if self.kind == "phone":
            return link(value, "tel:" + re.sub(r"[^0-9+]", "", value))
        if self.kind == "email":
            return link(value, "mailto:" + value)
        if self.kind == "url":
            return link(self.label, value)
        return text(value)


@dataclass
class Site:
    """Everything a reference can point to, built once per build from the content model."""

    targets: dict[str, Target] = field(default_factory=dict)
    pages: dict[str, Target] = field(default_factory=dict)  # by site_path
    contacts: dict[str, Contact] = field(default_factory=dict)
    blocks: dict[str, Callable[[str], str]] = field(default_factory=dict)  # "chart:id" -> html
    # URL from one page to another (site paths); the plugin installs MkDocs' own.
    url_for: Callable[[str, str], str] = lambda frm, to: relative(frm, to)
    # A document spread over several pages, referred to by section anchor:
    # collections["arrangements"]["dispute-resolution"] = Target of that page.
    collections: dict[str, dict[str, Target]] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)  # ids whose page failed validation
    preview: bool = False  # a reviewers' build: drafts are pages too
    # [[review:ID]]: the review status of a reviewable document, as a sentence (the plugin
    # installs one that knows the build's date)
    review_ids: set[str] = field(default_factory=set)
    review_text: Callable[[str], str] = lambda doc_id: ""

    def embed(self, key: str, page_path: str) -> str:
        """What stands in a page's Markdown for a block: a token that the build replaces
        with the block's HTML after the page has been sanitised (see sanitize.content)."""
        return "\n\n" + embed_token(self.block_keys().index(key), "block") + "\n\n"

    def block_keys(self) -> list[str]:
        return sorted(self.blocks)

    def render_block(self, n: int, page_path: str) -> str:
        keys = self.block_keys()
        return self.blocks[keys[n]](page_path) if n < len(keys) else ""

    def add(self, target: Target) -> Target:
        self.targets[target.key] = target
        self.pages.setdefault(target.site_path, target)
        return target


FENCED_BLOCK_RE = FencedBlockPreprocessor.FENCED_BLOCK_RE  # the build's own fence rule
# Lines that open an indented container (a list item, an admonition): four spaces under
# them are the container's text, not code.
LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)]|!!!|\?\?\?\+?)\s")
INDENTED = re.compile(r"^(?: {4}|\t)")


def _fenced_lines(markdown: str) -> set[int]:
    """0-based lines inside fenced code, found with Python-Markdown's own fence pattern (so a
    fence counts only where the build's parser agrees: at the line start, closed by the same
    fence; an unclosed fence is ordinary text)."""
    out: set[int] = set()
    if "```" not in markdown and "~~~" not in markdown:
        return out
    for m in FENCED_BLOCK_RE.finditer(markdown):
        first = markdown.count("\n", 0, m.start())
        last = markdown.count("\n", 0, m.end())
        out.update(range(first, last + 1))
    return out


def prose_lines(markdown: str, needle: str = "") -> Iterator[tuple[int, str]]:
    """(0-based line, text) of the lines outside code that contain `needle`: fenced code (as
    Python-Markdown finds it) and indented code blocks (four spaces after a blank line,
    outside a list)."""
    fenced = _fenced_lines(markdown)
    blank, in_list, indented_code = True, False, False
    for n, line in enumerate(markdown.split("\n")):
        if n in fenced:
            blank, indented_code = False, False
            continue
        if not line.strip():
            blank = True
            continue
        if INDENTED.match(line) and (indented_code or (blank and not in_list)):
            indented_code = True
            blank = False
            continue
        indented_code = False
        if LIST_ITEM.match(line):
            in_list = True
        elif not INDENTED.match(line) and blank:
            in_list = False
        blank = False
        if needle in line:
            yield n, line


def fence_openers(markdown: str) -> Iterator[tuple[int, str]]:
    """(0-based line, text) of each fenced block's first line (where `{ … }` attributes go)."""
    for m in FENCED_BLOCK_RE.finditer(markdown):
        n = markdown.count("\n", 0, m.start())
        yield n, markdown[m.start():markdown.find("\n", m.start())]


HEADING_LINE = re.compile(r"^#{1,6}[ \t].*$", re.M)


def headings(markdown: str) -> dict[str, str]:
    """Anchor -> heading text for the ATX headings of a Markdown page (as the toc extension
    will name them), skipping fenced code."""
    found: dict[str, str] = {}
    if may_have_code(markdown):
        lines = [line for _n, line in prose_lines(markdown, "#") if line.startswith("#")]
    else:
        lines = HEADING_LINE.findall(markdown)
    for line in lines:
        m = HEADING.match(line)
        if not m:
            continue
        text = m.group(2)
        explicit = ATTR_ID.search(m.group("attrs") or "")
        anchor = explicit.group(1) if explicit else slugify(re.sub(r"[`*_\[\]]", "", text), "-")
        found.setdefault(anchor, text)
    return found


def may_have_code(markdown: str) -> bool:
    return "```" in markdown or "~~~" in markdown or "\n    " in markdown or "\n\t" in markdown


INCOMPLETE = re.compile(r"\[\[[^\[\]\n]*\]\]")


def incomplete_refs(markdown: str) -> Iterator[tuple[int, str]]:
    """(0-based line, text) of `[[…]]` that are not a whole reference, such as [[neglect#]]."""
    if "[[" not in markdown:
        return
    for n, line in prose_lines(markdown, "[["):
        bare = re.sub(r"(`+)[^`].*?\1", "", line)
        for m in INCOMPLETE.finditer(bare):
            if not XREF_ONLY.fullmatch(m.group(0)):
                yield n, m.group(0)


def iter_refs(markdown: str) -> Iterator[tuple[int, re.Match]]:
    """(0-based line, match) for every [[reference]] outside code."""
    if "[[" not in markdown:
        return
    if not may_have_code(markdown):  # the common case: one pass
        line, pos = 0, 0
        for m in (XREF if "`" in markdown else XREF_ONLY).finditer(markdown):
            if m.group("target"):
                line += markdown.count("\n", pos, m.start())
                pos = m.start()
                yield line, m
        return
    for n, line_text in prose_lines(markdown, "[["):
        for m in XREF.finditer(line_text):
            if m.group("target"):
                yield n, m


def relative(from_path: str, to_path: str) -> str:
    return _relpath(to_path, posixpath.dirname(from_path) or ".")


@functools.lru_cache(maxsize=65536)
def _relpath(to_path: str, folder: str) -> str:
    # the same few folders and targets again and again (every procedure links its related ones)
    return posixpath.relpath(to_path, folder)


@dataclass
class Resolved:
    replacement: str
    target: Target | None = None
    problem: str | None = None
    code: str = "unknown-target"


def resolve(site: Site, page_path: str, m: re.Match, render: bool = True) -> Resolved:
    """What a reference points to and, when `render`, the Markdown that replaces it."""
    key = m.group("target").strip()
    anchor = (m.group("anchor") or "").strip()
    text = (m.group("text") or "").strip()
    if key.startswith("contact:"):
        name = key.split(":", 1)[1]
        contact = site.contacts.get(name)
        if contact is None:
            return Resolved(m.group(0), problem=f"`{name}` is not a contact in mkdocs.yml"
                            f"{did_you_mean(name, site.contacts)} — use one of: "
                            + ", ".join(sorted(site.contacts)))
        return Resolved(contact.markdown())
    if key.startswith("review:"):
        doc_id = key.split(":", 1)[1]
        if doc_id not in site.review_ids:
            return Resolved(m.group(0), problem=f"`{doc_id}` is not a reviewable document"
                            f"{did_you_mean(doc_id, site.review_ids)} — use an id from documents.yml")
        return Resolved(markup_text(site.review_text(doc_id)) if render else "")
    if key.startswith("chart:") or key == "structure-chart":
        block = site.blocks.get(key)
        if block is None:
            choices = [b for b in site.blocks if b.startswith(key.split(":")[0])]
            return Resolved(m.group(0), problem=f"`{key}` is not a chart{did_you_mean(key, choices)}")
        return Resolved(site.embed(key, page_path) if render else "")
    target = site.targets.get(key)
    if anchor and key in site.collections:
        sections = site.collections[key]
        target = sections.get(anchor)
        if target is None:
            return Resolved(m.group(0), site.targets.get(key), f"[[{key}#{anchor}]]: there is no "
                            f"section `{anchor}`{did_you_mean(anchor, sections)}", "missing-anchor")
        if target.anchors.get(anchor) == target.title:  # the page's own h1: link the page
            anchor = ""
    if target is None and key in site.broken:
        return Resolved(text or key)  # its own validation error has been reported already
    if target is None and re.fullmatch(r"level-[1-4]", key) and not any(
            t.kind == "level" for t in site.targets.values()):
        return Resolved(m.group(0), problem=f"[[{key}]] refers to the Threshold of Need, but its data "
                        "file (docs/_data/threshold.yml) is missing or has errors — restore it")
    if target is None:
        return Resolved(m.group(0), problem=f"[[{key}]] is not a procedure id or page"
                        f"{did_you_mean(key, site.targets)}")
    if anchor and anchor not in target.anchors:
        return Resolved(m.group(0), target, f"[[{key}#{anchor}]]: “{target.title}” has no heading "
                        f"`{anchor}`{did_you_mean(anchor, target.anchors)}", "missing-anchor")
    if not render:
        return Resolved("", target)
    if target.status not in PUBLISHED and not site.preview:
        # Reported by the checks; the public site never links to an unpublished page.
        return Resolved(markup_text(text or "this procedure (not yet published)"), target)
    label = text or (target.anchors.get(anchor) if anchor and target.kind != "procedure" else None) \
        or target.title
    url = relative(page_path, target.site_path) + (f"#{anchor}" if anchor else "")
    return Resolved(link(label, url), target)


def expand(markdown: str, page_path: str, site: Site) -> str:
    """Replace every reference by a Markdown link (or a block). Problems are reported once,
    by `content.check_references`, not here."""
    if "[[" not in markdown:
        return markdown
    lines = markdown.split("\n")
    for n, line in prose_lines(markdown, "[["):
        lines[n] = XREF.sub(lambda m: resolve(site, page_path, m).replacement if m.group("target")
                            else m.group(0), line)
    return "\n".join(lines)


def markdown_links(markdown: str) -> Iterator[tuple[int, str]]:
    """(0-based line, url) of relative Markdown links outside code."""
    if "](" not in markdown:
        return
    for n, line in prose_lines(markdown, "]("):
        for m in MD_LINK.finditer(re.sub(r"`[^`]*`", "", line)):
            url = m.group("url")
            if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I) or url.startswith(("/", "#")):
                continue
            yield n, url


def check_link(site: Site, page_path: str, url: str) -> str | None:
    path, _, anchor = url.partition("#")
    target_path = posixpath.normpath(posixpath.join(posixpath.dirname(page_path), path))
    if path.endswith("/"):
        target_path = posixpath.join(target_path, "index.md")
    target = site.pages.get(target_path)
    if target is None:
        if not path.endswith(".md"):
            return None  # an asset (image, PDF): MkDocs validates those itself
        return (f"the link `{url}` points to {target_path}, which does not exist"
                f"{did_you_mean(target_path, site.pages)}")
    if anchor and anchor not in target.anchors:
        return f"the link `{url}` points to a heading `#{anchor}` that {target_path} does not have" \
               f"{did_you_mean(anchor, target.anchors)}"
    return None


def graph_findings(procedures: Iterable, referenced: dict[str, set[str]],
                   broken=frozenset(), preview: bool = False) -> list[Finding]:
    """Checks on the procedure graph. `referenced` maps an id to the ids/paths referring to it."""
    procs = list(procedures)
    by_id = {p.id: p for p in procs}
    out: list[Finding] = []
    for p in procs:
        for i, rid in enumerate(p.related):
            line = p.line_of("related", i)
            other = by_id.get(rid)
            if other is None and rid in broken:
                continue
            if other is None:
                out.append(Finding(p.path, line, f"related: `{rid}` is not a procedure id"
                                   f"{did_you_mean(rid, by_id)}", code="unknown-related"))
                continue
            if p.status in PUBLISHED and other.status not in PUBLISHED and not preview:
                out.append(Finding(p.path, line, f"related: `{rid}` is {other.status} — a published "
                                   "procedure must not point readers to an unpublished one",
                                   code="unpublished-target"))
            if p.id not in other.related and other.status in PUBLISHED:
                out.append(Finding(p.path, line, f"related: `{rid}` does not list `{p.id}` back — "
                                   f"add `{p.id}` to the related list in {other.path}",
                                   "warning", code="one-way"))
    for p in procs:
        if p.status in PUBLISHED and not (referenced.get(p.id, set()) - {p.id}):
            out.append(Finding(p.path, p.line_of("id"), f"nothing refers to `{p.id}` — link it "
                               "from a related procedure so readers can find it", "warning",
                               code="orphan"))
    return out

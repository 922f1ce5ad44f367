"""Import a Word procedure: `scripts/import_docx.py FILE.docx --section FOLDER [--title …]`.

Word → HTML is mammoth's job (a maintained library that understands Word's styles, lists,
tables, notes and images). HTML → Markdown is done here, on Python's html.parser, because
mammoth's own Markdown output is deprecated and unmaintained (it drops tables, for one), and
a Markdown library such as markdownify is not among our dependencies. The HTML mammoth writes
is a small, well-formed vocabulary, so the converter is short and every element it does not
know is reported rather than silently lost.

The result is a new draft procedure with the same front matter, checks and refusals as
`new_procedure.py`. Anything that could not be converted faithfully is listed as
`FILE.docx: warning: …`. Exit codes as new_procedure.py: 0 written, 1 refused or unreadable,
2 usage error.

A .docx is a zip package from anyone, so before mammoth unpacks it its declared sizes are
checked (a few kilobytes can unpack to gigabytes), and a picture is kept only if its bytes are
PNG, JPEG, GIF or WebP, whatever type the document declares (an "image" can be an SVG or HTML
page with a script in it). Pictures linked from outside the document are never opened.
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Sequence
from urllib.parse import quote

import mammoth
from mammoth import html as mammoth_html
from mammoth.docx.files import InvalidFileReferenceError

from .newproc import (STANDARD_NAMES, Plan, Refused, _Parser, _UNSAFE, add_common_arguments,
                      clean_title, escape_markdown, front_matter, heading_line, locate, plan,
                      report, run, write)

# Word styles → HTML. Listed before mammoth's defaults, so they win. List styles by name give
# the nesting their name promises (Word's "List Bullet 2" is a second-level bullet); lists
# numbered directly (the usual "List Paragraph") use mammoth's own list rules, repeated here so
# that an unnumbered "List Paragraph" can be an ordinary paragraph without a warning.
STYLE_MAP = """
p[style-name='Title'] => h1:fresh
p[style-name='Heading 1'] => h1:fresh
p[style-name='Heading 2'] => h2:fresh
p[style-name='Heading 3'] => h3:fresh
p[style-name='Heading 4'] => h4:fresh
p[style-name='Heading 5'] => h5:fresh
p[style-name='Heading 6'] => h6:fresh
p[style-name='List Bullet'] => ul > li:fresh
p[style-name='List Bullet 2'] => ul|ol > li > ul > li:fresh
p[style-name='List Bullet 3'] => ul|ol > li > ul|ol > li > ul > li:fresh
p[style-name='List Number'] => ol > li:fresh
p[style-name='List Number 2'] => ul|ol > li > ol > li:fresh
p[style-name='List Number 3'] => ul|ol > li > ul|ol > li > ol > li:fresh
p:unordered-list(1) => ul > li:fresh
p:unordered-list(2) => ul|ol > li > ul > li:fresh
p:unordered-list(3) => ul|ol > li > ul|ol > li > ul > li:fresh
p:unordered-list(4) => ul|ol > li > ul|ol > li > ul|ol > li > ul > li:fresh
p:ordered-list(1) => ol > li:fresh
p:ordered-list(2) => ul|ol > li > ol > li:fresh
p:ordered-list(3) => ul|ol > li > ul|ol > li > ol > li:fresh
p:ordered-list(4) => ul|ol > li > ul|ol > li > ul|ol > li > ol > li:fresh
p[style-name='List Paragraph'] => p:fresh
p[style-name='Quote'] => blockquote > p:fresh
p[style-name='Intense Quote'] => blockquote > p:fresh
p[style-name='Body Text'] => p:fresh
p[style-name='Body Text 2'] => p:fresh
p[style-name='Body Text 3'] => p:fresh
p[style-name='Body Text Indent'] => p:fresh
p[style-name='Normal (Web)'] => p:fresh
p[style-name='No Spacing'] => p:fresh
p[style-name='Plain Text'] => p:fresh
p[style-name='Default'] => p:fresh
p[style-name='Subtitle'] => p:fresh
p[style-name='Caption'] => p:fresh
p[style-name='TOC Heading'] => p.word-toc:fresh
p[style-name='toc 1'] => p.word-toc:fresh
p[style-name='toc 2'] => p.word-toc:fresh
p[style-name='toc 3'] => p.word-toc:fresh
p[style-name='toc 4'] => p.word-toc:fresh
r[style-name='Emphasis'] => em
r[style-name='Subtle Emphasis'] => em
r[style-name='Intense Emphasis'] => strong
r[style-name='Book Title'] => em
"""

BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote",
              "dl", "hr", "div"}
VOID_TAGS = {"img", "br", "input", "hr"}
LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:")
NOTE_HREF = re.compile(r"^#(footnote|endnote)-(\d+)$")
NOTE_ID = re.compile(r"^(footnote|endnote)-(\d+)$")
INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")  # soft hyphens, zero-width
SPACES = re.compile(r"[ \t\n\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# What a .docx may unpack to. Python's zipfile never returns more than a member's declared
# size (a member that lies fails its CRC check), so checking the declared sizes is enough.
MB = 1024 * 1024
MAX_TOTAL = 50 * MB
MAX_PART = 20 * MB  # one picture, or the document's text
MAX_MEMBERS = 2000
MAX_RATIO = 100  # for parts over 1 MB: Word's XML compresses about 10:1, pictures hardly at all
# Pictures are saved by what the bytes are, never by the type the document declares: only
# formats a browser shows as a picture and nothing else.
PICTURES = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF87a", "gif"),
            (b"GIF89a", "gif"))


# --- HTML → a small tree -------------------------------------------------------------------------

@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list["Node | str"] = field(default_factory=list)

    def elements(self) -> list["Node"]:
        return [c for c in self.children if isinstance(c, Node)]

    def text(self) -> str:
        if self.tag == "br":
            return " "
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# --- the tree → Markdown -------------------------------------------------------------------------

@dataclass
class _Inline:
    """Where inline text is being written: it changes what may appear."""

    heading: bool = False
    cell: bool = False
    bold: bool = False
    italic: bool = False


def _line_start(text: str) -> str:
    """Escape what would turn the start of a line into a heading, quote, list, definition,
    admonition (`!!!`), collapsible block (`???`) or code fence (`~~~`)."""
    m = re.match(r"^(\d+)([.)])(\s|$)", text)
    if m:
        return f"{m.group(1)}\\{m.group(2)}{text[m.end(2):]}"
    if re.match(r"^([#>+-]|!!!)", text):
        return "\\" + text
    for start, entity in ((":", "&#58;"), ("?", "&#63;"), ("~", "&#126;")):
        if text.startswith(start):  # not escapable with a backslash in Python-Markdown
            return entity + text[1:]
    return text


def _wrap(marker: str, content: str) -> str:
    """`**text**`, with spaces kept outside the markers (`** text**` is not bold)."""
    core = content.strip(" ")
    if not core:
        return " " if content else ""
    lead = " " if content.startswith(" ") else ""
    trail = " " if content.endswith(" ") else ""
    return f"{lead}{marker}{core}{marker}{trail}"


def _url(href: str) -> str:
    return quote(href.strip(), safe="/:?#[]@!$&'*+,;=%~-._")


class MarkdownWriter:
    """Render the tree from mammoth's HTML as the manual's Markdown."""

    def __init__(self, images_rel: str, images: dict[str, str] | None = None) -> None:
        self.images_rel = images_rel
        self.images = images or {}  # src written by mammoth -> file name in images_rel
        self.warnings: list[str] = []
        self.heading_shift = 0
        self.skip: Node | None = None  # the Heading 1 used as the title
        self.toc_lines = 0

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # blocks

    def document(self, root: Node) -> str:
        h1s = [n for n in root.elements() if n.tag == "h1" and clean_title(n.text())]
        # Further Heading 1s become `##`: the page has one title. Lower levels move down with
        # them so the outline is kept.
        self.heading_shift = 1 if [n for n in h1s if n is not self.skip] else 0
        blocks = [b for b in self.blocks(root.children) if b.strip()]
        if not blocks:
            self.warn("the document has no text to convert apart from its title")
        if self.toc_lines:
            self.warn(f"removed the Word table of contents ({self.toc_lines} lines) — the website "
                      "lists a page's headings itself")
        return "\n\n".join(blocks) + "\n" if blocks else ""

    def blocks(self, nodes: Sequence[Node | str]) -> list[str]:
        out: list[str] = []
        run: list[Node | str] = []  # inline content outside a paragraph

        def flush() -> None:
            if run:
                text = self.inline(run, _Inline()).strip()
                if text:
                    out.append(_line_start(text))
                run.clear()

        for node in nodes:
            if isinstance(node, Node) and node.tag in BLOCK_TAGS | {"li", "tr", "td", "th"}:
                flush()
                block = self.block(node)
                if block:
                    # Two lists in a row would merge into one in Markdown: keep them apart.
                    if out and _is_list(out[-1]) and _is_list(block):
                        out.append("<!-- -->")
                    out.append(block)
            else:
                run.append(node)
        flush()
        return out

    def block(self, node: Node) -> str:
        tag = node.tag
        if tag == "p":
            if "word-toc" in node.attrs.get("class", "").split() or _is_toc_entry(node):
                self.toc_lines += 1
                return ""
            return _line_start(self.inline(node.children, _Inline()).strip())
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            if node is self.skip:
                return ""
            text = clean_title(self.inline(node.children, _Inline(heading=True)))
            if not text:
                return ""
            level = 2 if tag == "h1" else min(int(tag[1]) + self.heading_shift, 6)
            return heading_line(level, "") + _heading_text(text)
        if tag in ("ul", "ol"):
            if tag == "ol" and node.elements() and all(NOTE_ID.match(li.attrs.get("id", ""))
                                                       for li in node.elements()):
                return self.notes(node)
            return self.list(node)
        if tag == "table":
            return self.table(node)
        if tag == "blockquote":
            inner = "\n\n".join(self.blocks(node.children))
            return "\n".join(("> " + line).rstrip() for line in inner.split("\n")) if inner.strip() else ""
        if tag == "hr":
            return "---"
        if tag == "div":
            return "\n\n".join(self.blocks(node.children))
        self.warn(f"a <{tag}> element was not expected here; its text was kept as a paragraph")
        return _line_start(self.inline(node.children, _Inline()).strip())

    def list(self, node: Node) -> str:
        ordered = node.tag == "ol"
        lines: list[str] = []
        number = 0
        for child in node.children:
            if isinstance(child, str):
                if child.strip():
                    self.warn("text directly inside a list was kept as a list item")
                    child = Node("li", children=[child])
                else:
                    continue
            if child.tag in ("ul", "ol"):  # a list inside a list without an item: keep its level
                lines.append(self.list(child))
                continue
            inline = [c for c in child.children if not (isinstance(c, Node) and c.tag in BLOCK_TAGS)]
            nested = [c for c in child.children if isinstance(c, Node) and c.tag in BLOCK_TAGS]
            text = self.inline(inline, _Inline()).strip()
            if not text and not nested:
                continue
            if not text:  # only a nested list: Word's "level 2 with no level 1 above it"
                lines.extend(self.blocks(nested))
                continue
            number += 1
            marker = f"{number}. " if ordered else "- "
            lines.append(marker + _line_start(text))
            for sub in nested:
                block = self.block(sub)
                if not block:
                    continue
                if sub.tag not in ("ul", "ol"):
                    lines.append("")  # a paragraph in an item needs a blank line before it
                lines.extend(("    " + ln) if ln else "" for ln in block.split("\n"))
        return "\n".join(lines)

    def notes(self, node: Node) -> str:
        """Word footnotes and endnotes as Markdown footnotes (`[^1]: …`)."""
        out = []
        for li in node.elements():
            kind, number = NOTE_ID.match(li.attrs["id"]).groups()
            label = number if kind == "footnote" else f"e{number}"
            for a in _find_all(li, "a"):  # mammoth's "↑" link back to the reference
                if a.attrs.get("href", "").startswith(f"#{kind}-ref-"):
                    a.children.clear()
            paragraphs = self.blocks(li.children)
            if not paragraphs:
                continue
            text = f"[^{label}]: " + paragraphs[0]
            for more in paragraphs[1:]:
                text += "\n\n" + "\n".join("    " + ln for ln in more.split("\n"))
            out.append(text)
        return "\n\n".join(out)

    def table(self, node: Node) -> str:
        rows = [tr for tr in _find_all(node, "tr", stop={"table"})]
        if not rows:
            return ""
        grid: list[list[str]] = []
        pending: dict[int, tuple[int, str]] = {}  # column -> (rows still covered, text) for rowspan
        merged = False
        for tr in rows:
            row: list[str] = []
            cells = [c for c in tr.elements() if c.tag in ("td", "th")]
            col = 0

            def fill_spans() -> None:
                nonlocal col
                while col in pending:
                    left, _ = pending[col]
                    row.append("")
                    if left <= 1:
                        del pending[col]
                    else:
                        pending[col] = (left - 1, "")
                    col += 1

            for cell in cells:
                fill_spans()
                row.append(self.cell(cell))
                span = _int(cell.attrs.get("colspan"))
                rowspan = _int(cell.attrs.get("rowspan"))
                if span > 1 or rowspan > 1:
                    merged = True
                for extra in range(span):
                    if extra:
                        row.append("")
                    if rowspan > 1:
                        pending[col] = (rowspan - 1, "")
                    col += 1
            fill_spans()
            grid.append(row)
        width = max(len(r) for r in grid)
        if width == 0:
            return ""
        if merged:
            self.warn("a table has merged cells; Markdown tables cannot merge cells, so the "
                      "merged cells were left empty — check the table")
        if width == 1 and len(grid) == 1:
            # A one-cell table is Word's way of drawing a box round a note.
            self.warn("a one-cell table (a boxed note) became a quotation block")
            return "\n>\n".join("> " + ln for ln in grid[0][0].split("<br>") if ln.strip())
        grid = [r + [""] * (width - len(r)) for r in grid]
        lines = ["| " + " | ".join(grid[0]) + " |", "|" + "|".join(["---"] * width) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in grid[1:]]
        return "\n".join(lines)

    def cell(self, cell: Node) -> str:
        """A table cell on one line: paragraphs joined with <br>, list items as bullets."""
        parts: list[str] = []
        run: list[Node | str] = []

        def flush() -> None:
            if run:
                text = self.inline(run, _Inline(cell=True)).strip()
                if text:
                    parts.append(text)
                run.clear()

        for child in cell.children:
            if isinstance(child, Node) and child.tag in ("ul", "ol"):
                flush()
                self.warn("a list inside a table cell became lines starting with • (Markdown "
                          "tables cannot hold lists)")
                for n, li in enumerate(_find_all(child, "li"), start=1):
                    marker = f"{n}." if child.tag == "ol" else "•"
                    text = self.inline([c for c in li.children if not (isinstance(c, Node)
                                        and c.tag in BLOCK_TAGS)], _Inline(cell=True)).strip()
                    if text:
                        parts.append(f"{marker} {text}")
            elif isinstance(child, Node) and child.tag == "table":
                flush()
                self.warn("a table inside a table cell was flattened to text")
                parts.append(self.inline([clean_title(child.text())], _Inline(cell=True)))
            elif isinstance(child, Node) and child.tag in BLOCK_TAGS:
                flush()
                text = self.inline(child.children, _Inline(cell=True)).strip()
                if text:
                    parts.append(text)
            else:
                run.append(child)
        flush()
        return "<br>".join(parts)

    # inline

    def inline(self, nodes: Sequence[Node | str], ctx: _Inline) -> str:
        out = "".join(self._inline(n, ctx) for n in nodes)
        return re.sub(r" {2,}", " ", out)

    def _inline(self, node: Node | str, ctx: _Inline) -> str:
        if isinstance(node, str):
            text = SPACES.sub(" ", INVISIBLE.sub("", node))
            text = escape_markdown(text)
            return text.replace("|", "\\|") if ctx.cell else text
        tag = node.tag
        if tag in ("strong", "b"):
            inner = self.inline(node.children, _Inline(ctx.heading, ctx.cell, True, ctx.italic))
            return inner if ctx.heading or ctx.bold else _wrap("**", inner)
        if tag in ("em", "i"):
            inner = self.inline(node.children, _Inline(ctx.heading, ctx.cell, ctx.bold, True))
            return inner if ctx.heading or ctx.italic else _wrap("*", inner)
        if tag == "a":
            return self.link(node, ctx)
        if tag == "img":
            return self.image(node, ctx)
        if tag == "br":
            return " " if ctx.heading else "<br>"
        if tag == "sup":
            note = _note_reference(node)
            if note:
                return f"[^{note}]"
            inner = self.inline(node.children, ctx)
            return f"<sup>{inner}</sup>" if inner.strip() else inner
        if tag == "sub":
            inner = self.inline(node.children, ctx)
            return f"<sub>{inner}</sub>" if inner.strip() else inner
        if tag in ("s", "del", "strike"):
            self.warn("struck-through text was kept, marked with <s> — decide whether it "
                      "should be deleted")
            inner = self.inline(node.children, ctx)
            return f"<s>{inner}</s>" if inner.strip() else inner
        if tag in ("u", "span", "small", "li", "p", "td", "th"):
            return self.inline(node.children, ctx)
        if tag == "input" and node.attrs.get("type") == "checkbox":
            return "☒" if "checked" in node.attrs else "☐"
        if tag in BLOCK_TAGS:
            return " " + self.inline(node.children, ctx) + " "
        self.warn(f"a <{tag}> element was not converted; its text was kept")
        return self.inline(node.children, ctx)

    def link(self, node: Node, ctx: _Inline) -> str:
        href = node.attrs.get("href", "").strip()
        text = self.inline(node.children, ctx)
        if not href:  # a bookmark, or Word's _GoBack: an anchor nobody sees
            return text
        note = NOTE_HREF.match(href)
        if note:
            return f"[^{note.group(2) if note.group(1) == 'footnote' else 'e' + note.group(2)}]"
        if href.startswith("#"):
            self.warn(f"links to places inside the Word document (such as “{clean_title(node.text())[:40]}”) "
                      "were kept as plain text — link to a heading with [[id#heading]] instead")
            return text
        if not href.lower().startswith(LINK_SCHEMES):
            self.warn(f"the link to “{href[:60]}” is not a web address (it may be a file on a "
                      "computer or shared drive); it was kept as plain text")
            return text
        if not text.strip():
            return ""
        # `[a\]: …` at the start of a line would be read as a link definition: spell `]` as
        # an entity inside link text.
        text = text.replace("\\]", "&#93;")
        if ctx.heading:
            return f"[{text.strip()}]({_url(href)})"
        lead = " " if text.startswith(" ") else ""
        trail = " " if text.endswith(" ") else ""
        return f"{lead}[{text.strip()}]({_url(href)}){trail}"

    def image(self, node: Node, ctx: _Inline) -> str:
        src = node.attrs.get("src", "")
        name = self.images.get(src)
        if name is None:
            self.warn("an image could not be read from the document and was left out")
            return ""
        alt = SPACES.sub(" ", node.attrs.get("alt", "")).strip()
        if not alt:
            self.warn(f"image {name} has no alternative text — add a short description in the "
                      "square brackets for people who cannot see it")
        alt = escape_markdown(alt)
        return f"![{alt}]({self.images_rel}/{name})"


def _heading_text(text: str) -> str:
    """A closing `#` would be read as the end of the heading: escape it unless it already is."""
    if text.endswith("#") and (len(text) - 1 - len(text[:-1].rstrip("\\"))) % 2 == 0:
        return text[:-1] + "\\#"
    return text


def _is_list(block: str) -> bool:
    return bool(re.match(r"^(- |\d+\. )", block))


def _int(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _find_all(node: Node, tag: str, stop: set[str] = frozenset()) -> list[Node]:
    out = []
    for child in node.elements():
        if child.tag == tag:
            out.append(child)
        if child.tag not in stop:
            out.extend(_find_all(child, tag, stop))
    return out


def _note_reference(sup: Node) -> str | None:
    elements = sup.elements()
    if len(elements) == 1 and elements[0].tag == "a":
        m = NOTE_HREF.match(elements[0].attrs.get("href", ""))
        if m:
            return m.group(2) if m.group(1) == "footnote" else "e" + m.group(2)
    return None


def _is_toc_entry(p: Node) -> bool:
    """A paragraph that is only a link to one of Word's _Toc bookmarks."""
    links = [c for c in p.elements() if c.tag == "a"]
    return bool(links) and all(a.attrs.get("href", "").startswith("#_Toc") for a in links) \
        and not "".join(c for c in p.children if isinstance(c, str)).strip()


# --- the Word file -------------------------------------------------------------------------------

@dataclass
class Converted:
    html: str
    tree: Node
    images: dict[str, tuple[str, bytes]]  # mammoth src -> (file name, bytes)
    messages: list[str]


def _mb(size: int) -> str:
    return f"{math.ceil(size / MB)} MB"


def check_package(path: Path, shown: str) -> None:
    """Refuse, before mammoth unpacks anything, a file that is not a .docx or would unpack to
    far more than a procedure needs (a "zip bomb": a small file that fills memory)."""
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise Refused(f"{shown}: is not a Word document (a .docx file is a zip package, and this "
                      "is not one) — open it in Word, save it as a Word Document (.docx), and "
                      "import that") from None
    if "[Content_Types].xml" not in {m.filename for m in members}:
        raise Refused(f"{shown}: is a zip file but not a Word document — open it in Word, save "
                      "it as a Word Document (.docx), and import that")
    if len(members) > MAX_MEMBERS:
        raise Refused(f"{shown}: the document has {len(members)} parts, more than the "
                      f"{MAX_MEMBERS} the importer accepts — split the document")
    total = sum(m.file_size for m in members)
    if total > MAX_TOTAL:
        raise Refused(f"{shown}: the document would unpack to {_mb(total)}, more than the "
                      f"{_mb(MAX_TOTAL)} the importer accepts — remove large images or split "
                      "the document")
    for m in members:
        what = "the picture" if m.filename.startswith("word/media/") else "the part"
        if m.file_size > MAX_PART:
            raise Refused(f"{shown}: {what} {m.filename} would unpack to {_mb(m.file_size)}, more "
                          f"than the {_mb(MAX_PART)} the importer accepts for one part — make "
                          "pictures smaller (in Word: Picture Format › Compress Pictures) or "
                          "split the document")
        if m.file_size > MB and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise Refused(f"{shown}: {what} {m.filename} would unpack to {_mb(m.file_size)} from "
                          f"{m.compress_size:,} bytes, which no real document does — the file is "
                          "damaged or was made to do harm; open it in Word and save it again")


def picture_type(content: bytes) -> tuple[str | None, str]:
    """(the extension to save with, or None if refused; what the bytes are, for a warning)."""
    for magic, ext in PICTURES:
        if content.startswith(magic):
            return ext, ""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "webp", ""
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") and b"<svg" in head:
        return None, "an SVG drawing"
    if head.startswith(b"<"):
        return None, "HTML or XML text, not a picture"
    if content[40:44] == b" EMF":
        return None, "an EMF drawing"
    if content[:4] == b"\xd7\xcd\xc6\x9a" or (content[:2] in (b"\x01\x00", b"\x02\x00")
                                              and content[2:4] == b"\x09\x00"):
        return None, "a WMF drawing"
    if content[:2] == b"BM":
        return None, "a BMP picture"
    if content[:4] in (b"II*\x00", b"MM\x00*"):
        return None, "a TIFF picture"
    return None, "not in a picture format the importer recognises"


def read_docx(path: Path, shown: str | None = None) -> Converted:
    """Word → HTML with mammoth; images are kept in memory until we know where they go."""
    images: dict[str, tuple[str, bytes]] = {}
    by_digest: dict[str, str | None] = {}  # the same picture used twice is saved (or refused) once
    warnings: list[str] = []

    def convert_image(image) -> list:
        number = len(by_digest) + 1  # different pictures are numbered in order, saved or not
        alt = clean_title(image.alt_text or "")[:60]
        label = f"image {number}" + (f" (“{alt}”)" if alt else "")
        try:
            with image.open() as fh:
                content = fh.read()  # no bigger than MAX_PART: check_package saw to that
        except Exception as exc:  # noqa: BLE001 — one damaged picture is left out, not the document
            if isinstance(exc, InvalidFileReferenceError):
                # mammoth never opens a picture linked from outside the document: the link
                # could name any file on this computer
                why = ("is linked to a file outside the document rather than inserted in it, "
                       "so it was left out — insert the picture itself (Insert › Pictures)")
            else:
                why = "could not be read from the document (it is damaged), so it was left out " \
                      "— insert the picture again"
            warnings.append(f"{label} {why} and import again")
            by_digest[f"unreadable-{number}"] = None
            return []
        digest = hashlib.sha256(content).hexdigest()
        if digest not in by_digest:
            ext, kind = picture_type(content)
            if ext is None:
                warnings.append(f"{label} is {kind}, which the site does not publish, so it was "
                                "left out — save it as PNG or JPEG in Word (right-click it › Save "
                                "as Picture), put that in its place and import again")
                by_digest[digest] = None
            else:
                by_digest[digest] = f"image{number}.{ext}"
                images[by_digest[digest]] = (by_digest[digest], content)
        name = by_digest[digest]
        if name is None:
            return []
        attributes = {"src": name, **({"alt": image.alt_text} if image.alt_text else {})}
        return [mammoth_html.element("img", attributes)]

    check_package(path, shown or str(path))
    with open(path, "rb") as fh:
        # No style map from inside the document: ours decides what each Word style becomes.
        result = mammoth.convert_to_html(fh, style_map=STYLE_MAP, convert_image=convert_image,
                                         include_embedded_style_map=False,
                                         external_file_access=False)
    # mammoth judges pictures by their declared type; the warnings above judge the bytes.
    counts = Counter(m.message for m in result.messages if not m.message.startswith("Image of type"))
    messages = [msg if n == 1 else f"{msg} ({n} times)" for msg, n in counts.items()]
    return Converted(result.value, parse_html(result.value), images, messages + warnings)


def title_heading(tree: Node) -> Node | None:
    """The document's title: its first Heading 1 (or Title), unless that is one of the
    standard section headings (a document that uses Heading 1 for its sections)."""
    for node in tree.elements():
        if node.tag == "h1" and clean_title(node.text()):
            name = clean_title(node.text()).rstrip(":").lower()
            return None if name in {n.lower() for n in STANDARD_NAMES} else node
    return None


def title_from_file(path: Path) -> str:
    stem = re.sub(r"[_\s]+", " ", path.stem).strip()
    if " " not in stem and "-" in stem:
        stem = stem.replace("-", " ")
    return clean_title(stem[:1].upper() + stem[1:])


def to_markdown(converted: Converted, p: Plan, skip: Node | None) -> tuple[str, list[str]]:
    writer = MarkdownWriter(p.images_rel, {src: name for src, (name, _c) in converted.images.items()})
    writer.skip = skip
    body = heading_line(1, p.title) + "\n\n" + writer.document(converted.tree)
    return body, writer.warnings


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="import_docx.py", description="Convert a Word (.docx) procedure into a "
                     "new draft procedure, listing anything that could not be converted. Exit 0 "
                     "written, 1 refused or unreadable, 2 usage error.")
    parser.add_argument("file", metavar="FILE.docx", help="the Word document")
    parser.add_argument("--title", help="the procedure's title; it replaces the document's first "
                        "Heading 1 (default: that heading's text, or the file name)")
    add_common_arguments(parser)

    def body(args) -> int:
        source = Path(args.file)
        shown = args.file
        if not source.is_file():
            raise Refused(f"{shown}: no such file — check the name and folder (put the name in "
                          "quotes if it has spaces)", 2)
        if source.suffix.lower() != ".docx":
            hint = (" — open it in Word (or LibreOffice) and save it as a Word Document (.docx)"
                    if source.suffix.lower() in (".doc", ".rtf", ".odt") else "")
            raise Refused(f"{shown}: only Word .docx files can be imported{hint}", 2)
        where = locate(args.root, args.section)
        try:
            converted = read_docx(source, shown)
        except Refused:
            raise
        except Exception as exc:  # noqa: BLE001 — any damage in a third-party file is the file's
            raise Refused(f"{shown}: cannot be read as a Word document ({exc.__class__.__name__}) "
                          "— open it in Word, save it again as .docx, and retry") from None
        skip = title_heading(converted.tree)
        notes = []
        if args.title is not None:
            title = args.title
        elif skip is not None:
            title = clean_title(skip.text())
        else:
            title = title_from_file(source)
            notes.append(f"the document has no Heading 1, so the title “{title}” comes from the "
                         "file name — change `title:` (and the # line) if it is wrong")
        p = plan(where, title, args.today, args.owner)
        text, warnings = to_markdown(converted, p, skip)
        images = list(converted.images.values())
        write(p, front_matter(p) + "\n" + text, images)
        report(p)
        if images:
            print(f"Saved {len(images)} image{'s' * (len(images) != 1)} in "
                  f"{Path(p.rel_path).parent.as_posix()}/{p.images_rel}/")
        for note in notes:
            print(f"note: {note}")
        for message in converted.messages + warnings:
            # Text from the document (style names, links, alt text) never reaches the terminal
            # as control characters, which could fake or hide a line.
            print(f"{shown}: warning: {_UNSAFE.sub(' ', message)}", file=sys.stderr)
        return 0

    return run(argv, parser, body)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

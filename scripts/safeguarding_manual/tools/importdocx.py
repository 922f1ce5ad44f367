"""Import a Word procedure: `scripts/import_docx.py FILE.docx --section FOLDER [--title …]`.

Word → HTML is mammoth's job (a maintained library that understands Word's styles, lists,
tables, notes and images); HTML → Markdown is markdownify's (mammoth's own Markdown output is
deprecated and drops tables). MarkdownWriter, below, gives markdownify the manual's conventions
and its escaping: the text of a Word document is anyone's, so whatever it says comes out as
text. Every element mammoth's HTML is not expected to hold is reported rather than silently
lost.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from urllib.parse import quote

import mammoth
from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from mammoth import html as mammoth_html
from mammoth.docx.files import InvalidFileReferenceError
from markdownify import MarkdownConverter, chomp

from .newproc import STANDARD_NAMES, Plan, Refused, _Parser, _UNSAFE, add_common_arguments, clean_title, escape_markdown, front_matter, heading_line, locate, plan, report, run, write

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
              "hr", "div"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
CELLS = {"td", "th"}
# The elements mammoth writes; any other is kept as text with a warning.
CONVERTED = BLOCK_TAGS | HEADINGS | CELLS | {"[document]", "li", "tr", "strong", "b", "em", "i", "a",
                                             "img", "br", "sup", "sub", "s", "del", "strike", "input"}
MAX_SPAN = 63  # columns in Word's widest table
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


# --- HTML → Markdown: markdownify, with the manual's conventions -------------------------------

def parse_html(html: str) -> BeautifulSoup:
    """mammoth's HTML as a tree (Python's own html.parser: nothing is fetched or run)."""
    return BeautifulSoup(html, "html.parser")


def _text(tag: Tag) -> str:
    """An element's text as Word shows it: a line break is a space; comments are not text."""
    return "".join(" " if getattr(d, "name", None) == "br" else str(d) for d in tag.descendants
                   if getattr(d, "name", None) == "br"
                   or (isinstance(d, NavigableString) and not isinstance(d, PreformattedString)))


def _line_start(text: str) -> str:
    """Escape what would turn the start of a line into a heading, quote, list, definition,
    admonition (`!!!`), collapsible block (`???`) or code fence (`~~~`). (markdownify's
    escape_misc does some of this, but also mid-line and with backslashes Python-Markdown does
    not honour for `:`, `?` and `~`.)"""
    m = re.match(r"^(\d+)([.)])(\s|$)", text)
    if m:
        return f"{m.group(1)}\\{m.group(2)}{text[m.end(2):]}"
    if re.match(r"^([#>+-]|!!!)", text):
        return "\\" + text
    for start, entity in ((":", "&#58;"), ("?", "&#63;"), ("~", "&#126;")):
        if text.startswith(start):  # not escapable with a backslash in Python-Markdown
            return entity + text[1:]
    return text


def _squeeze(text: str) -> str:
    """Runs of spaces between inline pieces as one space (never a line's indentation)."""
    return re.sub(r"(?<=\S) {2,}", " ", text)


def _url(href: str) -> str:
    # Quotes and parentheses are %-escaped: in `(https://x.org/'')` Markdown reads `''` as a title.
    return quote(href.strip(), safe="/:?#[]@!$&*+,;=%~-._")


def _heading_text(text: str) -> str:
    """A closing `#` would be read as the end of the heading: escape it unless it already is."""
    if text.endswith("#") and (len(text) - 1 - len(text[:-1].rstrip("\\"))) % 2 == 0:
        return text[:-1] + "\\#"
    return text


def _int(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _note_label(kind: str, number: str) -> str:
    return number if kind == "footnote" else f"e{number}"


def _is_notes(ol: Tag) -> bool:
    """mammoth's list of footnotes or endnotes (`<ol><li id="footnote-1">…`)."""
    items = ol.find_all(True, recursive=False)
    return bool(items) and all(NOTE_ID.match(li.get("id", "")) for li in items)


def _note_reference(sup: Tag) -> bool:
    elements = sup.find_all(True, recursive=False)
    return len(elements) == 1 and elements[0].name == "a" \
        and bool(NOTE_HREF.match(elements[0].get("href", "")))


def _is_toc(p: Tag) -> bool:
    """A line of Word's table of contents: by its style, or a paragraph that is only links to
    Word's _Toc bookmarks."""
    if p.name != "p":
        return False
    if "word-toc" in p.get("class", []):
        return True
    links = p.find_all("a", recursive=False)
    return bool(links) and all(a.get("href", "").startswith("#_Toc") for a in links) \
        and not "".join(p.find_all(string=True, recursive=False)).strip()


class MarkdownWriter(MarkdownConverter):
    """mammoth's HTML as the manual's Markdown: `##` headings and below (the page's `#` is its
    title), `-` bullets, pipe tables, and every piece of text escaped so that it shows as
    written — never as HTML, a link, an attribute list or an `[[xref]]`. Elements mammoth does
    not write are kept as text with a warning, never converted by markdownify's defaults (its
    <pre> and <code> would not escape their text)."""

    class Options(MarkdownConverter.DefaultOptions):
        heading_style = "atx"
        bullets = "-"
        autolinks = False  # always [text](url)
        escape_misc = False  # escape() below is the manual's own escaping
        sub_symbol, sup_symbol = "<sub>", "<sup>"

    def __init__(self, images_rel: str, images: dict[str, str] | None = None) -> None:
        super().__init__()
        self.images_rel = images_rel
        self.images = images or {}  # src written by mammoth -> file name in images_rel
        self.warnings: list[str] = []
        self.heading_shift = 0
        self.skip: Tag | None = None  # the Heading 1 used as the title
        self.toc_lines = 0
        self._cells: dict[int, str] = {}  # id(td) -> its text on one line, for convert_table
        self._numbers: Counter[int] = Counter()  # id(ol) -> items numbered so far
        self._after_list: dict[int, bool] = {}  # id(container) -> its last block was a list
        self._notes: set[int] = set()  # id() of mammoth's lists of footnotes and endnotes

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def document(self, root: BeautifulSoup) -> str:
        h1s = [n for n in root.find_all("h1", recursive=False) if clean_title(_text(n))]
        # Further Heading 1s become `##`: the page has one title. Lower levels move down with
        # them so the outline is kept.
        self.heading_shift = 1 if [n for n in h1s if n is not self.skip] else 0
        self._tidy(root)
        self._notes = {id(ol) for ol in root.find_all("ol") if _is_notes(ol)}
        text = self.convert_soup(root)
        if not text.strip():
            self.warn("the document has no text to convert apart from its title")
        if self.toc_lines:
            self.warn(f"removed the Word table of contents ({self.toc_lines} lines) — the website "
                      "lists a page's headings itself")
        return text + "\n" if text.strip() else ""

    def _tidy(self, root: BeautifulSoup) -> None:
        """Put text that is outside a paragraph into one, so that its start is escaped like a
        paragraph's (in a list item, text after a nested list or paragraph), and text directly
        inside a list into an item."""
        for container in [root, *root.find_all(["blockquote", "div", "ul", "ol", "li"])]:
            listing = container.name in ("ul", "ol")
            run: list = []
            for n, child in enumerate([*container.children, None]):
                if child is not None and not isinstance(child, PreformattedString) and not (
                        isinstance(child, Tag) and child.name in BLOCK_TAGS | {"li", "tr", "td", "th"}):
                    run.append(child)
                    continue
                if container.name == "li" and n == len(run):
                    pass  # an item's own text, before anything else in it
                elif any(isinstance(c, Tag) or c.strip() for c in run):
                    if listing and any(isinstance(c, NavigableString) and c.strip() for c in run):
                        self.warn("text directly inside a list was kept as a list item")
                    wrapper = root.new_tag("li" if listing else "p")
                    run[0].insert_before(wrapper)
                    for c in run:
                        wrapper.append(c.extract())
                run = []

    # the tree, element by element

    def get_conv_fn(self, tag_name: str):
        if tag_name in ("u", "span", "small", "thead", "tbody", "tfoot"):
            return None  # their content, as it is
        if tag_name in CONVERTED:
            return super().get_conv_fn(tag_name)
        return self.convert_unknown

    def process_tag(self, node, parent_tags=None):
        if node is self.skip:
            return ""
        if _is_toc(node):
            self.toc_lines += 1
            return ""
        text = super().process_tag(node, parent_tags)
        if node.parent is not None and node.parent.name in ("[document]", "blockquote", "div") \
                and node.name in BLOCK_TAGS and text.strip():
            # Two lists in a row would merge into one in Markdown: keep them apart.
            is_list = node.name in ("ul", "ol") and id(node) not in self._notes
            if is_list and self._after_list.get(id(node.parent)):
                text = "\n\n<!-- -->\n\n" + text.lstrip("\n")
            self._after_list[id(node.parent)] = is_list
        return text

    def process_text(self, el, parent_tags=None):
        if isinstance(el, PreformattedString):  # CDATA, <?…?>, <!…>: not text
            return ""
        # Text is always escaped and its spaces normalised, even inside <pre> or <code>.
        return super().process_text(el, (parent_tags or set()) - {"pre", "_noformat"})

    def escape(self, text: str, parent_tags) -> str:
        # `|` too, everywhere: two list items such as `1. a |` and `- |` are a table header and
        # its rule to the tables extension (which also makes `\|` an escape). `](` is spelled
        # with an entity, as in link text, so that the safety check never reads it as a link.
        text = escape_markdown(SPACES.sub(" ", INVISIBLE.sub("", text)))
        return text.replace("|", "\\|").replace("\\](", "&#93;(")

    def convert_unknown(self, el, text, parent_tags):
        self.warn(f"a <{el.name}> element was not converted; its text was kept")
        return text

    def _block(self, text: str, parent_tags) -> str:
        """A paragraph's text: a line of its own, or in a cell a line joined with <br>."""
        if parent_tags & CELLS:
            return f"\n{text}\n"
        if parent_tags & HEADINGS:
            return f" {text} "
        return f"\n\n{_line_start(text)}\n\n"

    def convert_p(self, el, text, parent_tags):
        text = _squeeze(text).strip()
        return self._block(text, parent_tags) if text else ""

    def convert_hN(self, n, el, text, parent_tags):
        text = clean_title(text)
        if not text:
            return ""
        if "_inline" in parent_tags:
            return self._block(text, parent_tags)
        level = 2 if n == 1 else min(n + self.heading_shift, 6)
        return f"\n\n{heading_line(level, '')}{_heading_text(text)}\n\n"

    def convert_list(self, el, text, parent_tags):
        if id(el) in self._notes:
            return f"\n\n{text.strip()}\n\n"
        return super().convert_list(el, text, parent_tags)

    convert_ul = convert_ol = convert_list

    def convert_li(self, el, text, parent_tags):
        text = _squeeze(text)
        parent = el.parent
        if id(parent) in self._notes:
            return self._note(el, text.strip())
        if parent_tags & CELLS:
            self.warn("a list inside a table cell became lines starting with • (Markdown tables "
                      "cannot hold lists)")
            own, _, rest = text.partition("\n")
            if not own.strip():
                return text
            self._numbers[id(parent)] += 1
            marker = f"{self._numbers[id(parent)]}." if parent.name == "ol" else "•"
            return f"\n{marker} {own.strip()}\n{rest}"
        first = next((c for c in el.children if isinstance(c, Tag) or c.strip()), None)
        text = text.strip()
        if not text:
            return ""
        if getattr(first, "name", None) in ("ul", "ol") and text.startswith(("- ", "1. ")):
            # Only a nested list: Word's "level 2 with no level 1 above it" keeps its level.
            return f"\n{text}\n"
        marker = "- "
        if parent.name == "ol":
            self._numbers[id(parent)] += 1
            marker = f"{self._numbers[id(parent)]}. "
        # markdownify indents by the marker's width, but Python-Markdown needs four spaces
        # before what belongs to an item ("1. " is three): a nested list would come loose.
        # After an item with a paragraph in it, a blank line, or the next item joins it.
        return _hang(marker, _line_start(text)) + ("\n\n" if "\n\n" in text else "\n")

    def _note(self, li: Tag, text: str) -> str:
        """A Word footnote or endnote as a Markdown footnote (`[^1]: …`)."""
        if not text:
            return ""
        label = _note_label(*NOTE_ID.match(li["id"]).groups())
        return f"\n\n{_hang(f'[^{label}]: ', text)}\n\n"

    def convert_strong(self, el, text, parent_tags):
        if parent_tags & ({"strong", "b"} | HEADINGS):
            return text
        return _wrap("**", text)

    convert_b = convert_strong

    def convert_em(self, el, text, parent_tags):
        if parent_tags & ({"em", "i"} | HEADINGS):
            return text
        return _wrap("*", text)

    convert_i = convert_em

    def convert_sup(self, el, text, parent_tags):
        if _note_reference(el):
            return text  # the [^1] its link became
        return super().convert_sup(el, text, parent_tags)

    def convert_s(self, el, text, parent_tags):
        self.warn("struck-through text was kept, marked with <s> — decide whether it should be "
                  "deleted")
        return f"<s>{text}</s>" if text.strip() else text

    convert_del = convert_strike = convert_s

    def convert_br(self, el, text, parent_tags):
        return " " if parent_tags & HEADINGS else "<br>"

    def convert_input(self, el, text, parent_tags):
        if el.get("type") == "checkbox":
            return "☒" if el.has_attr("checked") else "☐"
        return self.convert_unknown(el, text, parent_tags)

    def convert_a(self, el, text, parent_tags):
        href = el.get("href", "").strip()
        if not href:  # a bookmark, or Word's _GoBack: an anchor nobody sees
            return text
        note = NOTE_HREF.match(href)
        if note:
            return f"[^{_note_label(*note.groups())}]"
        if href.startswith("#"):
            if re.match(r"#(footnote|endnote)-ref-", href) and any(
                    NOTE_ID.match(li.get("id", "")) for li in el.find_parents("li")):
                return ""  # mammoth's "↑" from a note back to its reference
            self.warn(f"links to places inside the Word document (such as “{clean_title(_text(el))[:40]}”) "
                      "were kept as plain text — link to a heading with [[id#heading]] instead")
            return text
        if not href.lower().startswith(LINK_SCHEMES):
            self.warn(f"the link to “{href[:60]}” is not a web address (it may be a file on a "
                      "computer or shared drive); it was kept as plain text")
            return text
        prefix, suffix, text = chomp(text)
        if not text:
            return ""
        # `[a\]: …` at the start of a line would be read as a link definition: spell `]` as
        # an entity inside link text.
        text = text.replace("\\]", "&#93;")
        return f"{prefix}[{text}]({_url(href)}){suffix}"

    def convert_img(self, el, text, parent_tags):
        name = self.images.get(el.get("src", ""))
        if name is None:
            self.warn("an image could not be read from the document and was left out")
            return ""
        alt = SPACES.sub(" ", el.get("alt", "")).strip()
        if not alt:
            self.warn(f"image {name} has no alternative text — add a short description in the "
                      "square brackets for people who cannot see it")
        return f"![{self.escape(alt, parent_tags)}]({self.images_rel}/{name})"

    # tables: markdownify writes one row at a time and knows nothing of rowspan, so the cells
    # are kept here and the table is laid out on a grid once all of them are converted

    def convert_td(self, el, text, parent_tags):
        """A table cell on one line: paragraphs joined with <br>, list items as bullets."""
        cell = "<br>".join(ln.strip() for ln in _squeeze(text).split("\n") if ln.strip())
        if "table" not in parent_tags:  # a cell outside a table: its text as a paragraph
            return self._block(cell, parent_tags) if cell else ""
        self._cells[id(el)] = cell
        return ""

    convert_th = convert_td

    def convert_tr(self, el, text, parent_tags):
        return text

    def convert_table(self, el, text, parent_tags):
        if parent_tags & CELLS:
            self.warn("a table inside a table cell was flattened to text")
            return f"\n{self.escape(clean_title(_text(el)), parent_tags)}\n"
        rows = [tr for tr in el.find_all("tr") if tr.find_parent("table") is el]
        grid: list[list[str]] = []
        pending: dict[int, int] = {}  # column -> rows still covered by a rowspan above
        merged = False
        for tr in rows:
            row: list[str] = []

            def fill_spans() -> None:
                while len(row) in pending:
                    col = len(row)
                    row.append("")
                    pending[col] -= 1
                    if not pending[col]:
                        del pending[col]

            for cell in tr.find_all(["td", "th"], recursive=False):
                fill_spans()
                # At most Word's 63 columns: a hostile span must not fill memory.
                span, rowspan = min(_int(cell.get("colspan")), MAX_SPAN), _int(cell.get("rowspan"))
                merged = merged or span > 1 or rowspan > 1
                for extra in range(span):
                    if rowspan > 1:
                        pending[len(row)] = rowspan - 1
                    row.append("" if extra else self._cells.get(id(cell), ""))
            fill_spans()
            grid.append(row)
        width = max((len(r) for r in grid), default=0)
        if width == 0:
            return ""
        if merged:
            self.warn("a table has merged cells; Markdown tables cannot merge cells, so the "
                      "merged cells were left empty — check the table")
        if width == 1 and len(grid) == 1:
            # A one-cell table is Word's way of drawing a box round a note.
            self.warn("a one-cell table (a boxed note) became a quotation block")
            return "\n\n" + "\n>\n".join("> " + ln for ln in grid[0][0].split("<br>") if ln.strip()) + "\n\n"
        if width > MAX_SPAN:  # not from Word; and every row is filled out to the widest
            self.warn(f"a table is {width} columns wide, more than Word's {MAX_SPAN}; the cells "
                      f"from column {MAX_SPAN} on were put together in the last column")
            grid = [r[:MAX_SPAN - 1] + ["<br>".join(c for c in r[MAX_SPAN - 1:] if c)]
                    if len(r) > MAX_SPAN else r for r in grid]
            width = MAX_SPAN
        grid = [r + [""] * (width - len(r)) for r in grid]
        lines = ["| " + " | ".join(grid[0]) + " |", "|" + "|".join(["---"] * width) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in grid[1:]]
        return "\n\n" + "\n".join(lines) + "\n\n"


def _hang(marker: str, text: str) -> str:
    """`marker` before the first line, and four spaces before the others."""
    first, *rest = text.split("\n")
    return "\n".join([marker + first] + [("    " + ln) if ln else "" for ln in rest])


def _wrap(marker: str, content: str) -> str:
    """`**text**`, with spaces kept outside the markers (`** text**` is not bold)."""
    prefix, suffix, core = chomp(content)
    if not core:
        return " " if content else ""
    return f"{prefix}{marker}{core}{marker}{suffix}"


# --- the Word file -------------------------------------------------------------------------------

@dataclass
class Converted:
    html: str
    tree: BeautifulSoup
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


def title_heading(tree: BeautifulSoup) -> Tag | None:
    """The document's title: its first Heading 1 (or Title), unless that is one of the
    standard section headings (a document that uses Heading 1 for its sections)."""
    for node in tree.find_all(True, recursive=False):
        if node.name == "h1" and clean_title(_text(node)):
            name = clean_title(_text(node)).rstrip(":").lower()
            return None if name in {n.lower() for n in STANDARD_NAMES} else node
    return None


def title_from_file(path: Path) -> str:
    stem = re.sub(r"[_\s]+", " ", path.stem).strip()
    if " " not in stem and "-" in stem:
        stem = stem.replace("-", " ")
    return clean_title(stem[:1].upper() + stem[1:])


def to_markdown(converted: Converted, p: Plan, skip: Tag | None) -> tuple[str, list[str]]:
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
            title = clean_title(_text(skip))
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

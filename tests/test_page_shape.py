"""The shape a reader sees, checked over the built HTML: no Markdown syntax shows as text
anywhere, and every generated page has the structure of its data (one list item per
indicator under its domain's heading, one heading per letter of topics…)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from helpers import REPO
from safeguarding_manual.content import data
from safeguarding_manual.content.corpus import Settings, load

RESIDUE = [re.compile(p) for p in (r"\{:\s*[#.]", r"\[\[", r"\]\(", r"(^|\n)\s*#{2,6} ", r"\*\*\S",
                                  r"(^|\n)\s*\|\s*-{3}")]


class Text(HTMLParser):
    """Visible text of the page's article, outside code; and its structure."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth_code = 0
        self.in_article = 0
        self.parts: list[str] = []
        self.stack: list[tuple[str, dict]] = []
        self.events: list[tuple[str, str, dict]] = []  # (start|end|text, tag or text, attrs)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "article":
            self.in_article += 1
        if tag in ("code", "pre", "script", "style"):
            self.depth_code += 1
        if self.in_article:
            self.events.append(("start", tag, a))

    def handle_endtag(self, tag):
        if tag in ("code", "pre", "script", "style"):
            self.depth_code = max(0, self.depth_code - 1)
        if self.in_article:
            self.events.append(("end", tag, {}))
        if tag == "article":
            self.in_article -= 1

    def handle_data(self, text):
        if self.in_article and not self.depth_code:
            self.parts.append(text)
            self.events.append(("text", text, {}))


def parse(file: Path) -> Text:
    t = Text()
    t.feed(file.read_text(encoding="utf-8"))
    return t


def test_no_markdown_syntax_is_visible_on_any_page(real_site):
    problems = []
    for file in sorted(real_site.rglob("*.html")):
        text = "".join(parse(file).parts)
        for pattern in RESIDUE:
            m = pattern.search(text)
            if m:
                problems.append(f"{file.relative_to(real_site)}: {text[max(0, m.start() - 40):m.end() + 40]!r}")
    assert not problems, "\n".join(problems[:20])


def _items_under_headings(t: Text, heading: str) -> dict[str, int]:
    """For each <heading id=…>, the number of <li> in the first list that follows it."""
    counts: dict[str, int] = {}
    current, depth, in_list = None, 0, False
    for kind, tag, attrs in t.events:
        if kind == "start" and tag == heading and attrs.get("id"):
            current, in_list, depth = attrs["id"], False, 0
            counts[current] = 0
        elif current and kind == "start" and tag in ("ul", "ol"):
            if not in_list and counts[current] == 0:
                in_list = True
            depth += 1
        elif current and kind == "end" and tag in ("ul", "ol"):
            depth -= 1
            if depth == 0 and in_list:
                current = None
        elif current and in_list and depth == 1 and kind == "start" and tag == "li":
            counts[current] += 1
        elif current and kind == "start" and tag in ("h2", "h3") and not in_list:
            current = None
    return counts


def test_level_pages_have_one_list_item_per_indicator_under_each_domain(real_site):
    threshold, _ = data.load_threshold(REPO / "docs")
    for lv in threshold.levels:
        t = parse(real_site / f"threshold/{lv.id}/index.html")
        counts = _items_under_headings(t, "h3")
        for d in threshold.domains:
            expected = len(lv.indicators[d.id]) or 1  # "No indicators listed." when empty
            assert counts.get(d.id) == expected, (lv.id, d.id, counts.get(d.id), expected)
        headings = [a.get("id") for k, tag, a in t.events if k == "start" and tag == "h2"]
        assert "what-you-should-do" in headings and "indicators" in headings
        steps = sum(1 for k, tag, _a in t.events if k == "start" and tag == "ol")
        assert steps >= 1


def test_explorer_and_matrix_list_every_indicator_once(real_site):
    threshold, _ = data.load_threshold(REPO / "docs")
    total = len(threshold.indicators)
    explorer = parse(real_site / "threshold/explorer/index.html")
    items = [a for k, tag, a in explorer.events if k == "start" and tag == "li" and "data-level" in a]
    assert len(items) == total
    matrix = parse(real_site / "threshold/matrix/index.html")
    tds = sum(1 for k, tag, _a in matrix.events if k == "start" and tag == "td")
    lis = sum(1 for k, tag, _a in matrix.events if k == "start" and tag == "li")
    assert tds == len(threshold.domains) * len(threshold.levels) and lis == total


def test_topics_page_has_one_heading_per_letter_and_one_item_per_topic(real_site):
    content = load(Settings.from_mkdocs_yml(REPO))
    topics = {k.strip().lower() for p in content.manual.published for k in p.keywords if k.strip()}
    letters = {t[0].upper() for t in topics}
    t = parse(real_site / "procedures/by-topic/index.html")
    h2 = [a.get("id") for k, tag, a in t.events if k == "start" and tag == "h2"]
    assert len(h2) == len(letters)
    counts = _items_under_headings(t, "h2")
    assert sum(counts.values()) == len(topics)


def test_contents_page_has_a_heading_and_a_table_per_section(real_site):
    content = load(Settings.from_mkdocs_yml(REPO))
    t = parse(real_site / "procedures/index.html")
    sections = [s for s in content.manual.sections.values()
                if any(p.section == s.folder for p in content.manual.published)]
    h2 = sum(1 for k, tag, _a in t.events if k == "start" and tag == "h2")
    tables = sum(1 for k, tag, _a in t.events if k == "start" and tag == "table")
    rows = sum(1 for k, tag, _a in t.events if k == "start" and tag == "tr")
    assert h2 == len(sections) and tables == len(sections)
    assert rows == len(content.manual.published) + len(sections)  # a header row per table


def test_no_placeholder_address_and_no_repository_chrome_for_the_public(real_site):
    for file in real_site.rglob("*"):
        if file.suffix in (".html", ".xml", ".json") and file.is_file():
            text = file.read_text(encoding="utf-8", errors="replace")
            assert ".invalid" not in text and "example.invalid" not in text, file
    home = (real_site / "index.html").read_text(encoding="utf-8")
    assert 'rel="edit"' not in home and "md-source" not in home  # no edit pencil, no "Source" link

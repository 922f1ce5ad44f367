"""Generated pages: the contents, indexes, Threshold of Need pages, glossary, review schedule
and what's changed, built from the content model.

Each page is Markdown (so MkDocs validates every link and the toc sees every heading) made
by the `markup` builder: every data value is escaped text by construction, and each list
item, heading and table row is one block — no template whitespace decides where one ends.
HTML the builder cannot express (the matrix, the explorer's form) comes from an autoescaping
Jinja environment; a template in `overrides/manual/` replaces the built-in one.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import posixpath
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from xml.etree import ElementTree as ET

import jinja2

from ..content import data, markup, schema
from ..content.corpus import Content, manual_dir
from ..content.loader import DEFAULTABLE
from ..content.markup import Inline, code, join, link, paragraphs, rich, strong, text
from .search import Topics
from ..content.model import Procedure, Reviewable
from ..content.references import prose_lines
from ..content.reviews import ReviewStatus, record as review_record, urgency


def longdate(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


@functools.lru_cache(maxsize=4)  # one per overrides folder: a preview rebuild compiles nothing
def environment(overrides: Path | None = None) -> jinja2.Environment:
    """HTML fragments: autoescape on, so every value is text unless marked otherwise."""
    loaders: list[jinja2.BaseLoader] = []
    if overrides and (overrides / "manual").is_dir():
        loaders.append(jinja2.FileSystemLoader(str(overrides / "manual")))
    loaders.append(jinja2.PackageLoader("safeguarding_manual.website", "templates"))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(longdate=longdate, slug=data.slug)
    return env


@dataclass
class Row:
    doc: Reviewable
    status: ReviewStatus


def anchor(value: str, prefix: str = "s") -> str:
    """A heading id that is always safe (a letter first, then letters, digits, hyphens)."""
    s = data.slug(value)
    return s if s[:1].isalpha() else f"{prefix}-{s}" if s else prefix


class Renderer:
    """Renders every generated page for one build. `today` is injected, never read here."""

    def __init__(self, content: Content, today: dt.date, due_within: int = 60,
                 overrides: Path | None = None, directory_urls: bool = True, manual_pdf: str = ""):
        self.content, self.today, self.due_within = content, today, due_within
        self.directory_urls = directory_urls
        # The whole-manual PDF's path in the site (pdf.py), in a published build only: the
        # contents page links to it. Empty in plain builds and previews, which have no PDFs.
        self.manual_pdf = manual_pdf
        self.env = environment(overrides)
        self.procedures = {p.id: p for p in content.manual.published}
        self._review_cache: dict[str, ReviewStatus] = {}
        self.embeds: dict[str, list[str]] = {}  # site path -> trusted HTML fragments
        self.composed: set[str] = set()  # generated pages made of editors' Markdown

    def review(self, doc: Reviewable) -> ReviewStatus:
        key = f"{doc.path}#{doc.id}"
        if key not in self._review_cache:
            self._review_cache[key] = doc.review(self.today, self.due_within)
        return self._review_cache[key]

    # --- links -------------------------------------------------------------------------

    @staticmethod
    def link_path(site_path: str, target: str) -> str:
        """A relative Markdown link from one page to another: MkDocs resolves and validates it."""
        base = posixpath.dirname(site_path).split("/") if "/" in site_path else []
        return relative_path(target, base)

    def href(self, site_path: str, target: str) -> str:
        """A URL for raw HTML, which MkDocs leaves alone."""
        here = page_url(site_path, self.directory_urls)
        base = here if here.endswith("/") or not here else posixpath.dirname(here) + "/"
        there = page_url(target, self.directory_urls)
        rel = posixpath.relpath(there or ".", base.rstrip("/") or ".")
        return rel.rstrip("/") + "/" if there.endswith("/") or not there else rel

    def fragment(self, template: str, site_path: str, **ctx: Any) -> str:
        return self.env.get_template(template).render(
            href=lambda target: self.href(site_path, target), procedures=self.procedures, **ctx)

    def _finish(self, site_path: str, page: markup.Page) -> str:
        if page.embeds:
            self.embeds[site_path] = page.embeds
        return page.render()

    def _proc_link(self, site_path: str, p: Procedure) -> Inline:
        return link(p.title, self.link_path(site_path, p.site_path))

    # --- the pages ---------------------------------------------------------------------

    def sections(self) -> list[dict]:
        manual = self.content.manual
        out = []
        for folder, section in sorted(manual.sections.items(), key=lambda kv: (kv[1].order, kv[1].title)):
            procs = sorted((p for p in manual.published if p.section == folder), key=lambda p: p.title.lower())
            if procs:
                out.append({"title": section.title, "description": section.description,
                            "slug": anchor(folder or "general"), "folder": folder, "procedures": procs})
        return out

    def pages(self) -> dict[str, str]:
        """site path -> Markdown for every generated page."""
        c, base = self.content, manual_dir(self.content.settings)
        sections = self.sections()
        self.embeds = {}
        out = {f"{base}/index.md": self.contents_page(f"{base}/index.md", sections)}
        for s in sections:
            if s["folder"]:
                path = f"{base}/{s['folder']}/index.md"
                out[path] = self.section_page(path, s)
        out[f"{base}/by-agency.md"] = self.agency_page(f"{base}/by-agency.md")
        out[f"{base}/by-topic.md"] = self.topic_page(f"{base}/by-topic.md")
        if c.threshold:
            out.update(self.threshold_pages())
        whole = self.arrangements_page("arrangements/whole-document.md")
        if whole:
            out["arrangements/whole-document.md"] = whole
        out["glossary.md"] = self.glossary_page("glossary.md")
        out["reviews.md"] = self.review_page()
        out["editors/front-matter.md"] = self.front_matter_page("editors/front-matter.md")
        out["whats-changed.md"] = self.whats_changed_page("whats-changed.md")
        out["topics.md"] = self.topics_page("topics.md")
        out["search.md"] = self.search_page("search.md")
        return out

    def topics_page(self, sp: str) -> str:
        """The A–Z of topics: every name the manual uses, and the people's words from the
        thesaurus, each with the pages it leads to. Plain links: it works without JavaScript."""
        entries = Topics(self.content).a_to_z()
        page = markup.Page("A–Z of topics", meta={"search": {"exclude": True}})
        page.heading(1, "A–Z of topics")
        page.para("Every topic in the manual, under the words people use for it, with the pages "
                  "that deal with it. Use your browser's find (Ctrl+F, or \"Find in page\" on a "
                  "phone) to jump to a word.")
        by_letter: dict[str, list] = {}
        for key, (label, links) in entries.items():
            first = next((ch for ch in key.upper() if ch.isalnum()), "#")
            by_letter.setdefault(first if first.isalpha() else "0–9", []).append((label, links))
        letters = sorted(by_letter, key=lambda L: (not L.isalpha(), L))
        page.para(join([link(L, f"#{'letter-' + L.lower() if L.isalpha() else 'numbers'}") for L in letters], " · "))
        for L in letters:
            page.heading(2, L, anchor=f"letter-{L.lower()}" if L.isalpha() else "numbers")
            items = []
            for label, links in by_letter[L]:
                targets = [link(title, self.link_path(sp, target.split("#", 1)[0])
                                + (f"#{target.split('#', 1)[1]}" if "#" in target else ""))
                           for target, title in links]
                if len(links) == 1 and links[0][1].lower() == label.lower():
                    items.append(targets[0])
                else:
                    items.append(join([strong(label), ": ", join(targets, "; ")]))
            page.bullets(items)
        return self._finish(sp, page)

    def search_page(self, sp: str) -> str:
        """Where the header's search form goes without JavaScript (and with it, where
        `search/?q=…` shows results): the way in by topic instead."""
        page = markup.Page("Search", meta={"search": {"exclude": True}, "hide": ["toc"]})
        page.heading(1, "Search")
        page.para("Type in the search box at the top of the page: results appear as you type. If "
                  "they do not (search needs JavaScript, which your browser may have switched off), "
                  "find your topic in the ", link("A–Z of topics", self.link_path(sp, "topics.md")),
                  ", the ", link("glossary", self.link_path(sp, "glossary.md")), " or the ",
                  link("contents of the procedures", self.link_path(sp, "procedures/index.md")), ".")
        return self._finish(sp, page)

    # --- earlier versions (versions.py) ----------------------------------------------

    @staticmethod
    def versions_dir(p: Procedure) -> str:
        return p.site_path[: -len(".md")] + "/versions/"

    def version_pages(self, history) -> dict[str, str]:
        """For each procedure with earlier versions: a page per earlier version (its text as it
        stood, marked superseded, never indexed) and a page listing them all, with dates and a
        word-level comparison with the version before; and "The manual on a date"."""
        from . import versions as versions_mod

        out: dict[str, str] = {}
        titles = {p.id: p.title for p in self.procedures.values()}
        for p in self._published():
            earlier = history.earlier(p.id)
            if not earlier:
                continue
            folder = self.versions_dir(p)
            index = folder + "index.md"
            for v in earlier:
                sp = f"{folder}{v.slug}.md"
                page = markup.Page(f"{p.title}: version {v.version} (superseded)",
                                   meta={"search": {"exclude": True}, "wf_superseded": True,
                                         "hide": ["navigation"]})
                page.heading(1, f"{v.title}: version {v.version}")
                page.html(self.env.get_template("version-banner.html.j2").render(
                    v=v, current=self.href(sp, p.site_path), index=self.href(sp, index)))
                body = versions_mod.as_it_stood(v.body, titles).lstrip()
                body = body.split("\n", 1)[1] if body.startswith("# ") and "\n" in body else body
                page.raw(demote(body.strip()) or "(This version had no text.)")
                if v.previous is not None:
                    page.heading(2, f"What changed from version {v.previous.version}", anchor="what-changed")
                    page.html(self._diff(v.previous.body, v.body))
                out[sp] = self._finish(sp, page)
                self.composed.add(sp)
            page = markup.Page(f"{p.title}: previous versions", meta={"search": {"exclude": True}, "wf_superseded": True})
            page.heading(1, f"{p.title}: previous versions")
            page.para("Every version of this procedure that was published, with the dates each was "
                      "in force. The dates come from each version's own record of its approval or "
                      "review. ", link(f"Read the current version ({p.version})", self.link_path(index, p.site_path)), ".")
            if history.note:
                page.para(history.note)
            rows = [[link(f"Version {p.version} (current)", self.link_path(index, p.site_path)),
                     self._span(self._start(p), None, current=True),
                     link(f"compared with version {earlier[-1].version}", "#what-changed")]]
            for v in reversed(earlier):
                rows.append([link(f"Version {v.version}", self.link_path(index, f"{folder}{v.slug}.md")),
                             self._span(v.start, v.end),
                             link(f"compared with version {v.previous.version}",
                                  self.link_path(index, f"{folder}{v.slug}.md") + "#what-changed")
                             if v.previous else "the first version kept"])
            page.table(["Version", "In force", "What changed"], rows)
            page.heading(2, f"What changed in version {p.version}", anchor="what-changed")
            page.html(self._diff(earlier[-1].body, p.body))
            out[index] = self._finish(index, page)
        out["procedures/on-a-date.md"] = self.on_a_date_page("procedures/on-a-date.md", history)
        return out

    def _start(self, p: Procedure) -> dt.date | None:
        return p.approved_on or p.last_reviewed

    @staticmethod
    def _span(start: dt.date | None, end: dt.date | None, current: bool = False) -> str:
        begin = longdate(start) if start else "a date not recorded"
        if current:
            return f"from {begin} (in force now)"
        return f"from {begin} to {longdate(end)}" if end else f"from {begin}"

    def _diff(self, before: str, after: str) -> str:
        from . import versions as versions_mod

        titles = {p.id: p.title for p in self.procedures.values()}
        paragraphs = versions_mod.compare(versions_mod.as_it_stood(before, titles),
                                          versions_mod.as_it_stood(after, titles))
        added, removed = versions_mod.counts(paragraphs)
        return self.env.get_template("version-diff.html.j2").render(
            paragraphs=paragraphs, added=added, removed=removed)

    def on_a_date_page(self, sp: str, history) -> str:
        """Which version of each procedure was in force on a given date: a table that works
        without JavaScript (every version with its dates), and a date box that narrows it."""
        rows = []
        for p in self._published():
            rows.append({"title": p.title, "version": p.version or "not numbered", "start": self._start(p), "end": None,
                         "current": True, "href": self.href(sp, p.site_path)})
            for v in history.earlier(p.id):
                rows.append({"title": p.title, "version": v.version, "start": v.start, "end": v.end,
                             "current": False, "href": self.href(sp, f"{self.versions_dir(p)}{v.slug}.md")})
        rows.sort(key=lambda r: (r["title"].lower(), r["start"] or dt.date.min))
        starts = [r["start"] for r in rows if r["start"]]
        page = markup.Page("The manual on a date", meta={"search": {"exclude": True}})
        page.heading(1, "The manual on a date")
        page.para("Which version of each procedure was in force on a given date — for practice "
                  "reviews, complaints and audits. Each version's dates come from its own record of "
                  "approval or review. Choose a date to see only the versions in force that day, or "
                  "read the whole table.")
        if history.note:
            page.para(history.note)
        page.html(self.env.get_template("on-a-date.html.j2").render(
            rows=rows, first=min(starts).isoformat() if starts else "", today=self.today.isoformat()))
        return self._finish(sp, page)

    def _published(self) -> list[Procedure]:
        return sorted(self.content.manual.published, key=lambda p: p.title.lower())

    def contents_page(self, sp: str, sections: list[dict]) -> str:
        page = markup.Page("Procedures", meta={"hide": ["toc"]})
        page.heading(1, "Procedures: contents")
        page.para("Every multi-agency procedure in the manual, by section, with the date each was "
                  "last reviewed. You can also browse ",
                  link("by agency", self.link_path(sp, "procedures/by-agency.md")), " or ",
                  link("by topic", self.link_path(sp, "procedures/by-topic.md")), ", see ",
                  link("what's changed", self.link_path(sp, "whats-changed.md")), ", or use search.")
        if self.manual_pdf:
            page.html(self.fragment("pdf-link.html.j2", sp, path=self.manual_pdf))
        for s in sections:
            page.heading(2, s["title"], anchor=s["slug"])
            page.para(s["description"])
            rows = []
            for p in s["procedures"]:
                review = self.review(p)
                nxt = longdate(p.next_review) + (f" ({review.label})" if review.state != "ok" else "")
                rows.append([self._proc_link(sp, p), longdate(p.last_reviewed), nxt])
            page.table(["Procedure", "Last reviewed", "Next review"], rows)
        return self._finish(sp, page)

    def section_page(self, sp: str, s: dict) -> str:
        page = markup.Page(s["title"])
        page.heading(1, s["title"])
        page.para(s["description"])
        page.bullets(join([strong_link(p.title, self.link_path(sp, p.site_path)), " — ", p.summary,
                           f" Last reviewed {longdate(p.last_reviewed)}."]) for p in s["procedures"])
        page.para(link("All procedures", self.link_path(sp, "procedures/index.md")))
        return self._finish(sp, page)

    def agency_page(self, sp: str) -> str:
        published = self._published()
        page = markup.Page("Procedures by agency")
        page.heading(1, "Procedures by agency")
        page.para("Which procedures apply to which agencies. Procedures for all practitioners apply "
                  "to everyone.")
        for agency in self.content.settings.agencies:
            procs = [p for p in published if agency in p.applies_to]
            if procs:
                page.heading(2, agency, anchor=anchor(agency, "agency"))
                page.bullets(self._proc_link(sp, p) for p in procs)
        return self._finish(sp, page)

    def topic_page(self, sp: str) -> str:
        topics: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for p in self._published():
            for k in {markup.one_line(k).lower(): markup.one_line(k) for k in p.keywords}.values():
                if k:
                    topics[k[0].upper()][k[0].upper() + k[1:]].append(p)
        page = markup.Page("Procedures by topic")
        page.heading(1, "Procedures by topic")
        page.para("Topics and other names people use, each with the procedures that cover it.")
        for n, (letter, ts) in enumerate(sorted(topics.items())):
            page.heading(2, letter, anchor=f"letter-{letter.lower()}" if letter.isascii() and letter.isalnum()
                         else f"letter-{n}")
            page.bullets(join([strong(topic), ": ", join((self._proc_link(sp, p) for p in procs), "; ")])
                         for topic, procs in sorted(ts.items(), key=lambda kv: kv[0].lower()))
        return self._finish(sp, page)

    def threshold_pages(self) -> dict[str, str]:
        t = self.content.threshold
        assert t is not None
        out = {}
        published = self._published()
        for i, lv in enumerate(t.levels):
            sp = f"threshold/{lv.id}.md"
            out[sp] = self.level_page(sp, lv, t.domains, [p for p in published if lv.level in p.threshold_levels],
                                      t.levels[i - 1] if i else None,
                                      t.levels[i + 1] if i + 1 < len(t.levels) else None)
        sp = "threshold/matrix.md"
        page = markup.Page("Threshold of Need matrix", meta={"hide": ["toc"]})
        page.heading(1, "Threshold of Need: matrix")
        page.para("The indicators of every level side by side (on a phone, one level after "
                  "another), by domain of the Assessment Framework. It prints on one sheet of A4 "
                  "landscape per domain.")
        page.html(self.fragment("matrix.html.j2", sp, domains=t.domains, levels=t.levels))
        out[sp] = self._finish(sp, page)
        sp = "threshold/explorer.md"
        page = markup.Page("Threshold indicator explorer", meta={"hide": ["toc"]})
        page.heading(1, "Threshold of Need: indicator explorer")
        page.para("Every indicator of every level. Type a word to narrow the list, or choose a domain "
                  "or a level. Without JavaScript the complete list is shown below, grouped by level.")
        page.html(self.fragment("explorer.html.j2", sp, domains=t.domains, levels=t.levels))
        out[sp] = self._finish(sp, page)
        return out

    def level_page(self, sp: str, lv: data.Level, domains: list[data.Domain], procs: list[Procedure],
                   prev: data.Level | None, nxt: data.Level | None) -> str:
        page = markup.Page(lv.title)
        page.heading(1, lv.title, anchor=lv.id)
        page.html(self.fragment("level-summary.html.j2", sp, level=lv))
        page.heading(2, "Who the children are")
        page.paras(lv.who)
        page.heading(2, "Indicators")
        page.para("Indicators are examples, not a checklist: use your professional judgement about "
                  "the whole picture, including how long needs have lasted and how they add up.")
        for d in domains:
            page.heading(3, d.title, anchor=anchor(d.id, "domain"))
            items = []
            for i in lv.indicators.get(d.id, []):
                target = self.procedures.get(i.procedure) if i.procedure else None
                items.append(join([i.text, " — see ", self._proc_link(sp, target)]) if target else text(i.text))
            page.bullets(items, empty="No indicators listed.")
        page.heading(2, "What you should do")
        page.numbered(rich(item) for item in lv.what_to_do)
        if lv.who_leads:
            page.para(strong("Who leads:"), " ", rich(lv.who_leads))
        if lv.examples:
            page.heading(2, "Worked examples")
            for ex in lv.examples:
                page.heading(3, ex.title)
                page.paras(ex.situation)
                response = paragraphs(ex.response) or [Inline("")]
                page.para(strong("Response:"), " ", response[0])
                page.blocks.extend(response[1:])
        page.heading(2, "Procedures at this level")
        page.bullets((self._proc_link(sp, p) for p in procs), empty="No procedures are tagged with this level.")
        nav = []
        if prev:
            nav.append(link(f"← {prev.title}", self.link_path(sp, f"threshold/{prev.id}.md")))
        if nxt:
            nav.append(link(f"{nxt.title} →", self.link_path(sp, f"threshold/{nxt.id}.md")))
        if nav:
            page.para(join(nav, " · "))
        return self._finish(sp, page)

    def glossary_page(self, sp: str) -> str:
        page = markup.Page("Glossary and acronyms")
        page.heading(1, "Glossary and acronyms")
        page.para("Terms and acronyms used in the procedures, the Threshold of Need and the "
                  "arrangements. Wherever an acronym appears on this site, hover over it or focus it "
                  "to see what it stands for.")
        for t in self.content.glossary:
            page.heading(2, t.heading, anchor=t.anchor)
            paras = paragraphs(t.definition) or [Inline("")]
            extra = []
            target = self.procedures.get(t.procedure) if t.procedure else None
            if target:
                extra += [" See ", self._proc_link(sp, target), "."]
            if t.aliases:
                extra += [f" Also called: {', '.join(markup.one_line(a) for a in t.aliases)}."]
            page.blocks.extend(paras[:-1])
            page.para(join([paras[-1], *extra]))
        return self._finish(sp, page)

    def arrangements_page(self, sp: str) -> str | None:
        """The arrangements as one document, for printing or reading offline: every section
        page in order, its headings one level down. Built from the editors' own Markdown (not
        data), so it is rendered and sanitised like their pages; search leaves it out, since
        each part is found on its own page."""
        parts = sorted((p for p in self.content.pages.values()
                        if p.site_path.startswith("arrangements/") and p.site_path != "arrangements/index.md"),
                       key=lambda p: (p.meta.get("order", 1000), p.title.lower()))
        index = self.content.pages.get("arrangements/index.md")
        if not parts or index is None:
            return None
        page = markup.Page(f"{index.title}: the whole document", meta={"search": {"exclude": True}})
        page.heading(1, index.title)
        page.para("The whole document on one page, to print or to read without a connection. Each "
                  "part is also a page of its own: see the ", link("contents", self.link_path(sp, "arrangements/index.md")), ".")
        for doc in self.documents_for("arrangements/index.md"):
            page.para(strong(self.review_sentence(doc)))
        for part in parts:
            page.raw(demote(part.body))
        self.composed.add(sp)
        return self._finish(sp, page)

    def consultation_pages(self) -> set[str]:
        """Pages of documents (not procedures) published for consultation: the Threshold of Need
        pages while its data says so, and documents.yml entries."""
        out = {d.site_path for d in self.content.documents if d.status == "consultation" and d.site_path}
        t = self.content.threshold
        if t and t.document and t.document.status == "consultation":
            out |= {"threshold/index.md", "threshold/matrix.md", "threshold/explorer.md"}
            out |= {f"threshold/{lv.id}.md" for lv in t.levels}
        return out

    def documents_for(self, site_path: str) -> list[Reviewable]:
        return [d for d in self.content.documents if d.site_path == site_path]

    def review_sentence(self, doc: Reviewable) -> str:
        """The review status of a document, plainly, for readers."""
        r = self.review(doc)
        if r.state == "overdue":
            return (f"The review of this document was due on {longdate(r.next_review)} and is overdue "
                    f"by {r.days_overdue} days. It remains in force until it is replaced.")
        if r.state == "due":
            return f"This document is due for review on {longdate(r.next_review)}."
        return f"This document was last reviewed on {longdate(doc.last_reviewed)}; its next review is due on {longdate(r.next_review)}."

    def rows(self) -> list[Row]:
        rows = [Row(d, self.review(d)) for d in self.content.reviewables]
        return sorted(rows, key=lambda r: urgency(r.status, r.doc.title))

    def _doc_link(self, sp: str, doc: Reviewable) -> Inline:
        return link(doc.title, self.link_path(sp, doc.site_path)) if doc.site_path else text(doc.title)

    def review_page(self, horizon: int = 90) -> str:
        sp = "reviews.md"
        rows = self.rows()
        by_owner: dict[str, list[Row]] = defaultdict(list)
        for r in rows:
            by_owner[r.doc.owner].append(r)
        page = markup.Page("Review schedule")
        page.heading(1, "Review schedule")
        page.para(f"For the business team: every reviewable document, as of {longdate(self.today)} "
                  "(the date this site was built). Overdue items come first. The same list is "
                  "available as ", link("reviews.json", self.link_path(sp, "reviews.json")),
                  " and from ", code("python scripts/check_reviews.py"), ".")
        page.heading(2, "Overdue")
        overdue = [r for r in rows if r.status.state == "overdue"]
        if overdue:
            page.table(["Document", "Owner", "Next review was", "Overdue by"],
                       [[self._doc_link(sp, r.doc), r.doc.owner, longdate(r.status.next_review),
                         f"{r.status.days_overdue} days"] for r in overdue])
        else:
            page.para("Nothing is overdue.")
        page.heading(2, f"Due in the next {horizon} days")
        due = [r for r in rows if 0 <= r.status.days <= horizon]
        if due:
            page.table(["Document", "Owner", "Next review", "Due in"],
                       [[self._doc_link(sp, r.doc), r.doc.owner, longdate(r.status.next_review),
                         f"{r.status.days} days"] for r in due])
        else:
            page.para(f"Nothing is due in the next {horizon} days.")
        page.heading(2, "By owner")
        for owner, owned in sorted(by_owner.items()):
            page.heading(3, owner)
            page.table(["Document", "Last reviewed", "Next review", "Status"],
                       [[self._doc_link(sp, r.doc), longdate(r.doc.last_reviewed),
                         longdate(r.status.next_review), r.status.label] for r in owned])
        return self._finish(sp, page)

    def front_matter_page(self, sp: str) -> str:
        page = markup.Page("Front-matter reference")
        page.heading(1, "Front-matter reference")
        page.para("Every procedure starts with a block of settings between two ", code("---"),
                  " lines. This page is generated from the schema the build itself uses, so it is "
                  "always up to date.")
        page.heading(2, "Keys")
        page.table(["Key", "Required", "What it is", "Example"],
                   [[code(f.name), "Yes" if f.required else "No", f.description, code(f.example)]
                    for f in schema.FIELDS])
        page.para(code("review_every"), " or ", code("next_review"), " must be given (in the procedure "
                  "or its section's defaults). If a procedure gives ", code("next_review"),
                  ", it wins over a ", code("review_every"), " inherited from its section.")
        page.heading(2, "Agencies for applies_to")
        page.bullets(self.content.settings.agencies)
        page.heading(2, "Section settings (_section.yml)")
        page.para("Each folder under ", code("procedures/"), " is a section. Its ", code("_section.yml"),
                  " may hold:")
        page.table(["Key", "What it is"], [
            [code("title"), "The section's name in the sidebar and the contents."],
            [code("description"), "One sentence shown under the title."],
            [code("order"), "Sections are listed from the lowest number."],
            [code("defaults"), join(["Values for every procedure in the folder and the folders inside it: ",
                                     join((code(k) for k in DEFAULTABLE), ", "),
                                     ". The nearest folder wins, and the procedure's own front matter "
                                     "wins over all."])]])
        page.heading(2, "A complete example")
        page.raw(FRONT_MATTER_EXAMPLE)
        return self._finish(sp, page)

    def amendments(self) -> list[dict]:
        items = [{"date": a.date, "summary": a.summary, "doc": d}
                 for d in self.content.reviewables for a in d.amendments]
        return sorted(items, key=lambda r: (r["date"], r["doc"].title), reverse=True)

    def amendments_by_month(self) -> list[tuple[str, list[dict]]]:
        months: dict[str, list[dict]] = {}
        for r in self.amendments():
            months.setdefault(f"{r['date']:%B %Y}", []).append(r)
        return list(months.items())

    def whats_changed_page(self, sp: str) -> str:
        page = markup.Page("What's changed")
        page.heading(1, "What's changed")
        if self.content.settings.site_url:  # the feed needs the site's address
            page.para("Changes to procedures and documents, newest first. Subscribe to the ",
                      link("updates feed", self.link_path(sp, "feed.xml")),
                      " in a feed reader to hear about changes.")
        else:
            page.para("Changes to procedures and documents, newest first.")
        months = self.amendments_by_month()
        for month, rows in months:
            page.heading(2, month)
            page.bullets(join([strong(longdate(r["date"])), " — ", self._doc_link(sp, r["doc"]), ": ",
                               r["summary"]]) for r in rows)
        if not months:
            page.para("No changes have been recorded yet.")
        return self._finish(sp, page)

    # --- machine-readable outputs ------------------------------------------------------

    def reviews_json(self, url_of: Callable[[str], str]) -> str:
        return json.dumps({"generated_on": self.today.isoformat(), "due_within_days": self.due_within,
                           "documents": [review_record(r.doc, r.status, url_of(r.doc.site_path))
                                         for r in self.rows()]}, indent=2)

    def atom(self, site_url: str, title: str, url_of: Callable[[str], str], limit: int = 50) -> str:
        """An Atom feed of amendments; absolute URLs, so it needs `site_url`."""
        ns = "http://www.w3.org/2005/Atom"
        ET.register_namespace("", ns)
        base = site_url.rstrip("/") + "/"
        feed = ET.Element(f"{{{ns}}}feed")
        ET.SubElement(feed, f"{{{ns}}}title").text = f"{title}: what's changed"
        ET.SubElement(feed, f"{{{ns}}}id").text = base + "feed.xml"
        ET.SubElement(feed, f"{{{ns}}}link", href=base + "whats-changed/", rel="alternate")
        ET.SubElement(feed, f"{{{ns}}}link", href=base + "feed.xml", rel="self")
        items = self.amendments()[:limit]
        updated = max((r["date"] for r in items), default=self.today)
        ET.SubElement(feed, f"{{{ns}}}updated").text = f"{updated.isoformat()}T00:00:00Z"
        author = ET.SubElement(feed, f"{{{ns}}}author")
        ET.SubElement(author, f"{{{ns}}}name").text = title
        for r in items:
            entry = ET.SubElement(feed, f"{{{ns}}}entry")
            url = base + url_of(r["doc"].site_path)
            ET.SubElement(entry, f"{{{ns}}}title").text = f"{r['doc'].title}: {r['summary']}"
            ET.SubElement(entry, f"{{{ns}}}id").text = f"{url}#{r['date'].isoformat()}-{hashlib.sha1(r['summary'].encode()).hexdigest()[:10]}"
            ET.SubElement(entry, f"{{{ns}}}link", href=url)
            ET.SubElement(entry, f"{{{ns}}}updated").text = f"{r['date'].isoformat()}T00:00:00Z"
            ET.SubElement(entry, f"{{{ns}}}summary").text = r["summary"]
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")


def relative_path(target: str, base: list[str]) -> str:
    """posixpath.relpath for clean site paths, without its file-system calls (hot in
    generated pages that link to every procedure)."""
    parts = target.split("/")
    common = 0
    while common < len(base) and common < len(parts) - 1 and base[common] == parts[common]:
        common += 1
    return "/".join([".."] * (len(base) - common) + parts[common:])


def page_url(site_path: str, directory_urls: bool = True) -> str:
    """The URL MkDocs gives a Markdown page (relative to the site root)."""
    if not site_path.endswith(".md"):
        return site_path
    stem = site_path[:-3]
    if posixpath.basename(stem) in ("index", "README"):
        parent = posixpath.dirname(stem)
        return f"{parent}/" if parent else ""
    return f"{stem}/" if directory_urls else f"{stem}.html"


def demote(markdown: str) -> str:
    """Every ATX heading outside code one level down (# becomes ##), for a page made of pages."""
    lines = markdown.split("\n")
    for n, line in prose_lines(markdown, "#"):
        if line.startswith("#") and not line.startswith("######"):
            lines[n] = "#" + line
    return "\n".join(lines)


def strong_link(label: str, destination: str) -> Inline:
    return Inline(f"**{link(label, destination)}**")


FRONT_MATTER_EXAMPLE = """
```yaml
---
id: strategy-discussions
title: Strategy discussions
summary: When and how agencies hold a strategy discussion.
status: draft
version: "1.0"
approved_on: 2025-04-01
last_reviewed: 2025-04-01
applies_to: [Children's social care, Police, Health]
threshold_levels: [4]
related: [section-47-enquiries]
keywords: [strategy meeting]
legislation:
  - Children Act 1989, section 47
amendments:
  - date: 2025-04-01
    summary: First version.
---
```
"""

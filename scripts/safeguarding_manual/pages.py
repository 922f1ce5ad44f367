"""Generated pages: the contents, indexes, Threshold of Need pages, glossary, review schedule
and what's changed, rendered from the content model with Jinja templates (Markdown out, so
MkDocs validates every link). A template in `overrides/manual/` replaces the built-in one.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import posixpath
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from xml.etree import ElementTree as ET

import jinja2

from . import data, schema
from .loader import DEFAULTABLE
from .content import Content, manual_dir
from .model import Procedure, Reviewable
from .reviews import ReviewStatus, record as review_record, urgency


def longdate(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def mdescape(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("[", "\\[").replace("]", "\\]").replace("*", "\\*")


@functools.lru_cache(maxsize=4)  # one per overrides folder: a preview rebuild compiles nothing
def environment(overrides: Path | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if overrides and (overrides / "manual").is_dir():
        loaders.append(jinja2.FileSystemLoader(str(overrides / "manual")))
    loaders.append(jinja2.PackageLoader("safeguarding_manual", "templates"))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters.update(longdate=longdate, mdescape=mdescape, slug=data.slug,
                       yamlstr=lambda s: json.dumps(str(s), ensure_ascii=False))
    return env


@dataclass
class Row:
    doc: Reviewable
    status: ReviewStatus


class Renderer:
    """Renders every generated page for one build. `today` is injected, never read here."""

    def __init__(self, content: Content, today: dt.date, due_within: int = 60,
                 overrides: Path | None = None, directory_urls: bool = True):
        self.content, self.today, self.due_within = content, today, due_within
        self.directory_urls = directory_urls
        self.env = environment(overrides)
        self.procedures = {p.id: p for p in content.manual.published}
        self._review_cache: dict[str, ReviewStatus] = {}

    def review(self, doc: Reviewable) -> ReviewStatus:
        key = f"{doc.path}#{doc.id}"
        if key not in self._review_cache:
            self._review_cache[key] = doc.review(self.today, self.due_within)
        return self._review_cache[key]

    def render(self, template: str, site_path: str, **ctx: Any) -> str:
        base = posixpath.dirname(site_path).split("/") if "/" in site_path else []

        def link(target: str, page: bool = True) -> str:
            """A Markdown link: MkDocs resolves and validates it."""
            return relative_path(target, base)

        def href(target: str) -> str:
            """A URL for raw HTML, which MkDocs leaves alone."""
            here = page_url(site_path, self.directory_urls)
            base = here if here.endswith("/") or not here else posixpath.dirname(here) + "/"
            there = page_url(target, self.directory_urls)
            rel = posixpath.relpath(there or ".", base.rstrip("/") or ".")
            return rel.rstrip("/") + "/" if there.endswith("/") or not there else rel
        return self.env.get_template(template).render(link=link, href=href, today=self.today,
                                                      procedures=self.procedures, **ctx)

    # --- the pages ---------------------------------------------------------------------

    def sections(self) -> list[dict]:
        manual = self.content.manual
        out = []
        for folder, section in sorted(manual.sections.items(), key=lambda kv: (kv[1].order, kv[1].title)):
            procs = sorted((p for p in manual.published if p.section == folder), key=lambda p: p.title.lower())
            if procs:
                out.append({"title": section.title, "description": section.description,
                            "slug": data.slug(folder) or "general", "folder": folder,
                            "procedures": [self._view(p) for p in procs]})
        return out

    def _view(self, p: Procedure) -> dict:
        return {"title": p.title, "summary": p.summary, "site_path": p.site_path,
                "last_reviewed": p.last_reviewed, "next_review": p.next_review, "review": self.review(p)}

    def pages(self) -> dict[str, str]:
        """site path -> Markdown for every generated page."""
        c, base = self.content, manual_dir(self.content.settings)
        sections = self.sections()
        out = {f"{base}/index.md": self.render("contents.md.j2", f"{base}/index.md", sections=sections)}
        for s in sections:
            path = f"{base}/{s['folder']}/index.md"
            if s["folder"]:
                out[path] = self.render("section.md.j2", path, section=s)
        published = sorted(c.manual.published, key=lambda p: p.title.lower())
        agencies = [(a, [p for p in published if a in p.applies_to]) for a in c.settings.agencies]
        out[f"{base}/by-agency.md"] = self.render("by-agency.md.j2", f"{base}/by-agency.md",
                                                  groups=[(a, ps) for a, ps in agencies if ps])
        topics: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for p in published:
            for k in {k.strip().lower(): k.strip() for k in p.keywords}.values():
                topics[k[0].upper()][k[0].upper() + k[1:]].append(p)
        groups = [(letter, sorted(ts.items(), key=lambda kv: kv[0].lower()))
                  for letter, ts in sorted(topics.items())]
        out[f"{base}/by-topic.md"] = self.render("by-topic.md.j2", f"{base}/by-topic.md", groups=groups)
        if c.threshold:
            out.update(self.threshold_pages())
        out["glossary.md"] = self.render("glossary.md.j2", "glossary.md", terms=c.glossary)
        out["reviews.md"] = self.review_page()
        out["editors/front-matter.md"] = self.render(
            "front-matter.md.j2", "editors/front-matter.md", fields=schema.FIELDS,
            agencies=c.settings.agencies, defaultable=DEFAULTABLE)
        out["whats-changed.md"] = self.render("whats-changed.md.j2", "whats-changed.md",
                                              months=self.amendments_by_month())
        return out

    def threshold_pages(self) -> dict[str, str]:
        t = self.content.threshold
        assert t is not None
        out = {}
        published = sorted(self.content.manual.published, key=lambda p: p.title.lower())
        for i, lv in enumerate(t.levels):
            path = f"threshold/{lv.id}.md"
            out[path] = self.render(
                "level.md.j2", path, level=lv, domains=t.domains,
                level_procedures=[p for p in published if lv.level in p.threshold_levels],
                prev=t.levels[i - 1] if i else None,
                next=t.levels[i + 1] if i + 1 < len(t.levels) else None)
        out["threshold/matrix.md"] = self.render("matrix.md.j2", "threshold/matrix.md",
                                                 domains=t.domains, levels=t.levels)
        out["threshold/explorer.md"] = self.render("explorer.md.j2", "threshold/explorer.md",
                                                   domains=t.domains, levels=t.levels)
        return out

    def rows(self) -> list[Row]:
        rows = [Row(d, self.review(d)) for d in self.content.reviewables]
        return sorted(rows, key=lambda r: urgency(r.status, r.doc.title))

    def review_page(self, horizon: int = 90) -> str:
        rows = self.rows()
        by_owner: dict[str, list[Row]] = defaultdict(list)
        for r in rows:
            by_owner[r.doc.owner].append(r)
        return self.render("reviews.md.j2", "reviews.md", horizon=horizon,
                           overdue=[r for r in rows if r.status.state == "overdue"],
                           due=[r for r in rows if 0 <= r.status.days <= horizon],
                           by_owner=sorted(by_owner.items()))

    def amendments(self) -> list[dict]:
        items = [{"date": a.date, "summary": a.summary, "doc": d}
                 for d in self.content.reviewables for a in d.amendments]
        return sorted(items, key=lambda r: (r["date"], r["doc"].title), reverse=True)

    def amendments_by_month(self) -> list[tuple[str, list[dict]]]:
        months: dict[str, list[dict]] = {}
        for r in self.amendments():
            months.setdefault(f"{r['date']:%B %Y}", []).append(r)
        return list(months.items())

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


def escape(text: str) -> str:
    return html.escape(text, quote=True)

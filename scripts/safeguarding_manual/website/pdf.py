"""The manual as PDF: the whole manual in one file, and one file per procedure.

Made by `publish.py` from the BUILT site (each procedure's rendered page) and the content
model (which procedures, in what order, with their titles, status, version and dates) —
never by a plain `mkdocs build` or a preview. Files land in `<site>/pdf/`:
`<short-name>-procedures-manual.pdf` and `<procedure-id>.pdf`.

Engine: WeasyPrint (PyPI, pinned), which lays out HTML with CSS Paged Media. That gives what a
printed manual needs and a browser's "print to PDF" (Chromium) cannot: a contents page with
real page numbers (`target-counter(attr(href), page)` — Chromium has no target-counter),
PDF bookmarks from headings (`bookmark-level`), running headers and footers in the page
margins on every page ("Page 3 of 120"), and tagged PDF/UA-1 output with a language and a
title, so text is selectable and read in order by assistive technology. It needs Debian's
Pango (libpango-1.0-0, libpangoft2-1.0-0; scripts/dev.sh installs them) and uses the system's
DejaVu/Liberation fonts: nothing is fetched from the internet.

Safety: every value from editors reaches the PDF as text. The cover, contents and headings
come from autoescaping Jinja templates (templates/pdf/); each procedure's body is taken from
its already-sanitised page, re-parsed here and written back element by element with an
allow-list of elements' attributes (no scripts, styles, forms or event handlers), with every
text and attribute escaped again. WeasyPrint fetches only through `SiteFetcher`, which serves
files from inside the site folder and refuses everything else (http, https, data, and any
path outside the folder), so no PDF can make a network request or read another file.

Nothing here imports MkDocs. Run by hand: `python -m safeguarding_manual.website.pdf SITE_DIR`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import mimetypes
import os
import posixpath
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterable, Sequence
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
import markupsafe

from ..content import corpus as content_mod
from ..content.data import slug
from ..content.model import Procedure
from .pages import longdate, page_url
from ..content.schema import PUBLISHED

PDF_DIR = "pdf"
SUBTITLE = "Multi-agency safeguarding children procedures"
CONSULTATION = "Draft for consultation — not yet approved by the partnership"
UNCONTROLLED = "Uncontrolled when printed — check the online version"
PDF_VARIANT = "pdf/ua-1"


class PdfError(Exception):
    """Why the PDFs could not be made, in one sentence for the person publishing."""


# --- names -------------------------------------------------------------------------------

def short_name(extra: Any, site_name: Any = "") -> str:
    """The partnership's short name (extra.partnership.short_name), which names the PDF."""
    partnership = extra.get("partnership") if hasattr(extra, "get") else None
    partnership = partnership if hasattr(partnership, "get") else {}
    return " ".join(str(partnership.get("short_name") or partnership.get("name") or site_name or "").split())


def manual_filename(short_name: str) -> str:
    return f"{slug(short_name or '') or 'manual'}-procedures-manual.pdf"


def manual_path(short_name: str) -> str:
    """The whole-manual PDF's path inside the site, e.g. pdf/wfscp-procedures-manual.pdf."""
    return f"{PDF_DIR}/{manual_filename(short_name)}"


def procedure_path(procedure_id: str) -> str:
    """A procedure's PDF inside the site, e.g. pdf/neglect.pdf (ids are slugs)."""
    return f"{PDF_DIR}/{procedure_id}.pdf"


# --- fetching: only files inside the site ---------------------------------------------------

class _Refused(ValueError):
    pass


def site_fetcher(root: Path):
    """A WeasyPrint URL fetcher that serves files from inside `root` and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SiteFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False)
            self.root = Path(root).resolve()
            self.refused: list[str] = []
            self.served: list[str] = []

        def fetch(self, url, headers=None):  # noqa: D401 - WeasyPrint's interface
            parts = urlsplit(url)
            path = Path(url2pathname(unquote(parts.path))) if parts.scheme == "file" and \
                parts.netloc in ("", "localhost") else None
            resolved = path.resolve() if path is not None else None
            if resolved is None or not (resolved == self.root or self.root in resolved.parents) \
                    or not resolved.is_file():
                self.refused.append(url)
                raise _Refused(f"not a file inside the site folder: {url[:200]}")
            self.served.append(url)
            kind = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
            return URLFetcherResponse(resolved.as_uri(), body=resolved.read_bytes(),
                                      headers={"Content-Type": kind})

    return SiteFetcher()


# --- a procedure's body from its built page -------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}
DROP_TAGS = {"script", "style", "noscript", "template", "svg", "math", "form", "button", "input",
             "select", "textarea", "iframe", "object", "embed", "video", "audio", "canvas",
             "link", "meta", "dialog", "nav", "label"}
# Screen-only parts of a procedure page: permalinks (¶), edit buttons, breadcrumb, search
# data, the PDF link itself, the exit button.
DROP_CLASSES = {"headerlink", "md-content__button", "wf-breadcrumb", "wf-index-data", "wf-pdf",
                "wf-exit", "md-source-file", "md-feedback", "wf-screen-only", "wf-versions-link"}
KEEP_TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
             "dd", "del", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
             "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
             "s", "samp", "section", "small", "span", "strong", "sub", "sup", "table", "tbody",
             "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "aside", "header", "footer"}
KEEP_ATTRS = {"id", "class", "href", "src", "alt", "title", "colspan", "rowspan", "scope",
              "headers", "lang", "dir", "start", "reversed", "datetime", "role", "width", "height"}
RENAME = {"details": "div", "summary": "p", "article": "div"}


class Links:
    """Rewrites URLs found in one procedure's page: inside the PDF where the target is in it,
    else absolute to the public address (if known), else no link (the text stays)."""

    def __init__(self, page: str, inside: dict[str, str], site_url: str, root: Path,
                 anchor_prefix: str):
        self.page = page  # the page's URL inside the site, e.g. procedures/core/neglect/
        self.inside = inside  # site URL -> anchor of a procedure in this PDF
        self.site_url = site_url.rstrip("/") + "/" if site_url else ""
        self.root = root
        self.prefix = anchor_prefix

    def _resolve(self, url: str) -> tuple[str, str] | None:
        """A relative URL as (site path, fragment), or None when it leaves the site."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            return None
        base = self.page if self.page.endswith("/") else posixpath.dirname(self.page) + "/"
        joined = posixpath.normpath(posixpath.join("/" + base, unquote(parts.path))) if parts.path \
            else "/" + self.page
        if joined.startswith("//") or ".." in joined.split("/"):
            return None
        path = joined.lstrip("/")
        if parts.path.endswith("/") and path and not path.endswith("/"):
            path += "/"
        return path, parts.fragment

    def href(self, url: str) -> str | None:
        url = url.strip()
        scheme = urlsplit(url).scheme.lower()
        if url.startswith("#"):
            return f"#{self.prefix}{url[1:]}" if url[1:] else f"#{self.prefix.rstrip('-')}"
        if scheme in ("http", "https", "mailto", "tel"):
            return url
        if scheme:
            return None
        resolved = self._resolve(url)
        if resolved is None:
            return None
        path, fragment = resolved
        key = path[:-len("index.html")] if path.endswith("index.html") else path
        if key in self.inside:
            anchor = self.inside[key]
            return f"#{anchor}--{fragment}" if fragment else f"#{anchor}"
        if self.site_url:
            return self.site_url + path + (f"#{fragment}" if fragment else "")
        return None

    def image(self, url: str) -> str | None:
        """An image inside the site, as a path from the site's root; None for anything else."""
        resolved = self._resolve(url.strip())
        if resolved is None:
            return None
        path = (self.root / resolved[0]).resolve()
        root = self.root.resolve()
        if root not in path.parents or not path.is_file():
            return None
        return path.relative_to(root).as_posix()


class _Body(HTMLParser):
    """The contents of the page's <article class="md-content__inner …">, as clean HTML."""

    def __init__(self, links: Links, id_prefix: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links, self.id_prefix = links, id_prefix
        self.out: list[str] = []
        self.in_article = 0  # depth of nested <article> while inside ours
        self.done = False
        self.drop: list[str] = []  # tag names whose subtree is being dropped (outermost first)
        self.drop_depth = 0
        self.open: list[str] = []  # written tags still open (names as written)
        self.first_h1_dropped = False
        self.title_h1 = False

    # parsing
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        classes = set(a.get("class", "").split())
        if not self.in_article:
            if tag == "article" and "md-content__inner" in classes:
                self.in_article = 1
            return
        if tag == "article":
            self.in_article += 1
        if self.drop:
            if tag == self.drop[0] and tag not in VOID:
                self.drop_depth += 1
            return
        if tag in DROP_TAGS or "hidden" in a or classes & DROP_CLASSES or \
                (tag == "h1" and not self.first_h1_dropped):
            if tag == "h1":
                self.first_h1_dropped = True  # the title is printed from the content model
            if tag not in VOID:
                self.drop, self.drop_depth = [tag], 1
            return
        self._write_start(tag, a, classes)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.done or not self.in_article:
            return
        if tag == "article":
            self.in_article -= 1
            if self.in_article == 0:
                self.done = True
                while self.open:
                    self.out.append(f"</{self.open.pop()}>")
                return
        if self.drop:
            if tag == self.drop[0]:
                self.drop_depth -= 1
                if self.drop_depth == 0:
                    self.drop = []
            return
        name = RENAME.get(tag, tag)
        if tag in VOID or name not in KEEP_TAGS:
            return
        if name in self.open:  # close what the source left open inside it, then it
            while self.open:
                top = self.open.pop()
                self.out.append(f"</{top}>")
                if top == name:
                    break

    def handle_data(self, data: str) -> None:
        if self.in_article and not self.done and not self.drop:
            self.out.append(html.escape(data, quote=False))

    # writing
    def _write_start(self, tag: str, a: dict[str, str], classes: set[str]) -> None:
        name = RENAME.get(tag, tag)
        if name not in KEEP_TAGS:
            return  # unknown element: its text is kept, the element is not
        attrs: dict[str, str] = {}
        for key, value in a.items():
            if key not in KEEP_ATTRS:
                continue
            if key == "id":
                attrs["id"] = f"{self.id_prefix}{value}"
            elif key == "href":
                href = self.links.href(value)
                if href is not None:
                    attrs["href"] = href
            elif key == "src":
                continue  # images below
            else:
                attrs[key] = value
        if tag == "summary":
            attrs["class"] = (attrs.get("class", "") + " wf-summary").strip()
        if name == "img":
            src = self.links.image(a.get("src", ""))
            if src is None:  # not a picture from this site: its description stays, as text
                alt = a.get("alt", "").strip()
                if alt:
                    self.out.append(f'<span class="wf-missing-image">[{html.escape(alt, quote=False)}]</span>')
                return
            attrs["src"] = src
        rendered = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in attrs.items())
        self.out.append(f"<{name}{rendered}>")
        if name not in VOID:
            self.open.append(name)

    def result(self) -> str:
        self.close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")
        return "".join(self.out)


def procedure_body(page_html: str, links: Links, id_prefix: str) -> str:
    """The clean body of a built procedure page (without its title, which the PDF prints from
    the content model), or "" if the page has no article."""
    parser = _Body(links, id_prefix)
    parser.feed(page_html)
    return parser.result() if parser.in_article or parser.done else ""


# --- the documents -------------------------------------------------------------------------

@dataclass
class Project:
    """What the PDFs need to know besides the content model (from mkdocs.yml)."""
    name: str
    short_name: str
    site_url: str = ""
    directory_urls: bool = True
    today: dt.date = field(default_factory=dt.date.today)

    @classmethod
    def from_mkdocs_yml(cls, root: Path, today: dt.date | None = None) -> "Project":
        raw = content_mod.Settings.raw_config(root)
        extra = raw.get("extra") if isinstance(raw.get("extra"), dict) else {}
        partnership = extra.get("partnership") if isinstance(extra.get("partnership"), dict) else {}
        name = str(partnership.get("name") or raw.get("site_name") or "")
        short = short_name(extra, raw.get("site_name"))
        if today is None:
            today = configured_today(raw)
        site_url = str(raw.get("site_url") or "")
        if not site_url.startswith(("https://", "http://")):
            site_url = ""  # only a web address is ever printed or linked to
        return cls(name=" ".join(name.split()), short_name=short, site_url=site_url,
                   directory_urls=raw.get("use_directory_urls", True) is not False, today=today)


def configured_today(raw: dict) -> dt.date:
    """plugins.manual.today from mkdocs.yml (reproducible builds), else the real date."""
    for entry in raw.get("plugins") or []:
        if isinstance(entry, dict) and isinstance(entry.get("manual"), dict):
            value = entry["manual"].get("today")
            if value:
                try:
                    return dt.date.fromisoformat(str(value))
                except ValueError:
                    break
    return dt.date.today()


def sections(content: content_mod.Content) -> list[dict[str, Any]]:
    """Published procedures by section, in the contents page's order. Drafts and archived
    procedures are never included, whatever the content model was loaded for."""
    manual = content.manual
    published = [p for p in manual.procedures if p.status in PUBLISHED]
    out = []
    for folder, section in sorted(manual.sections.items(), key=lambda kv: (kv[1].order, kv[1].title)):
        procs = sorted((p for p in published if p.section == folder), key=lambda p: p.title.lower())
        if procs:
            out.append({"title": section.title, "description": section.description,
                        "anchor": f"s-{slug(folder) or 'general'}", "procedures": procs})
    return out


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("safeguarding_manual.website", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["longdate"] = longdate
    return env


def _stylesheet() -> str:
    from importlib.resources import files
    return (files("safeguarding_manual.website") / "templates" / "pdf" / "pdf.css").read_text(encoding="utf-8")


@dataclass
class Made:
    path: Path
    pages: int
    seconds: float

    @property
    def bytes(self) -> int:
        return self.path.stat().st_size


@dataclass
class Result:
    manual: Made
    procedures: list[Made]
    seconds: float
    refused: list[str]

    @property
    def files(self) -> list[Path]:
        return [self.manual.path, *(m.path for m in self.procedures)]

    @property
    def bytes(self) -> int:
        return sum(p.stat().st_size for p in self.files)


class _Maker:
    def __init__(self, site: Path, content: content_mod.Content, project: Project) -> None:
        self.site = site.resolve()
        self.content, self.project = content, project
        self.env = _environment()
        self.sections = sections(content)
        self.procedures = [p for s in self.sections for p in s["procedures"]]
        self.urls = {p.id: page_url(p.site_path, project.directory_urls) for p in self.procedures}
        self.bodies: dict[tuple[str, bool], str] = {}
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration
        self.fonts = FontConfiguration()
        self.fetcher = site_fetcher(self.site)
        self.css = CSS(string=_stylesheet(), font_config=self.fonts, url_fetcher=self.fetcher)

    def page_file(self, p: Procedure) -> Path:
        url = self.urls[p.id]
        return self.site / (url + "index.html" if url.endswith("/") or not url else url)

    def body(self, p: Procedure, whole: bool) -> str:
        key = (p.id, whole)
        if key not in self.bodies:
            file = self.page_file(p)
            if not file.is_file():
                raise PdfError(f"the built page of procedure `{p.id}` "
                               f"({file.relative_to(self.site).as_posix()}) is missing")
            inside = {self.urls[q.id]: f"p-{q.id}" for q in (self.procedures if whole else [p])}
            links = Links(self.urls[p.id], inside, self.project.site_url, self.site, f"p-{p.id}--")
            self.bodies[key] = procedure_body(file.read_text(encoding="utf-8", errors="replace"),
                                              links, f"p-{p.id}--")
        return self.bodies[key]

    def _view(self, p: Procedure, whole: bool) -> dict[str, Any]:
        url = self.urls[p.id]
        return {"id": p.id, "anchor": f"p-{p.id}", "title": " ".join(p.title.split()),
                "status": p.status, "version": p.version, "last_reviewed": p.last_reviewed,
                "next_review": p.next_review, "owner": p.owner,
                "online": (self.project.site_url.rstrip("/") + "/" + url) if self.project.site_url else "",
                "body": markupsafe.Markup(self.body(p, whole))}

    def _common(self) -> dict[str, Any]:
        return {"name": self.project.name, "short_name": self.project.short_name, "subtitle": SUBTITLE,
                "today": self.project.today, "uncontrolled": UNCONTROLLED, "consultation_notice": CONSULTATION,
                "site_url": self.project.site_url}

    def manual_html(self) -> str:
        any_consultation = any(p.status == "consultation" for p in self.procedures)
        views = [{**s, "procedures": [self._view(p, True) for p in s["procedures"]]} for s in self.sections]
        return self.env.get_template("pdf/manual.html.j2").render(
            **self._common(), sections=views, consultation=any_consultation)

    def procedure_html(self, p: Procedure) -> str:
        section = self.content.manual.sections.get(p.section)
        return self.env.get_template("pdf/procedure.html.j2").render(
            **self._common(), p=self._view(p, False), section=section.title if section else "")

    def write(self, document: str, target: Path) -> Made:
        from weasyprint import HTML
        started = time.perf_counter()
        target.parent.mkdir(parents=True, exist_ok=True)
        rendered = HTML(string=document, base_url=self.site.as_uri() + "/",
                        url_fetcher=self.fetcher).render(stylesheets=[self.css], font_config=self.fonts,
                                                         pdf_variant=PDF_VARIANT)
        rendered.write_pdf(target, pdf_variant=PDF_VARIANT)
        return Made(target, len(rendered.pages), time.perf_counter() - started)


MIN_PARALLEL = 8  # procedures; below this a second process costs more than it saves
_JOB: dict[str, Any] = {}  # set just before forking; inherited by the helper process


def _singles(ids: list[str]) -> list[tuple[str, int, float]]:
    """In the helper: the per-procedure PDFs of `ids` (a maker of its own: nothing of the
    parent's fonts or files is shared across the fork)."""
    maker = _Maker(_JOB["site"], _JOB["content"], _JOB["project"])
    by_id = {p.id: p for p in maker.procedures}
    made = [maker.write(maker.procedure_html(by_id[i]), maker.site / procedure_path(i)) for i in ids]
    return [(str(m.path), m.pages, m.seconds) for m in made]


def make(site: Path, content: content_mod.Content, project: Project,
         only: Iterable[str] | None = None, parallel: bool = True) -> Result:
    """Write the whole-manual PDF and one PDF per published procedure into `site/pdf/`.
    `only` limits the per-procedure PDFs to those ids (tests). With two or more CPUs the
    per-procedure PDFs are made in a second process while this one makes the whole manual
    (measured: 17 s + 20 s for the 46 procedures, one after the other). Raises PdfError."""
    started = time.perf_counter()
    site = Path(site)
    if not site.is_dir():
        raise PdfError(f"the built site folder {site} does not exist")
    try:
        maker = _Maker(site, content, project)
    except (ImportError, OSError) as exc:
        raise PdfError(f"the PDF engine (WeasyPrint) could not start: {exc} — on Debian install "
                       "libpango-1.0-0 and libpangoft2-1.0-0 (bash scripts/dev.sh does)") from None
    wanted = set(only) if only is not None else None
    ids = [p.id for p in maker.procedures if wanted is None or p.id in wanted]
    for p in maker.procedures:  # a missing page fails before any work is done
        maker.body(p, True)
    helper = None
    if parallel and len(ids) >= MIN_PARALLEL and hasattr(os, "fork") and (os.cpu_count() or 1) >= 2:
        import concurrent.futures
        import multiprocessing
        _JOB.update(site=maker.site, content=content, project=project)
        pool = concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        helper = (pool, pool.submit(_singles, ids))
    try:
        whole = maker.write(maker.manual_html(), site / PDF_DIR / manual_filename(project.short_name))
        if helper is None:
            singles = [maker.write(maker.procedure_html(p), site / procedure_path(p.id))
                       for p in maker.procedures if p.id in ids]
        else:
            try:
                singles = [Made(Path(path), pages, seconds) for path, pages, seconds in helper[1].result()]
            except PdfError:
                raise
            except Exception as exc:  # the helper died: say so in a sentence
                raise PdfError(f"the process making the procedures' PDFs stopped ({type(exc).__name__}: "
                               f"{exc})") from None
    finally:
        if helper is not None:
            helper[0].shutdown(cancel_futures=True)
        _JOB.clear()
    return Result(whole, singles, time.perf_counter() - started, list(maker.fetcher.refused))


def make_for_project(root: Path, site: Path, content: content_mod.Content | None = None,
                     today: dt.date | None = None) -> Result:
    """The PDFs of the manual at `root` (with mkdocs.yml), from its site built into `site`."""
    root = Path(root).resolve()
    if content is None:
        content = content_mod.load(content_mod.Settings.from_mkdocs_yml(root))
    return make(site, content, Project.from_mkdocs_yml(root, today))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m safeguarding_manual.website.pdf",
                                     description="Make the manual's PDFs from a built site.")
    parser.add_argument("site", help="the built site folder (from mkdocs build)")
    parser.add_argument("--root", default=".", help="the manual's folder (with mkdocs.yml)")
    parser.add_argument("--today", default="", help="the date printed on the PDFs (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    try:
        today = dt.date.fromisoformat(args.today) if args.today else None
    except ValueError:
        parser.error(f'--today "{args.today}" is not a date (YYYY-MM-DD)')
    try:
        result = make_for_project(Path(args.root), Path(args.site), today=today)
    except PdfError as exc:
        print(f"The PDFs were not made: {exc}.", file=sys.stderr)
        return 1
    print(f"{result.manual.path}: {result.manual.pages} pages, {result.manual.bytes:,} bytes; "
          f"{len(result.procedures)} procedure PDFs; {result.bytes:,} bytes in all; "
          f"{result.seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

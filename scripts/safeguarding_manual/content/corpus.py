"""The whole site's content, loaded once: the manual, the data files, the hand-written pages,
and the index of every reference target. The MkDocs plugin, the check scripts and the tests
all start here, so a rule is never written twice.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from . import charts, data, frontmatter, references, safety, schema, siteconfig
from .findings import ContentError, Finding, did_you_mean, occurs
from .loader import load_manual
from .model import Manual, Procedure, Reviewable
from .references import Contact, Site, Target
from .schema import PUBLISHED

# Pages the plugin generates (site path -> title); references and links may point at them.
GENERATED = {
    "procedures/index.md": "Procedures: contents",
    "arrangements/whole-document.md": "Multi-agency safeguarding arrangements: the whole document",
    "procedures/by-agency.md": "Procedures by agency",
    "procedures/by-topic.md": "Procedures by topic",
    "threshold/matrix.md": "Threshold of Need: matrix",
    "threshold/explorer.md": "Threshold of Need: indicator explorer",
    "glossary.md": "Glossary and acronyms",
    "reviews.md": "Review schedule",
    "whats-changed.md": "What's changed",
    "editors/front-matter.md": "Front-matter reference",
    "topics.md": "A–Z of topics",
    "procedures/on-a-date.md": "The manual on a date",
    "search.md": "Search",
}
SHORT_KEYS = {  # reference keys for pages, e.g. [[threshold-matrix]]
    "contents": "procedures/index.md", "threshold": "threshold/index.md",
    "threshold-matrix": "threshold/matrix.md", "threshold-explorer": "threshold/explorer.md",
    "glossary": "glossary.md", "reviews": "reviews.md", "whats-changed": "whats-changed.md",
    "arrangements": "arrangements/index.md", "by-agency": "procedures/by-agency.md",
    "by-topic": "procedures/by-topic.md", "arrangements-document": "arrangements/whole-document.md",
    "a-z": "topics.md", "search": "search.md", "on-a-date": "procedures/on-a-date.md",
}
COLLECTIONS = {"arrangements": "arrangements/"}
TITLE_RE = re.compile(r"^#\s+(.+?)\s*(?:\{[^}]*\})?\s*$", re.M)


@dataclass
class Page:
    """A hand-written Markdown page under docs/."""

    site_path: str
    path: str  # repository-relative
    title: str
    meta: dict[str, Any]
    body: str
    body_line: int


@dataclass
class Settings:
    root: Path
    docs_dir: str = "docs"
    procedures_dir: str = "procedures"
    agencies: tuple[str, ...] = schema.DEFAULT_AGENCIES
    contacts: dict[str, Any] = field(default_factory=dict)
    site_url: str = ""
    repo_url: str = ""
    preview: bool = False
    exit_page_url: Any = None
    edit_uri: Any = None
    chrome: dict = field(default_factory=dict)  # site_name, site_description, copyright, nav
    # What practitioners follow until the partnership approves this manual (extra.interim)
    interim: dict = field(default_factory=dict)
    today: dt.date = field(default_factory=dt.date.today)

    def config_line(self, pattern: str, config_file: str = "mkdocs.yml") -> int:
        """The line of mkdocs.yml matching a regular expression, for messages (1 if none)."""
        path = self.root / config_file
        if path.is_file():
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if re.search(pattern, line):
                    return n
        return 1

    @staticmethod
    def raw_config(root: Path, config_file: str = "mkdocs.yml") -> dict:
        path = Path(root) / config_file
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_ConfigLoader) if path.is_file() else {}
        return raw if isinstance(raw, dict) else {}

    @classmethod
    def from_mkdocs_yml(cls, root: str | os.PathLike, config_file: str = "mkdocs.yml") -> "Settings":
        """Read only what the model needs from mkdocs.yml (no MkDocs import: checks stay fast)."""
        root = Path(root).resolve()
        raw = cls.raw_config(root, config_file)
        plugin_cfg: dict = {}
        for entry in raw.get("plugins") or []:
            if isinstance(entry, dict) and "manual" in entry:
                plugin_cfg = entry["manual"] or {}
        extra = raw.get("extra") or {}
        if not isinstance(extra, dict):
            extra = {}
        return cls(root=root, docs_dir=str(raw.get("docs_dir", "docs")),
                   procedures_dir=str(plugin_cfg.get("procedures_dir", "procedures")),
                   agencies=tuple(plugin_cfg.get("agencies") or schema.DEFAULT_AGENCIES),
                   contacts=extra.get("contacts"), site_url=str(raw.get("site_url") or ""),
                   repo_url=str(raw.get("repo_url") or ""), exit_page_url=extra.get("exit_page_url"),
                   edit_uri=raw.get("edit_uri"), interim=extra.get("interim") or {},
                   chrome={k: raw.get(k) for k in ("site_name", "site_description", "copyright", "nav")})


class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml may hold !!python/name and !ENV tags; the model does not need their values."""


_ConfigLoader.add_multi_constructor("", lambda loader, suffix, node: None)


@dataclass
class Content:
    settings: Settings
    manual: Manual
    threshold: data.Threshold | None
    glossary: list[data.Term]
    documents: list[Reviewable]
    structure: Any
    report: Any
    pages: dict[str, Page]
    site: Site
    findings: list[Finding]
    # site path -> keys of the targets the page refers to (filled in by check_references);
    # the preview uses it to rebuild the pages that show another page's title.
    dependencies: dict[str, set[str]] = field(default_factory=dict)
    # hand-written pages (site paths) kept out of the site: drafts, or front matter in error
    withheld: set[str] = field(default_factory=set)
    thesaurus: list[data.Synonym] = field(default_factory=list)  # search: people's words

    @property
    def reviewables(self) -> list[Reviewable]:
        docs = list(self.documents)
        if self.threshold and self.threshold.document:
            docs.append(self.threshold.document)
        return [*self.manual.published, *docs]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def _read_pages(root: Path, docs_dir: str) -> tuple[dict[str, Page], list[Finding], set[str]]:
    pages: dict[str, Page] = {}
    seen: set[str] = set()
    findings: list[Finding] = []
    base = root / docs_dir
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if not name.endswith(".md"):
                continue
            file = Path(folder) / name
            site_path = file.relative_to(base).as_posix()
            rel = file.relative_to(root).as_posix()
            seen.add(site_path)
            try:
                text = frontmatter.decode(rel, file.read_bytes())
                doc = frontmatter.parse(rel, text) if text.startswith("---\n") else \
                    frontmatter.Document(rel, {}, body=text)
            except ContentError as exc:
                findings.extend(exc.findings)
                continue
            problems = check_page_meta(doc)
            if problems:
                findings.extend(problems)
                continue
            if "status" in doc.meta:
                doc.meta["status"] = schema.BY_NAME["status"].check(doc.meta["status"])
            m = TITLE_RE.search(doc.body)
            title = str(doc.meta.get("title") or (m.group(1) if m else site_path))
            pages[site_path] = Page(site_path, rel, title, doc.meta, doc.body, doc.body_line)
    return pages, findings, seen


PAGE_KEYS = ("title", "description", "hide", "order", "status", "search")
HIDE = ("navigation", "toc", "footer", "path", "feedback", "tags")


def check_page_meta(doc: frontmatter.Document) -> list[Finding]:
    """A hand-written page's front matter: known keys, plain values. (No `template:` — the
    site chooses templates — and `status: draft` keeps a page out of the public site.)"""
    out = []
    for key, value in doc.meta.items():
        line = doc.line_of(key)
        if key not in PAGE_KEYS:
            hint = " — pages cannot choose their template" if key == "template" else \
                did_you_mean(str(key), PAGE_KEYS) or " — use one of: " + ", ".join(PAGE_KEYS)
            out.append(Finding(doc.path, line, f"`{key}` is not a page setting{hint}", code="unknown-key"))
            continue
        try:
            if key in ("title", "description"):
                schema.BY_NAME["title"].check(value)
            elif key == "status":
                schema.BY_NAME["status"].check(value)
            elif key == "order":
                if isinstance(value, bool) or not isinstance(value, int) or not -10_000 <= value <= 10_000:
                    raise schema.Invalid("must be a whole number, such as 10")
            elif key == "hide":
                if not isinstance(value, list) or any(v not in HIDE for v in value):
                    raise schema.Invalid("must be a list of: " + ", ".join(HIDE))
            elif key == "search":
                if not isinstance(value, dict) or set(value) - {"exclude", "boost"} \
                        or not isinstance(value.get("exclude", False), bool) \
                        or not isinstance(value.get("boost", 1), (int, float)) \
                        or not 0 <= value.get("boost", 1) <= 10:
                    raise schema.Invalid("must be `exclude: true` or `boost:` a number from 0 to 10")
        except schema.Invalid as exc:
            out.append(Finding(doc.path, line, f"{key}: {exc}"))
    return out


def build_site(settings: Settings, manual: Manual, pages: dict[str, Page],
               threshold: data.Threshold | None, glossary: list[data.Term],
               contacts: dict[str, Contact]) -> Site:
    site = Site(contacts=contacts, broken=set(manual.invalid_ids), preview=settings.preview)
    for page in pages.values():
        site.pages[page.site_path] = Target(page.site_path, page.site_path, page.title,
                                            references.headings(page.body))
    for p in manual.procedures:
        site.add(Target(p.id, p.site_path, p.title, p.anchors, p.status, "procedure"))
    for folder, section in manual.sections.items():
        if folder:
            site.pages[f"{manual_dir(settings)}/{folder}/index.md"] = Target(
                f"section:{folder}", f"{manual_dir(settings)}/{folder}/index.md", section.title)
    for site_path, title in GENERATED.items():
        site.pages.setdefault(site_path, Target(site_path, site_path, title))
    if threshold:
        for lv in threshold.levels:
            site.add(Target(lv.id, f"threshold/{lv.id}.md", lv.title, kind="level"))
    if glossary:
        site.pages["glossary.md"].anchors = {t.anchor: t.heading for t in glossary}
    for key, site_path in SHORT_KEYS.items():
        if site_path in site.pages:
            target = site.pages[site_path]
            site.targets[key] = Target(key, site_path, target.title, target.anchors, kind="page")
    for key, prefix in COLLECTIONS.items():
        site.collections[key] = {anchor: target for sp, target in sorted(site.pages.items())
                                 if sp.startswith(prefix) for anchor in target.anchors}
    return site


def add_blocks(site: Site, structure: Any, report: Any) -> None:
    """Figures drawn from data: `[[chart:ID]]` and `[[structure-chart]]`."""
    for chart in (report or {}).get("charts") or [] if isinstance(report, dict) else []:
        if isinstance(chart, dict) and chart.get("id"):
            site.blocks[f"chart:{chart['id']}"] = lambda _page, chart=chart: charts.bar_chart(chart)
    if isinstance(structure, dict):
        def render(page_path: str) -> str:
            sections = site.collections.get("arrangements", {})
            return charts.structure_chart(structure, lambda anchor: site.url_for(
                page_path, sections[anchor].site_path) if anchor in sections else "#")
        site.blocks["structure-chart"] = render


RESERVED_IDS = {*SHORT_KEYS, "contact", "chart", "structure-chart", "review", "index", "versions"}


def _reserved(settings: Settings, manual: Manual, pages: dict[str, Page],
              threshold: data.Threshold | None) -> list[Finding]:
    """Names the site itself uses: a procedure or page there would be silently replaced."""
    out = []
    base = manual_dir(settings)
    generated = set(GENERATED) | {f"{base}/index.md"} | {
        f"{base}/{folder}/index.md" for folder in manual.sections if folder}
    generated |= {f"threshold/level-{n}.md" for n in range(1, 5)}
    for p in manual.procedures:
        if p.id in RESERVED_IDS or re.fullmatch(r"level-\d+", p.id):
            out.append(Finding(p.path, p.line_of("id"), f"the id `{p.id}` is a name the site uses "
                               f"for its own pages ([[{p.id}]] already means something) — choose "
                               "another id", code="reserved"))
        if p.site_path in generated:
            out.append(Finding(p.path, 1, f"{p.site_path} is the address of a page the site makes "
                               "itself — rename the file", code="reserved"))
    for sp, page in pages.items():
        if sp in generated or sp.startswith(f"{base}/"):
            out.append(Finding(page.path, 1, f"{page.path} would be replaced by a page the site makes "
                               f"itself ({sp}) — move or rename it", code="reserved"))
    return out


def _dates(today: dt.date, docs: list[Reviewable]) -> list[Finding]:
    """Dates that cannot be right on the day of the build: a review or approval that has not
    happened yet, or a next review further away than any review cycle."""
    out = []
    latest = today.replace(year=today.year + 6) if not (today.month == 2 and today.day == 29) else \
        today.replace(year=today.year + 6, day=28)

    def line(doc: Reviewable, key: str) -> int:
        return doc.line_of(key) if isinstance(doc, Procedure) else doc.line
    for doc in docs:
        for key in ("last_reviewed", "approved_on"):
            value = getattr(doc, key, None)
            if value and value > today:
                out.append(Finding(doc.path, line(doc, key), f"{key} {value} is in the future — use the "
                                   "date it actually happened", code="date"))
        for a in doc.amendments:
            if a.date > today:
                out.append(Finding(doc.path, line(doc, "amendments"), f"the amendment dated {a.date} is "
                                   "in the future — date it when the change is made", code="date"))
        try:
            nxt = doc.next_review
        except (ValueError, OverflowError):
            continue
        if nxt > latest:
            out.append(Finding(doc.path, line(doc, "next_review" if doc.next_review_on else "review_every"),
                               f"the next review ({nxt}) is more than six years away — reviews are "
                               "due every one to five years", code="date"))
    return out


def manual_dir(settings: Settings) -> str:
    return settings.procedures_dir.strip("/")


def load(settings: Settings) -> Content:
    root = settings.root
    docs = root / settings.docs_dir
    manual = load_manual(root, settings.procedures_dir, settings.agencies)
    manual.preview = settings.preview
    findings = list(manual.findings)
    threshold, problems = data.load_threshold(docs, prefix=settings.docs_dir)
    findings += problems
    glossary, problems = data.load_glossary(docs, prefix=settings.docs_dir)
    findings += problems
    documents, problems = data.load_documents(docs, prefix=settings.docs_dir)
    findings += problems
    structure, problems = data.load_structure(docs, prefix=settings.docs_dir)
    findings += problems
    report, problems = data.load_report(docs, prefix=settings.docs_dir)
    findings += problems
    pages, problems, seen = _read_pages(root, settings.docs_dir)
    findings += problems
    drafts = {sp for sp, page in pages.items() if page.meta.get("status") in ("draft", "archived")
              and not (settings.preview and page.meta.get("status") == "draft")}
    pages = {sp: page for sp, page in pages.items() if sp not in drafts}
    contacts, problems = siteconfig.contacts(settings.contacts, settings.config_line)
    findings += problems + siteconfig.exit_url(settings.exit_page_url, settings.config_line)
    findings += siteconfig.site_texts(settings.chrome, settings.config_line)
    findings += siteconfig.interim(settings.interim, settings.config_line)
    findings += siteconfig.site_addresses(settings.site_url, settings.repo_url, settings.edit_uri,
                                          settings.config_line)
    findings += _reserved(settings, manual, pages, threshold)
    findings += _dates(settings.today, [*manual.procedures, *documents,
                                        *([threshold.document] if threshold and threshold.document else [])])
    thesaurus, problems = data.load_thesaurus(docs, prefix=settings.docs_dir)
    findings += problems + _unplaced(thesaurus, manual, pages, threshold, glossary, settings.docs_dir)
    site = build_site(settings, manual, pages, threshold, glossary, contacts)
    site.review_ids = {d.id for d in documents} | ({threshold.document.id} if threshold and threshold.document else set())
    add_blocks(site, structure, report)
    return Content(settings, manual, threshold, glossary, documents, structure, report,
                   pages, site, findings, withheld=seen - set(pages), thesaurus=thesaurus)


def names(manual: Manual, pages: dict[str, Page], threshold: data.Threshold | None,
          glossary: list[data.Term]) -> list[str]:
    """What pages are called: titles, "also known as" keywords, level titles, glossary terms."""
    out = [p.title for p in manual.procedures if p.published] + \
          [k for p in manual.procedures if p.published for k in p.keywords]
    out += [page.title for page in pages.values()] + list(GENERATED.values())
    out += [f"Level {lv.level}: {lv.name}" for lv in threshold.levels] if threshold else []
    out += [t.term for t in glossary] + [t.abbr for t in glossary if t.abbr]
    return out


def _unplaced(thesaurus: list[data.Synonym], manual: Manual, pages: dict[str, Page],
              threshold: data.Threshold | None, glossary: list[data.Term], docs_dir: str) -> list[Finding]:
    """A thesaurus term that no page is called by cannot lead a search anywhere."""
    if not thesaurus:
        return []
    text = " | ".join(names(manual, pages, threshold, glossary)).lower()
    out = []
    for entry in thesaurus:
        for term in entry.means:
            key = term.lower()
            if key not in text or not occurs(text, key, end=False):
                out.append(Finding(f"{docs_dir}/{data.DATA_DIR}/thesaurus.yml", entry.line,
                                   f"no page title or \"also known as\" keyword contains `{term}`, so "
                                   "search cannot use it — use the words of a page's title or "
                                   "keywords, or add it to that procedure's `keywords`",
                                   severity="warning", code="thesaurus-term"))
    return out


def sources(content: Content) -> Iterable[tuple[str, str, str, int, Procedure | None]]:
    """(site_path, repo path, Markdown body, body's first line, procedure) of every page."""
    for p in content.manual.procedures:
        yield p.site_path, p.path, p.body, p.body_line, p
    for page in content.pages.values():
        yield page.site_path, page.path, page.body, page.body_line, None


def _incomplete(path: str, body: str, first: int) -> list[Finding]:
    return [Finding(path, first + n, f"`{ref[:60]}` is not a complete reference — write "
                    "[[id]], [[id#heading]] or [[id|your words]]", code="bad-reference")
            for n, ref in references.incomplete_refs(body)]


def check_references(content: Content) -> list[Finding]:
    """Every reference and relative link in every page, the data files' procedure ids, and
    the procedure graph. Nothing is parsed here that `load` did not already parse."""
    site = content.site
    out: list[Finding] = []
    referenced: dict[str, set[str]] = {}
    for site_path, path, body, first, proc in sources(content):
        out += safety.check_markdown(path, body, first)
        if proc is not None and not proc.published:
            continue  # drafts and archived pages are not published; their links do not matter
        for n, m in references.iter_refs(body):
            res = references.resolve(site, site_path, m, render=False)
            if res.problem:
                out.append(Finding(path, first + n, res.problem, code=res.code))
            elif res.target is not None:
                referenced.setdefault(res.target.key, set()).add(proc.id if proc else path)
                content.dependencies.setdefault(site_path, set()).add(res.target.key)
                if (proc is None or proc.published) and res.target.status not in PUBLISHED \
                        and not content.settings.preview:
                    out.append(Finding(path, first + n, f"[[{res.target.key}]] is "
                                       f"{res.target.status} — a published page must not link to "
                                       "an unpublished procedure", code="unpublished-target"))
        for n, url in references.markdown_links(body):
            problem = references.check_link(site, site_path, url)
            if problem:
                out.append(Finding(path, first + n, problem, code="broken-link"))
        out += _incomplete(path, body, first)
    if content.threshold:
        # texts in the threshold data may refer to procedures and contacts, like a page
        t = content.threshold
        for line, text_ in t.texts:
            for _n, m in references.iter_refs(text_):
                res = references.resolve(site, "threshold/index.md", m, render=False)
                if res.problem:
                    out.append(Finding(t.path, line, res.problem, code=res.code))
                elif res.target is not None:
                    referenced.setdefault(res.target.key, set()).add(t.path)
            out += _incomplete(t.path, text_, line)
    for p in content.manual.procedures:
        for rid in p.related:
            referenced.setdefault(rid, set()).add(p.id)
            content.dependencies.setdefault(p.site_path, set()).add(rid)
    ids = content.manual.by_id
    data_refs: list[tuple[str, int, str]] = []
    if content.threshold:
        data_refs += [(content.threshold.path, i.line, i.procedure)
                      for i in content.threshold.indicators if i.procedure]
    data_refs += [(f"{content.settings.docs_dir}/{data.DATA_DIR}/glossary.yml", t.line, t.procedure)
                  for t in content.glossary if t.procedure]
    for path, line, pid in data_refs:
        if pid not in ids and pid not in content.manual.invalid_ids:
            out.append(Finding(path, line, f"procedure: `{pid}` is not a procedure id"
                               f"{did_you_mean(pid, ids)}", code="unknown-target"))
        else:
            referenced.setdefault(pid, set()).add(path)
    out += references.graph_findings(content.manual.procedures, referenced, content.manual.invalid_ids,
                                     content.settings.preview)
    for c in site.contacts.values():
        if c.placeholder:
            line = content.settings.config_line(rf"^\s+{re.escape(c.key)}:")
            out.append(Finding("mkdocs.yml", line, f"contact `{c.key}` ({c.label}) has no value yet — "
                               "it shows as “to be confirmed”; fill in `extra.contacts."
                               f"{c.key}.value` before publishing", "warning", code="placeholder"))
    for key in ("site_url", "repo_url"):
        if ".invalid" in getattr(content.settings, key):
            out.append(Finding("mkdocs.yml", content.settings.config_line(rf"^{key}:"), f"{key} is "
                               "still a placeholder (.invalid) — set the real address before "
                               "publishing", "warning", code="placeholder"))
    return out

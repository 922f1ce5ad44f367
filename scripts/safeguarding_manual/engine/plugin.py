"""The MkDocs plugin: thin. It loads the content model once per build, mounts procedures and
generated pages, expands references, and hands typed views to the templates."""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
from pathlib import Path
from typing import Any

import jinja2
import markdown as md_lib
import markupsafe
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation, Section as NavSection
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from ..content import assets, corpus as content_mod, layout, messages, references, safety, sanitize, siteconfig
from ..website import csp, preview, search
from ..website import pdf as pdf_files
from ..website import editor, offline
from . import menu, sitefiles, treecache, trim
from ..content.assets import inside
from ..content.cache import enabled as caches_enabled
from .config import ManualConfig
from ..content.corpus import Content, Settings
from ..content.findings import Finding
from ..content.model import images_folder
from ..website.pages import Renderer, longdate
from .prebuilt import Prebuilt
from .prerender import Prerender
from ..website.preview import PreviewState
from ..website.views import procedure_view
from ..website import versions as versions_mod

log = logging.getLogger("mkdocs.plugins.manual")


def _report(finding: Finding) -> None:
    # Graph warnings (one-way links, orphans) are advice for check_xrefs.py; in the build they
    # are INFO so `--strict` fails on errors only.
    (log.error if finding.severity == "error" else log.info)(str(finding))


SITE_SCRIPTS = ("assets/javascripts/manual.js", "assets/javascripts/exit.js", "assets/javascripts/offline.js")
SITE_STYLES = ("assets/stylesheets/manual.css", "assets/stylesheets/reader.css")
OUR_TEMPLATES = ("main.html", "procedure.html", "404.html", "partials/header.html")


def _ours(name: str | None) -> bool:
    """Templates of this site (autoescaped) as opposed to Material's own."""
    return bool(name) and (name in OUR_TEMPLATES or name.startswith(("partials/wf-", "partials/procedure-")))


def _without(nav: Any, withheld: set[str]) -> Any:
    """mkdocs.yml's nav without the pages kept out of the site (drafts), and without sections
    left empty by that."""
    if isinstance(nav, list):
        items = [_without(item, withheld) for item in nav]
        return [i for i in items if i not in (None, [], {})]
    if isinstance(nav, dict):
        out = {k: _without(v, withheld) for k, v in nav.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {})} or None
    if isinstance(nav, str) and nav in withheld:
        return None
    return nav


def _drop_from_sitemap(site: Path, marker: str) -> None:
    """Superseded versions are not for search engines: out of sitemap.xml (and its .gz)."""
    sitemap = site / "sitemap.xml"
    if not sitemap.is_file():
        return
    text = sitemap.read_text(encoding="utf-8")
    kept = re.sub(r"\s*<url>(?:(?!</url>).)*?" + re.escape(marker) + r"(?:(?!</url>).)*?</url>", "", text, flags=re.S)
    if kept != text:
        sitemap.write_text(kept, encoding="utf-8")
        import gzip
        with gzip.GzipFile(site / "sitemap.xml.gz", "wb", mtime=0) as gz:
            gz.write(kept.encode("utf-8"))


def title_text(value: str) -> str:
    """A title for the theme, which prints titles as HTML in text and escapes them again in
    attributes: `<` and `>` are escaped, and `&` where it could start a character reference
    (`&lt;`, `&#106;`), so the title shows exactly as typed; a plain "A & B" is left for the
    theme's own escaping."""
    text = " ".join(value.split())
    text = re.sub(r"&(?=[A-Za-z0-9#])", "&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def css_string(value: Any) -> markupsafe.Markup:
    """A CSS string literal (for @page margin boxes): quotes, backslashes and `<` escaped."""
    s = " ".join(str(value or "").split())
    s = re.sub(r'[\\"<>&\x00-\x1f]', lambda m: f"\\{ord(m.group(0)):x} ", s)
    return markupsafe.Markup(f'"{s}"')


class ManualPlugin(BasePlugin[ManualConfig]):
    def __init__(self) -> None:
        self.dirty = False  # `mkdocs serve --dirty`: the fast preview
        self.serving = False
        self.preview = False  # a reviewers' build with drafts
        self.pdf = False  # a published build: pages link to the PDFs publish.py makes (pdf.py)
        self.manual_pdf = ""  # the whole-manual PDF's path in the site, when self.pdf
        self.preview_state = PreviewState()
        self.content: Content | None = None
        self.renderer: Renderer | None = None
        self.files: Files | None = None
        self.today = dt.date.today()
        # Markdown parsed, and finished pages checked, on a second core (prerender.py)
        self.prerender = Prerender({"check": csp.problems, "words": search.page_words})
        self.prebuilt = Prebuilt(csp.problems)  # and templates rendered there (prebuilt.py)
        self.nav: Navigation | None = None
        self.old_site = sitefiles.OldSite()  # the previous build's files, deleted beside this one
        self.outputs = sitefiles.Outputs()  # this build's folders and files, made before MkDocs writes
        self.embeds: dict[str, list[str]] = {}
        self.generated: set[str] = set()
        self.partials = None  # the theme's templates for notices in page content (see _partial)
        self.vocabulary = search.Vocabulary()  # kept across preview rebuilds (words per page)
        self.list_pages: set[str] = set()
        self.indexing = False
        self.feed: search.Feed | None = None
        self.early_index: search.Indexing | None = None  # Pagefind, started once pages are converted
        self.indexed_from = ""  # what the last build's index was made from (for the tests)
        self.procedure_contexts: dict[str, dict[str, Any]] = {}  # by source path (on_page_content)
        self.bodies: dict[str, tuple[str, str]] = {}  # procedure text -> its body with the panel
        self.history = versions_mod.History(available=False)

    def on_startup(self, *, command, dirty: bool) -> None:
        # Defining on_startup makes MkDocs keep this instance across `serve` rebuilds, so the
        # preview can remember what the previous rebuild produced.
        self.dirty = dirty
        self.serving = command == "serve"  # no forking beside the live-reload server's threads

    # --- configuration and loading -----------------------------------------------------

    def on_config(self, config):
        if not self.config.enabled:
            return config
        root = Path(config.config_file_path or ".").resolve().parent
        self.root = root
        procedures = root / self.config.procedures_dir
        if str(procedures) not in config.watch:
            config.watch.append(str(procedures))  # `mkdocs serve` only watches docs_dir
        self.preview = self.config.preview or os.environ.get("MANUAL_PREVIEW", "") not in ("", "0")
        self._check_settings(config, root)
        # Links to the PDFs only in a published build (publish.py sets MANUAL_PDF=1 and makes
        # them); never in a preview, whose folder has no PDFs.
        self.pdf = (self.config.pdf or os.environ.get("MANUAL_PDF", "") not in ("", "0")) and not self.preview
        extra = config.extra if hasattr(config.extra, "get") else {}
        self.manual_pdf = pdf_files.manual_path(pdf_files.short_name(extra, config.site_name)) if self.pdf else ""
        if self.preview:
            # Drafts must never land in the public site folder.
            config.site_dir = str(root / self.config.preview_dir)
            log.info(f"Preview build: drafts included, written to {self.config.preview_dir}/")
        try:
            self.today = dt.date.fromisoformat(self.config.today) if self.config.today else dt.date.today()
        except ValueError:
            line = Settings(root=root).config_line(r"^\s+today:")
            raise PluginError(f'mkdocs.yml:{line}: plugins.manual.today "{self.config.today}" is not a '
                              "date — use YYYY-MM-DD or leave it empty") from None
        # The site's own scripts and styles (overrides/assets) are part of the theme, not a
        # setting: the exit button, review notices and search work whatever mkdocs.yml lists.
        for key, names in (("extra_javascript", SITE_SCRIPTS), ("extra_css", SITE_STYLES)):
            listed = {str(v) for v in config[key]}
            config[key].extend(n for n in names if n not in listed)
        self.content = self._load(config)
        self._line_numbers(config)
        # The theme prints these as HTML; they were checked (siteconfig.site_texts), and are
        # made text here so that even a build that goes on after the error shows no markup.
        config.site_name = title_text(str(config.site_name or ""))
        if config.site_description:
            config.site_description = html.escape(" ".join(str(config.site_description).split()), quote=True)
        if config.copyright:
            config.copyright = html.escape(" ".join(str(config.copyright).split()))
        if config.nav and self.content.withheld:
            config.nav = _without(config.nav, self.content.withheld)  # drafts are not in the menu
        if not any(isinstance(e, trim.TrimInline) for e in config.markdown_extensions):
            config.markdown_extensions.append(trim.TrimInline())  # patterns a page cannot use
        if self.config.parallel:
            self.prerender.install(config)
        if "abbr" in config.markdown_extensions:
            # Acronyms from the glossary, expanded on every page by the abbr extension itself
            # (one compiled pattern per build, rather than definitions appended to each page).
            config.mdx_configs.setdefault("abbr", {})["glossary"] = {
                t.abbr: t.term for t in self.content.glossary if t.abbr}
        return config

    def _line_numbers(self, config) -> None:
        docs = Path(config.docs_dir)
        procedures = {p.site_path for p in self.content.manual.procedures}

        def source_of(uri: str) -> Path | None:
            path = self.root / uri if uri in procedures else docs / uri
            return path if path.is_file() else None
        # The engine's own loggers, by the modules' real names: under ProperDocs the same
        # classes log as `properdocs.structure.*`.
        for name in (Page.__module__, Navigation.__module__):
            target = logging.getLogger(name)
            for old in [f for f in target.filters if isinstance(f, messages.LineNumbers)]:
                target.removeFilter(old)  # one per build, also under `mkdocs serve`
            target.addFilter(messages.LineNumbers(source_of, self.root))

    def _check_settings(self, config, root: Path) -> None:
        """Plugin settings that could publish drafts or break every page: a clear refusal."""
        def refuse(key: str, message: str) -> None:
            line = Settings(root=root).config_line(rf"^\s+{key}:")
            raise PluginError(f"mkdocs.yml:{line}: plugins.manual.{key}: {message}")
        preview_dir = (root / self.config.preview_dir).resolve()
        # The public site folder as mkdocs.yml names it (a `--site-dir` given for one build,
        # as the benchmark and publish.py do, does not make another folder public).
        public = root / str(content_mod.Settings.raw_config(root).get("site_dir") or "site")
        for name, folder in (("the public site folder", public), ("the docs folder", Path(config.docs_dir)),
                             ("the procedures folder", root / self.config.procedures_dir)):
            folder = folder.resolve()
            if preview_dir == folder or folder in preview_dir.parents or preview_dir in folder.parents:
                refuse("preview_dir", f'"{self.config.preview_dir}" overlaps {name} — drafts must never be '
                       "written there; use site-preview")
        if preview_dir == root or not inside(root, preview_dir):
            refuse("preview_dir", f'"{self.config.preview_dir}" must be a folder inside the project, such as site-preview')
        if not 0 <= self.config.due_within <= 365:
            refuse("due_within", f"{self.config.due_within} must be a number of days from 0 to 365 (usually 60)")
        if self.config.editor_repo and not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", self.config.editor_repo):
            refuse("editor_repo", f'"{self.config.editor_repo[:60]}" must be a GitHub repository as owner/name, '
                   "for example my-org/procedures-manual")
        if not re.fullmatch(r"[A-Za-z0-9_./-]{1,100}", self.config.editor_branch):
            refuse("editor_branch", f'"{self.config.editor_branch[:60]}" must be a branch name such as main')
        if self.config.editor_auth_url and not re.fullmatch(r"https://[A-Za-z0-9.-]+(:\d+)?(/[^\s\"'<>]*)?",
                                                            self.config.editor_auth_url):
            refuse("editor_auth_url", f'"{self.config.editor_auth_url[:60]}" must be an https:// address '
                   "of the sign-in server")
        for key in ("procedures_dir", "docs_edit_prefix"):
            value = getattr(self.config, key)
            if key == "procedures_dir" and (not inside(root, root / value) or (root / value).resolve() == root):
                refuse(key, f'"{value}" must be a folder inside the project, such as procedures')

    def _load(self, config) -> Content:
        extra = config.extra if hasattr(config.extra, "get") else {}
        settings = Settings(root=self.root, docs_dir=Path(config.docs_dir).relative_to(self.root).as_posix(),
                            procedures_dir=self.config.procedures_dir, agencies=tuple(self.config.agencies),
                            contacts=extra.get("contacts"), exit_page_url=extra.get("exit_page_url"),
                            site_url=config.site_url or "", repo_url=config.repo_url or "",
                            edit_uri=config.edit_uri, preview=self.preview, today=self.today,
                            interim=extra.get("interim") or {},
                            chrome={"site_name": config.site_name, "site_description": config.site_description,
                                    "copyright": config.copyright, "nav": config.nav})
        content = content_mod.load(settings)
        # The theme's partials read contacts and the exit address from `extra`: hand them only
        # what passed validation, so no template ever sees a value that failed it.
        extra["contacts"] = {c.key: {"label": c.label, "value": c.value, "kind": c.kind, "note": c.note, "url": c.url, "url_text": c.url_text}
                             for c in content.site.contacts.values()}
        if siteconfig.exit_url(extra.get("exit_page_url"), lambda _p: 1):
            extra["exit_page_url"] = None
        for f in content.findings:
            _report(f)
        for f in content_mod.check_references(content):
            if f.code != "placeholder":  # placeholders are for the checks, not the preview
                _report(f)
        return content

    # --- files and navigation ------------------------------------------------------------

    @event_priority(50)  # before search/tags so generated pages are indexed
    def on_files(self, files: Files, *, config) -> Files:
        if not self.config.enabled:
            return files
        content = self.content
        assert content is not None
        # Pages are rendered before MkDocs' on_env: an environment of the theme's own for
        # the partials that page content uses, set up as on_env sets up the theme's.
        self.partials = config.theme.get_env()
        self._setup_env(self.partials)
        self.renderer = Renderer(content, self.today, self.config.due_within,
                                 Path(config.theme.custom_dir or self.root / "overrides"),
                                 config.use_directory_urls, manual_pdf=self.manual_pdf)
        docs_dir = Path(config.docs_dir).resolve()
        docs_rel = docs_dir.relative_to(self.root).as_posix()
        for file in list(files):
            if file.src_uri.startswith("_data/"):
                files.remove(file)
            elif file.generated_by is None and Path(file.src_dir).resolve() == docs_dir:
                problem = assets.problem(self.root, Path(file.abs_src_path))
                if problem:
                    _report(Finding(f"{docs_rel}/{file.src_uri}", 1, problem, code="file"))
                    files.remove(file)
                    self._restore_theme_file(files, file.src_uri, config)
                elif file.is_documentation_page() and file.src_uri not in content.pages:
                    files.remove(file)  # a draft, or a page whose front matter is in error
                else:
                    file.edit_uri = self.config.docs_edit_prefix + file.src_uri
        for p in content.manual.published:
            file = File(p.path, src_dir=str(self.root), dest_dir=config.site_dir,
                        use_directory_urls=config.use_directory_urls,
                        inclusion=InclusionLevel.NOT_IN_NAV)  # sections are in the nav, not pages
            file.edit_uri = p.path
            files.append(file)
            images = self.root / Path(p.path).parent / images_folder(p.id)
            if images.is_dir() or images.is_symlink():  # pictures saved beside an imported procedure
                for image in self._images(images):
                    files.append(File(image.relative_to(self.root).as_posix(), src_dir=str(self.root),
                                      dest_dir=config.site_dir, use_directory_urls=config.use_directory_urls))
        generated_pages = self.renderer.pages()
        generated_pages.update(self._version_pages(content))
        self.embeds = self.renderer.embeds  # trusted fragments of generated pages, by site path
        self.generated_paths = list(generated_pages)
        self.generated = set(generated_pages) - self.renderer.composed
        base = content.settings.procedures_dir.strip("/")
        self.list_pages = {sp for sp in generated_pages if sp.startswith(f"{base}/") and sp.endswith("/index.md")}
        topics = search.Topics(content)
        self.phrases = topics.phrases_by_page()
        self.vocabulary.names = set()
        self.vocabulary.add_names(content_mod.names(content.manual, content.pages, content.threshold,
                                                    content.glossary))
        self.vocabulary.add_names(p for e in content.thesaurus for p in e.phrases)
        for site_path, markdown in generated_pages.items():
            existing = files.get_file_from_path(site_path)
            if existing is not None:
                files.remove(existing)
            # Section pages join the nav in on_nav, under the contents page.
            in_nav = not (site_path.endswith("/index.md") and site_path.count("/") > 1) \
                and site_path != "search.md" and "/versions/" not in site_path
            # In the fast preview a generated page is a file (its Markdown, rewritten only when it
            # changes), so MkDocs' own dirty mode skips it while its output is newer.
            source = {"abs_src_path": self._preview_source(site_path, markdown)} if self.dirty else {"content": markdown}
            generated = File.generated(config, site_path, **source,
                                       inclusion=InclusionLevel.UNDEFINED if in_nav else InclusionLevel.NOT_IN_NAV)
            if site_path.startswith("threshold/") and site_path != "threshold/index.md":
                generated.edit_uri = f"{self.config.docs_edit_prefix}_data/threshold.yml"
            files.append(generated)
        self.files = files
        self.by_path = {p.site_path: p for p in content.manual.published}
        files.append(File.generated(config, "reviews.json",
                                    content=self.renderer.reviews_json(self._site_url)))
        if config.site_url:
            name = (config.extra or {}).get("partnership", {}).get("short_name") or config.site_name
            files.append(File.generated(config, "feed.xml", content=self.renderer.atom(
                config.site_url, name, self._site_url)))
        content.site.url_for = self._url
        by_id = {d.id: d for d in content.reviewables}
        content.site.review_text = lambda doc_id: self.renderer.review_sentence(by_id[doc_id]) \
            if doc_id in by_id else ""
        if self.dirty:
            self._plan_preview(files, config, generated_pages)
        self._offline_worker(files, config)
        return files

    @staticmethod
    def _offline_worker(files: Files, config) -> None:
        """"Save for offline use": the service worker is published at the site root (sw.js),
        so its scope is the whole site, not only assets/javascripts/ (see offline.py)."""
        source = files.get_file_from_path(offline.WORKER_SOURCE)
        if source is not None:
            files.remove(source)
            files.append(File.generated(config, offline.WORKER, abs_src_path=source.abs_src_path))

    def _version_pages(self, content) -> dict[str, str]:
        """Earlier versions from git history: read once per build, not in the fast preview."""
        self.history = versions_mod.History(available=False)
        if not self.config.versions or self.dirty:
            # "The manual on a date" is in the menu: it still lists the current versions.
            self.history.note = ("Earlier versions are not shown in this preview; the published "
                                 "site lists them.")
            return {"procedures/on-a-date.md": self.renderer.on_a_date_page("procedures/on-a-date.md",
                                                                            self.history)}
        current = {p.id: p.version for p in content.manual.published if p.version}
        self.history = versions_mod.read(self.root, content.settings.procedures_dir.strip("/"), current)
        if self.history.note:
            log.info(f"Versions: {self.history.note}")
        return self.renderer.version_pages(self.history)

    @staticmethod
    def _restore_theme_file(files: Files, uri: str, config) -> None:
        """A refused docs file may have hidden the theme's file of the same name (MkDocs lets
        docs win): put the theme's back, so the site keeps its own scripts and styles."""
        for theme_dir in config.theme.dirs:
            if (Path(theme_dir) / uri).is_file():
                files.append(File(uri, src_dir=theme_dir, dest_dir=config.site_dir,
                                  use_directory_urls=config.use_directory_urls))
                return

    def _images(self, folder: Path) -> list[Path]:
        """The pictures in a procedure's images folder that may be published; every other
        file there is reported at its path."""
        rel = folder.relative_to(self.root).as_posix()
        if not assets.inside(self.root, folder):
            _report(Finding(rel, 1, "this images folder is a link to a folder outside the repository — "
                            "nothing in it is published; copy the pictures in instead", code="file"))
            return []
        keep = []
        for image in sorted(folder.iterdir()):
            if image.name.startswith("."):
                continue
            problem = assets.problem(self.root, image, set(assets.IMAGE_TYPES))
            if image.suffix.lower() == ".md":
                problem = ("a page inside an images folder is not published — move it into a "
                           "section folder")
            if problem:
                _report(Finding(image.relative_to(self.root).as_posix(), 1, problem, code="file"))
            else:
                keep.append(image)
        return keep

    def _plan_preview(self, files: Files, config, generated: dict[str, str]) -> None:
        """`serve --dirty` redoes a page when its source is newer than its output (MkDocs' own
        rule): a page that must be redone for another reason gets an output older than anything."""
        stamp = preview.global_stamp([Path(config.config_file_path), self.root / "overrides",
                                      Path(config.docs_dir) / "_data", Path(config.docs_dir) / "assets"])
        everything, force, _unchanged = self.preview_state.plan(self.content, generated, stamp)
        for file in files.documentation_pages():
            if everything or file.src_uri in force:
                preview.outdate(Path(file.abs_dest_path))

    def _preview_source(self, site_path: str, markdown: str) -> str:
        return str(preview.source_file(self.root / ".cache" / "preview" / site_path, markdown))

    def _url(self, from_page: str, site_path: str) -> str:
        assert self.files is not None
        frm, to = self.files.get_file_from_path(from_page), self.files.get_file_from_path(site_path)
        if frm is None or to is None:
            return "#"
        return get_relative_url(to.url, frm.url)

    def on_nav(self, nav: Navigation, *, config, files: Files) -> Navigation:
        if not self.config.enabled or self.content is None:
            return nav
        self._arrange_nav(files)
        self.nav = nav
        # A helper process parses pages' Markdown a little ahead of MkDocs (the long generated
        # lists first), then checks the finished pages while MkDocs writes them (prerender.py).
        # Without it, all is done here.
        order = [f.src_uri for f in files.documentation_pages(inclusion=InclusionLevel.is_included)]
        if not self.dirty and not self.serving:
            self.outputs.make([os.path.dirname(f.abs_dest_path) for f in files if f.inclusion.is_included()],
                              [f.abs_dest_path for f in files.documentation_pages(inclusion=InclusionLevel.is_included)])
        cache = None
        if self.config.cache and caches_enabled():
            cache = treecache.cache_file()
        self.prerender.start(config, files, order, lambda file: self._prepare(file, config),
                             fork=self.config.parallel and not self.serving and not self.dirty,
                             first=tuple(self.generated_paths), cache=cache)  # the long lists, met last
        return nav

    def _arrange_nav(self, files: Files) -> None:
        """Put one entry per section (not per procedure) under the contents page, so a page's
        HTML does not grow with the number of procedures."""
        base = content_mod.manual_dir(self.content.settings)
        contents = files.get_file_from_path(f"{base}/index.md")
        parent = contents.page.parent if contents and contents.page else None
        if not isinstance(parent, NavSection):
            return
        position = parent.children.index(contents.page) + 1
        for section in reversed(self.renderer.sections()):
            f = files.get_file_from_path(f"{base}/{section['folder']}/index.md")
            if f and f.page and f.page not in parent.children:
                f.page.parent = parent
                f.page.title = title_text(section["title"])  # the theme prints titles as HTML
                parent.children.insert(position, f.page)
        # A procedure is not in the nav, but belongs under "Procedures": the sidebar then
        # opens that section (its sections, never every procedure) when a procedure is shown.
        for p in self.content.manual.published:
            f = files.get_file_from_path(p.site_path)
            if f and f.page:
                f.page.parent = parent

    def _prepare(self, file: File, config) -> tuple[str, str]:
        """In the helper process: the page's Markdown as read, and as MkDocs will convert it."""
        page = file.page
        page.read_source(config)
        return page.markdown, self._page_markdown(page.markdown, page, config)

    @event_priority(-100)  # last: the theme's environment is final (the helper renders with it)
    def on_env(self, env, *, config, files):
        self._setup_env(env)
        env.globals["wf_menu"] = menu.MenuCache(config)  # the site menu, once per distinct menu
        # Compiled templates are kept between builds (a preview rebuild compiles none), in the
        # user's cache folder: compiled templates are code, so never read from the project
        # folder, where a file could arrive with a change to the repository. The folder name
        # changes with how templates are compiled (autoescape), so a cache from before is
        # never reused.
        root = treecache.cache_root()  # shared: a compiled template's key includes its source
        cache_dir = root / "jinja-autoescape" if root is not None else None
        try:
            if cache_dir is not None:
                cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
                env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(cache_dir))
        except OSError:
            pass
        if self.config.enabled and self.content is not None:
            Prebuilt.install(env)
            self.prebuilt.start(config, self.nav, files, env,
                                fork=self.config.parallel and not self.serving and not self.dirty)
            if self.feed is not None and self.feed.complete():
                # Every page is converted and the indexer has what it reads of each: it works
                # on another core while the templates are rendered (checked in on_post_build).
                self.early_index = search.start_index(Path(config.site_dir), self.feed)
        return env

    @staticmethod
    def _setup_env(env) -> None:
        env.filters["wf_date"] = longdate
        env.filters["wf_css_string"] = css_string
        # Titles handed to the theme are already escaped for it (title_text); our own
        # autoescaped templates take them back to text and escape them once.
        env.filters["wf_text"] = lambda v: html.unescape(str(v or ""))
        # MkDocs' theme environment does not escape; our own templates do (Material's print
        # page.content, already sanitised HTML, and their own fields as they are).
        env.autoescape = _ours
        env.globals["wf_once"] = menu.Once()  # fragments that are the same on every page

    # --- pages -------------------------------------------------------------------------

    def on_page_markdown(self, markdown: str, *, page: Page, config, files: Files) -> str:
        if not self.config.enabled or self.content is None:
            return markdown
        made = self.prerender.prepared_text(page.file.src_uri, markdown)  # by the helper, from this text
        if made is not None:
            self._page_meta(page)
            markdown = made
        else:
            markdown = self._page_markdown(markdown, page, config)
        self.prerender.page_ready(page.file.src_uri, markdown)  # MkDocs converts this page next
        return markdown

    def _page_markdown(self, markdown: str, page: Page, config) -> str:
        self._page_meta(page)
        return self._page_text(markdown, page, config)

    def _page_meta(self, page: Page) -> None:
        """What on_page_markdown sets in page.meta (the build's own, wherever the text was made)."""
        site_path = page.file.src_uri
        procedure = self.by_path.get(site_path)
        if procedure is not None:
            page.meta = {"title": procedure.title, "template": "procedure.html",
                         "description": procedure.summary, "search": {"boost": 3},
                         "hide": ["path"]}  # the template's breadcrumb names the section too
        elif site_path.startswith("threshold/level-"):
            page.meta.setdefault("search", {"boost": 2})
        # The theme prints a page's title as HTML (in text, and escaped again in attributes)
        # and its description raw inside an attribute: give it text that cannot become markup.
        if isinstance(page.meta.get("title"), str):
            page.meta["title"] = title_text(page.meta["title"])
        if isinstance(page.meta.get("description"), str):
            page.meta["description"] = html.escape(" ".join(page.meta["description"].split()), quote=True)

    def _page_text(self, markdown: str, page: Page, config) -> str:
        """The Markdown MkDocs converts for this page: references expanded, action first…"""
        site_path = page.file.src_uri
        procedure = self.by_path.get(site_path)
        if safety.too_deep(markdown):
            # Reported at its line by the checks (the build fails); never handed to the parser.
            return "This page could not be shown: its text is nested too deeply. See the build messages.\n"
        written = site_path not in self.generated  # generated pages are built flat by markup.py
        if written and safety.needs_trial(markdown) and not self._renders(markdown, config):
            source = procedure.path if procedure else f"{config.docs_dir.rsplit('/', 1)[-1]}/{site_path}"
            log.error(f"{source}:1: this page nests emphasis, lists or quotes too deeply for it to be "
                      "shown — simplify the formatting")
            return "This page could not be shown: its formatting is nested too deeply. See the build messages.\n"
        if procedure is not None:
            markdown = layout.action_first(markdown)
        markdown = references.expand(markdown, site_path, self.content.site)
        if procedure is not None and procedure.keywords:
            # Visible, and so indexed by search: the names readers type for this procedure.
            markdown += ("\n\n<p class=\"wf-keywords\"><strong>Also known as:</strong> "
                         + html.escape("; ".join(procedure.keywords)) + "</p>\n")
        return markdown

    @staticmethod
    def _renders(markdown: str, config) -> bool:
        try:
            md_lib.Markdown(extensions=config.markdown_extensions,
                            extension_configs=config.mdx_configs).convert(markdown)
            return True
        except RecursionError:
            return False

    def on_page_context(self, context: dict[str, Any], *, page: Page, config, nav) -> dict[str, Any]:
        if not self.config.enabled or self.content is None:
            return context
        context = self.prebuilt.context(page, context)
        if "wf_prebuilt" in context:
            return context  # rendered in the helper process, with this very context
        if page.meta.get("template") == "procedure.html":
            src = page.file.src_uri
            context.update(self.procedure_contexts.get(src) or self._procedure_context(page))
            body = self.bodies.get(src)
            if body is not None and body[0] == page.content:  # the text the body was made from
                context["wf_body"] = markupsafe.Markup(body[1])
        return context

    def _procedure_context(self, page: Page) -> dict[str, Any]:
        """What procedure.html (and partials/procedure-body.html) show besides the text."""
        procedure = self.by_path.get(page.file.src_uri)
        if procedure is None:
            return {}
        context: dict[str, Any] = {}
        earlier = self.history.earlier(procedure.id)
        if earlier:
            context["wf_versions"] = {"count": len(earlier), "url": self._site_url(
                Renderer.versions_dir(procedure) + "index.md")}
        context["procedure"] = procedure_view(procedure, self.content, self.renderer,
                                              lambda sp: self._site_url(sp),
                                              pdf_files.procedure_path(procedure.id) if self.pdf else "")
        return context

    def _procedure_body(self, page: Page, out: str, config) -> str:
        """partials/procedure-body.html for this page, as its template would render it: made here,
        as the page is converted, so the search indexer can read it before the templates run."""
        context = self.procedure_contexts[page.file.src_uri] = self._procedure_context(page)
        body = self.partials.get_template("partials/procedure-body.html").render(
            content=out, p=context.get("procedure"), wf_versions=context.get("wf_versions"),
            page=page, base_url=get_relative_url(".", page.url), config=config)
        self.bodies[page.file.src_uri] = (out, body)
        return body

    def _site_url(self, site_path: str) -> str:
        f = self.files.get_file_from_path(site_path) if self.files else None
        return f.url if f else ""

    @event_priority(100)  # first: every other plugin (search) sees sanitised content
    def on_page_content(self, html_: str, *, page: Page, config, files: Files) -> str:
        if not self.config.enabled or self.content is None:
            return html_
        site_path = page.file.src_uri
        out = sanitize.content(html_, self.embeds.get(site_path),
                               lambda n: self.content.site.render_block(n, site_path))
        notices = [html.escape(self.renderer.review_sentence(d)) for d in self.renderer.documents_for(site_path)
                   if self.renderer.review(d).state != "ok"]
        box = "".join(f'<div class="admonition warning wf-doc-review" role="note"><p>{n}</p></div>'
                      for n in notices)
        if site_path in self.renderer.consultation_pages():
            box = self._consultation_html() + box
        if box and "</h1>" in out:
            # a document for consultation, or past (or near) its review date, says so at the top
            out = out.replace("</h1>", "</h1>\n" + box, 1)
        if self.config.search and search.indexed(site_path, page.meta):
            procedure = self.by_path.get(site_path)
            section = self.content.manual.sections.get(procedure.section) if procedure else None
            entry = search.entry_for(site_path, procedure, section.title if section else None,
                                     list(self.config.agencies), self.phrases.get(site_path, []),
                                     light=site_path in self.list_pages)
            out = search.wrap(search.ignore_notices(out), entry)
            self.prerender.submit("words", site_path, out)  # the words for "did you mean"
            if self.feed is not None:
                # What the indexer reads of this page, as its template will print it (checked
                # against the page written, in on_post_page).
                if page.meta.get("template") == "procedure.html" and site_path in self.by_path:
                    try:
                        body, heading = self._procedure_body(page, out, config), None
                    except jinja2.TemplateNotFound:  # a theme without the partial: indexed from the site
                        body, heading = "", None
                else:
                    body = out
                    # the theme's own heading, where the text has none (Material's content.html)
                    heading = None if "\u003ch1" in out else f"<h1>{page.title or config.site_name}</h1>"
                self.feed.early(page.file.dest_uri, body, heading)
        else:
            self.vocabulary.pages.pop(site_path, None)
        return out

    def _consultation_html(self) -> str:
        """The same notice a procedure shows (partials/wf-consultation.html), for a document page."""
        view = {"status": "consultation", "follow": self.content.settings.interim,
                "consultation_ends": None, "contact": self.content.site.contacts.get("business-team")}
        return self.partials.get_template("partials/wf-consultation.html").render(p=view)

    @event_priority(-100)  # last: check and protect the finished page, after every other plugin
    def on_post_page(self, output: str, *, page: Page, config) -> str:
        if not self.config.enabled:
            return output
        # The tripwire (csp.problems) runs on this exact text beside the build, in the helper
        # process; its findings are reported in on_post_build, so the build still fails before
        # anything is published.
        handed, problems = self.prebuilt.checked(page, output)
        if handed:
            self.prerender.record("check", page.file.src_uri, problems)
        else:
            self.prerender.submit("check", page.file.src_uri, output)
        self.prebuilt.after(page, self.files)  # the next page, if the helper has rendered it
        output = csp.apply(output)
        if self.feed is not None:
            self.feed.written(page.file.dest_uri, output)  # what the indexer was given, checked
        return output

    def on_pre_build(self, *, config) -> None:
        # `serve --dirty` keeps the search index of its first build: a save rebuilds only its
        # own pages, in under a second (restart the preview to refresh search).
        kept = self.dirty and (Path(config.site_dir) / search.BUNDLE / "pagefind.js").is_file()
        self.indexing = bool(self.config.enabled and self.config.search and not kept)
        if self.early_index is not None:
            self.early_index.cancel()
            self.early_index = None
        if self.feed is not None:
            self.feed.discard()
        self.procedure_contexts, self.bodies = {}, {}
        # What Pagefind reads of each finished page is handed on as the page is written
        # (search.Feed), so that the indexer parses a third of the bytes.
        self.feed = search.Feed(Path(config.site_dir)) if self.indexing else None
        if self.config.enabled and not self.dirty and not self.serving:
            self.old_site.sweep(Path(config.site_dir))  # MkDocs empties the folder next

    def on_post_template(self, output: str, *, template_name: str, config) -> str:
        """Static templates (404.html) carry the same policy as every page."""
        if not self.config.enabled or not template_name.endswith(".html"):
            return output
        return self._protect(output, template_name)

    def _protect(self, output: str, name: str) -> str:
        self._check(output, name)
        return csp.apply(output)

    @staticmethod
    def _check(output: str, name: str) -> None:
        ManualPlugin._report_unsafe(csp.problems(output), name)

    @staticmethod
    def _report_unsafe(problems: list[str], name: str) -> None:
        for problem in problems:
            log.error(f"{name}: the built page contains {problem} — this is a fault in the "
                      "site's templates or plugins, not in the content; the build stops so it is "
                      "never published")

    def _finish_pages(self) -> None:
        """What the helper did on the finished pages: the tripwire's findings, and the words
        of the indexed pages for "did you mean"."""
        done = self.prerender.collect()
        for name, problems in done.get("check", {}).items():
            self._report_unsafe(problems, name)
        self.vocabulary.pages.update(done.get("words", {}))

    def on_post_build(self, *, config) -> None:
        self.old_site.wait()  # the previous build's files are gone before anything reads the folder
        self.outputs.wait()
        self.prebuilt.close()
        if self.config.enabled:
            _drop_from_sitemap(Path(config.site_dir), "/versions/")
        # Every page is now written: Pagefind indexes them (what the feed gave it) in a process
        # of its own while the editor is written, the finished pages are checked and the
        # offline manifest and search data are made here. (The editor's page is not a page of
        # the site and carries nothing Pagefind indexes.)
        feed, self.feed = self.feed, None
        indexing, self.early_index = self.early_index, None
        self.indexed_from = "pages as converted"
        if indexing is not None and (feed is None or feed.stale):
            indexing.cancel()  # a page differs from what the indexer was given: the site instead
            indexing = None
        if indexing is None and self.indexing and self.content is not None:
            indexing = search.start_index(Path(config.site_dir))  # the site folder itself
            self.indexed_from = "site folder"
        if feed is not None and not feed.started:
            feed.discard()
        try:
            if not self.dirty:  # a preview rebuild converts only some pages: the cache stays as it is
                self.prerender.save_cache()
            self._editor(config)
            self._finish_pages()
            self._offline_manifest(config)
            data = search.client_data(self.content.thesaurus, self.vocabulary) if indexing else {}
        except BaseException:
            if indexing is not None:
                indexing.thread.join()  # never leave the indexer writing into the site
            raise
        if indexing is None:
            return
        try:
            count = indexing.finish(data)
        except search.IndexError_ as exc:
            raise PluginError(str(exc)) from None
        log.info(f"Search: {count} pages indexed")

    def _offline_manifest(self, config) -> None:
        """offline.json: what "Save for offline use" stores (offline.py). Not in the fast
        preview (`serve --dirty`), where pages are rebuilt one at a time."""
        if not self.config.enabled or self.content is None or self.dirty:
            return
        theme = Path(config.theme.custom_dir or self.root / "overrides")
        data = offline.write(Path(config.site_dir), content_mod.manual_dir(self.content.settings),
                             offline.own_assets(theme), self.today)
        log.info(f"Offline copy: {len(data['files'])} files, {data['bytes'] / 1e6:.1f} MB")

    def _editor(self, config) -> None:
        """site/admin/: the web editor (editor.py), written after the pages, so it is never a
        page of the site (not in search, the sitemap, the feed or the offline copy)."""
        if not self.config.enabled or self.content is None or (
                self.dirty and (Path(config.site_dir) / "admin" / "index.html").exists()):
            return  # the fast preview writes it once, at its first build
        local = self.serving or os.environ.get("MANUAL_EDITOR") == "local"
        port = os.environ.get("MANUAL_EDITOR_PORT", "")
        b = editor.backend(local, self.config.editor_repo, self.config.editor_branch,
                           self.config.editor_auth_url,
                           int(port) if port.isdigit() and 0 < int(port) < 65536 else editor.LOCAL_PORT)
        log.info(editor.write(Path(config.site_dir), self.content.manual, self.config.procedures_dir,
                              self.config.agencies, b, config.site_name, config.site_url or ""))

    def on_build_error(self, *, error) -> None:
        self.prerender.close()
        self.prebuilt.close()
        self.old_site.wait()
        self.outputs.discard()  # no empty page files left behind
        if self.early_index is not None:
            self.early_index.cancel()
            self.early_index = None
        if self.feed is not None:
            self.feed.discard()
            self.feed = None

"""Render pages' templates on a second CPU core during a full build, through public interfaces.

Once MkDocs has converted every page and the theme's environment is final (on_env), a helper
process is forked. It renders the templates of pages from the end of the build order, each as
MkDocs renders a page: the page made active, MkDocs' `get_context`, every plugin's
`on_page_context`, the page's template. MkDocs meanwhile renders from the start. Just before
MkDocs reaches a page the helper has finished (in the previous page's on_post_page), the plugin
gives it the template `wf-prebuilt.html`, which prints the helper's HTML; MkDocs then runs every
plugin's on_post_page and writes the page as usual. The two meet wherever the work is balanced.

A page is handed over only if nothing was logged while the helper rendered it (a template's
warning must reach the build); otherwise, and whenever the helper is behind or not running,
MkDocs renders the page itself. The helper also runs the page tripwire (csp.problems) on what it
rendered, used when the text MkDocs finally writes is the same.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from typing import Any, Callable

import jinja2
import markupsafe
from mkdocs.commands.build import get_context

from .prerender import Logged, _cores, received

log = logging.getLogger("mkdocs.plugins.manual")
MIN_PAGES = 120  # below this the fork costs more than it saves
STUB = "wf-prebuilt.html"
# The helper's HTML as it was made; without it (never expected), the page's own template.
STUB_SOURCE = ("{% if wf_prebuilt is defined %}{{ wf_prebuilt }}"
               "{% else %}{% include page.meta.wf_template %}{% endif %}")


def _helper(jobs: list[str], out, reached, config, nav, doc_files, env, files,
            check: Callable[[str], Any]) -> None:
    logged = Logged.install()
    gc.freeze()  # the inherited objects are never garbage: do not scan them
    for index in range(len(jobs) - 1, -1, -1):  # from the end: MkDocs works from the start
        if index <= reached.value:
            break
        uri = jobs[index]
        page = files.get_file_from_path(uri).page
        before = logged.count
        try:
            page.active = True
            context = get_context(nav, doc_files, config, page)
            template = env.get_template(page.meta.get("template", "main.html"))
            context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
            html = template.render(context)
        except Exception:  # noqa: BLE001 - MkDocs renders it, and reports what goes wrong
            continue
        finally:
            page.active = False
        if logged.count == before:
            out.put((uri, html, check(html)))
    out.put(None)
    out.close()
    out.join_thread()


class Prebuilt:
    def __init__(self, check: Callable[[str], Any]) -> None:
        self.check = check
        self.process = None
        self.results = None
        self.reached = None
        self.jobs: list[str] = []
        self.index: dict[str, int] = {}
        self.ready: dict[str, tuple[str, Any]] = {}
        self.handed: dict[str, tuple[str, Any]] = {}
        self.done = True
        self.used = 0

    @staticmethod
    def install(env: jinja2.Environment) -> None:
        """The stub template, in the theme's environment (on_env)."""
        if not isinstance(env.loader, jinja2.ChoiceLoader) or STUB not in env.loader.list_templates():
            env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({STUB: STUB_SOURCE}), env.loader])

    def start(self, config, nav, files, env, fork: bool = True) -> None:
        """At the end of on_env: fork the helper for the pages MkDocs is about to render."""
        self.close()
        doc_files = files.documentation_pages(inclusion=_included())
        self.jobs = [f.src_uri for f in doc_files]
        self.index = {uri: i for i, uri in enumerate(self.jobs)}
        self.ready, self.handed, self.used = {}, {}, 0
        if not fork or len(self.jobs) < MIN_PAGES or not hasattr(os, "fork") or _cores() < 2:
            return
        try:
            ctx = multiprocessing.get_context("fork")
            self.results = ctx.Queue()
            self.reached = ctx.Value("i", 0, lock=False)  # MkDocs renders the first page itself
            self.process = ctx.Process(target=_helper, name="manual-prebuilt", daemon=True,
                                       args=(self.jobs, self.results, self.reached, config, nav, doc_files,
                                             env, files, self.check))
            self.process.start()
            self.done = False
        except Exception as exc:  # noqa: BLE001 - no fork here: MkDocs renders every page
            log.debug(f"rendering templates on a second core is not available: {exc}")
            self.close()

    def _drain(self) -> None:
        if self.done:
            return
        for item in received(self.results, gone=None):  # gone: MkDocs renders the rest
            if item is None:
                self.done = True
                return
            uri, html, problems = item
            self.ready[uri] = (html, problems)

    def after(self, page, files) -> None:
        """MkDocs has rendered `page`: if the helper has the next one, hand it over."""
        if self.process is None or page.file.src_uri not in self.index:
            return
        nxt = self.index[page.file.src_uri] + 1
        if nxt >= len(self.jobs):
            return
        self._drain()
        uri = self.jobs[nxt]
        got = self.ready.pop(uri, None)
        following = files.get_file_from_path(uri)
        if got is None or following is None or following.page is None:
            self.reached.value = max(self.reached.value, nxt)
            return
        meta = following.page.meta
        meta["wf_template"] = meta.get("template", "main.html")
        meta["template"] = STUB
        self.handed[uri] = got

    def context(self, page, context: dict) -> dict:
        """on_page_context: the helper's HTML for a page handed over (its own template back in
        page.meta, as every other plugin knows it)."""
        got = self.handed.get(page.file.src_uri)
        if got is not None and page.meta.get("template") == STUB:
            page.meta["template"] = page.meta["wf_template"]
            context["wf_prebuilt"] = markupsafe.Markup(got[0])
            self.used += 1
        return context

    def checked(self, page, output: str) -> tuple[bool, Any]:
        """on_post_page: (True, the tripwire's findings) when the helper checked this very text."""
        got = self.handed.pop(page.file.src_uri, None)
        page.meta.pop("wf_template", None)
        if got is not None and got[0] == output:
            return True, got[1]
        return False, None

    def close(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join(5)
            self.process = None
        if self.results is not None:
            self.results.close()
            self.results.cancel_join_thread()
            self.results = None
        self.ready = {}
        self.done = True


def _included():
    from mkdocs.structure.files import InclusionLevel
    return InclusionLevel.is_included

"""Render procedure pages on a second CPU core during a full build.

MkDocs renders Markdown one page at a time, and on a large manual that is half the build.
No MkDocs or Material feature parallelises it, so after the navigation is built this forks
one helper process (copy-on-write: it shares the parent's configuration, files and pages)
that renders the last part of the procedures while MkDocs renders the rest. The parent then
installs the helper's results instead of rendering those pages itself. Warnings the helper
logs (broken links…) are replayed in the parent, so `--strict` counts them as usual.

Anything unexpected — no fork on this platform, the helper failing — falls back to MkDocs'
ordinary rendering, page by page, so the output is the same either way.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from typing import Any

from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.plugins.manual")
MIN_PAGES = 120  # below this the fork costs more than it saves


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


_JOB: dict[str, Any] = {}  # set in the parent just before forking; inherited by the helper


def _render_batch(src_uris: list[str]) -> tuple[dict[str, dict], list[tuple[str, int, str]]]:
    """In the helper: read, run page_markdown events and render each page."""
    config, files = _JOB["config"], _JOB["files"]
    capture = _Capture()
    root = logging.getLogger("mkdocs")
    root.handlers[:] = [capture]
    root.propagate = False
    out: dict[str, dict] = {}
    for uri in src_uris:
        page: Page = files.get_file_from_path(uri).page
        page.read_source(config)
        page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
        Page.render(page, config, files)
        links = {f.src_uri: v for f, v in (page.links_to_anchors or {}).items()}
        out[uri] = {"content": page.content, "toc": page.toc, "title": page._title_from_render,
                    "anchors": page.present_anchor_ids, "links": links}
    return out, capture.records


class ParallelRender:
    def __init__(self) -> None:
        self.pool = None
        self.result = None
        self.results: dict[str, dict] | None = None

    def start(self, config, files, src_uris: list[str]) -> None:
        """Hand the given pages to a forked helper (call after the nav is built)."""
        if len(src_uris) < MIN_PAGES or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
            return
        try:
            _JOB.update(config=config, files=files)
            ctx = multiprocessing.get_context("fork")
            self.pool = ctx.Pool(1)
            self.result = self.pool.apply_async(_render_batch, (src_uris,))
        except Exception as exc:  # no fork here: MkDocs renders everything itself
            log.debug(f"parallel rendering not available: {exc}")
            self.pool = None
            return
        for uri in src_uris:
            page = files.get_file_from_path(uri).page
            page.render = self._installer(page, files)  # type: ignore[method-assign]

    def _installer(self, page: Page, files):
        def render(config, files_=files) -> None:
            data = self._get().get(page.file.src_uri)
            if data is None:
                Page.render(page, config, files_)  # the helper failed: render here instead
                return
            page.content, page.toc = data["content"], data["toc"]
            page._title_from_render = data["title"]
            page.present_anchor_ids = data["anchors"]
            page.links_to_anchors = {files_.get_file_from_path(k): v for k, v in data["links"].items()}
        return render

    def _get(self) -> dict[str, dict]:
        if self.results is None:
            self.results = {}
            try:
                results, records = self.result.get(timeout=1800)
                self.results = results
                for name, level, message in records:
                    logging.getLogger(name).log(level, message)
            except Exception as exc:
                log.warning(f"parallel rendering failed, rendering on one core instead: {exc}")
            finally:
                self.close()
        return self.results

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None
        _JOB.clear()

"""Parse pages' Markdown on a second CPU core during a full build, through public interfaces only.

MkDocs converts each page with a fresh `markdown.Markdown` made from `config.markdown_extensions`,
one page after another. The plugin adds one Python-Markdown extension of its own to that list
(`PrerenderExtension`, as plugins such as mkdocs-autorefs add theirs), and after the navigation
is built it forks one helper process. The helper prepares the plugin's Markdown for the pages
(`on_page_markdown`, as the build will) and runs Python-Markdown's own work on it — the
preprocessors, the block parser and the tree-processors the configured extensions registered
(inline markup, tables, abbreviations, attribute lists, the table of contents…) — then sends
back the element tree it reached, the raw-HTML stash and the table of contents. It does the
long generated pages first (MkDocs meets them last), then keeps a page or two ahead of MkDocs;
when MkDocs reaches a page the helper has finished, the extension hands that tree to the rest of
the same pipeline in place of parsing the text again (a page the helper has not finished, MkDocs
converts itself, and the helper moves on past it). Nothing of MkDocs is replaced or patched: MkDocs' own
tree-processors (anchors, title, checking and rewriting links) and the serializer still run in
the build on that tree, so warnings, link and anchor validation and the HTML are exactly those of
an ordinary build.

A tree is used only when everything matches: nothing was logged while the helper prepared and
parsed the page (so every warning is raised in the build), the text MkDocs converts is byte for
byte the text the helper parsed, and this page's Markdown runs, before and after the hand-over
point, the same processors as the helper's did. Otherwise — or when the helper is behind, failed, or cannot be
started (no fork, one CPU, `mkdocs serve`) — the page is simply converted as usual.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import multiprocessing
import os
import queue
from collections import Counter
from pathlib import Path
from typing import Any, Callable
from xml.etree import ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from . import treecache

log = logging.getLogger("mkdocs.plugins.manual")
MIN_PAGES = 120  # below this the fork costs more than it saves
AHEAD = 2  # the helper takes the page this far after the one MkDocs is converting
# Where the tree is handed over: tree-processors of priority 5 or more have run (inline markup,
# attribute lists, abbreviations, toc…); MkDocs registers its own (anchors at 5, title, links)
# after the extensions', so in the build they sort after the hand-over. Checked, not assumed.
TREE_PRIORITY = 5
# Raw text is dropped just before Python-Markdown's own HTML-block stage (priority 20), after the
# preprocessors that only read the text (MkDocs collects raw-HTML anchors at 21).
SKIP_PRIORITY = 20.5
FIRST = 1e9


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()


def received(results, gone: Any):
    """What a helper process has sent so far, without waiting; `gone` once if it is gone."""
    while True:
        try:
            yield results.get_nowait()
        except queue.Empty:
            return
        except Exception:  # noqa: BLE001 - a broken queue: the helper is gone
            yield gone
            return


def _cores() -> int:
    """CPU cores this process may use (not merely those the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _kinds(items) -> list[str]:
    return [f"{type(i).__module__}.{type(i).__qualname__}" for i in items]


class Logged(logging.Handler):
    """In a helper process: counts what would have been reported (warnings and worse), which
    is then not shown there; a page during which anything was is left for MkDocs to do itself,
    so that every warning reaches the build (and `--strict`)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    @classmethod
    def install(cls) -> "Logged":
        handler = cls()
        logging.getLogger().handlers[:] = [handler]
        for name in list(logging.root.manager.loggerDict):
            logger = logging.getLogger(name)
            logger.handlers[:] = []
            logger.propagate = True
        return handler


class _Prepared:
    """The helper's result for one page."""

    def __init__(self, digest: bytes, data: bytes) -> None:
        self.digest, self.data = digest, data


# --- in the helper ------------------------------------------------------------------------

class _Capture(Treeprocessor):
    """The helper's hand-over point: keep the tree as MkDocs' processors would receive it."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.data: bytes | None = None

    def run(self, root: etree.Element) -> etree.Element:
        self.data = _encode(self.md, self, root)
        return etree.Element(self.md.doc_tag)  # nothing more to do with it here


def _encode(md: markdown.Markdown, at_processor, root: etree.Element) -> str | None:
    """The page's state at the hand-over point, as plain data (treecache.py); None if it
    cannot be carried exactly."""
    processors = list(md.treeprocessors)
    at = processors.index(at_processor)
    try:
        return treecache.encode(root, vars(md.htmlStash), getattr(md, "toc_tokens", None), getattr(md, "toc", None),
                                _kinds(processors[:at]), _kinds(processors[at + 1:]), _kinds(md.preprocessors))
    except (treecache.Unsupported, RecursionError):
        return None


def _helper(jobs: list[str], first: list[int], out, tasks, reached, prepare: Callable[[Any], tuple[str, str] | None],
            work: dict[str, Callable[[str], Any]], config, files, extension: "PrerenderExtension",
            cache: "treecache.TreeCache | None" = None) -> None:
    logged = Logged.install()
    gc.freeze()  # the inherited objects are never garbage: do not scan them
    extensions = [e for e in config.markdown_extensions if e is not extension]
    configs = config.mdx_configs or {}

    def convert(uri: str) -> None:
        before = logged.count
        try:
            made = prepare(files.get_file_from_path(uri))
            if made is None:
                return
            source, text = made
            if logged.count != before:
                return
            out.put(("text", uri, _digest(source), text))  # the build need not make it again
            if cache is not None and cache.key(_digest(text)) in cache.entries:
                return  # the build takes the tree from the cache
            md = markdown.Markdown(extensions=extensions, extension_configs=configs)
            capture = _Capture(md)
            md.treeprocessors.register(capture, "wf_prerender_capture", TREE_PRIORITY)
            md.convert(text)
            if capture.data is not None and logged.count == before:
                out.put(("page", uri, _digest(text), capture.data))
        except Exception:  # noqa: BLE001 - that page is converted in the build as usual
            pass

    # First the long pages MkDocs reaches last (the generated lists), then always a page or two
    # ahead of MkDocs, which converts whatever it reaches before the helper.
    done = set()
    for index in first:
        if index > reached.value + AHEAD:
            convert(jobs[index])
            done.add(index)
    index = 0
    while True:
        index = max(index, reached.value + AHEAD)
        if index >= len(jobs):
            break
        if index not in done:
            convert(jobs[index])
        index += 1
    out.put(("pages done",))
    # Then the work on finished pages that does not change them (see Prerender.submit), which
    # can wait: it gives way to the build (and to the template helper, prebuilt.py).
    try:
        os.nice(10)
    except OSError:
        pass
    logging.disable(logging.CRITICAL)  # the checks report through their results
    results: dict[str, dict[str, Any]] = {kind: {} for kind in work}
    while (task := tasks.get()) is not None:
        kind, key, text = task
        results[kind][key] = work[kind](text)
    out.put(("results", results))
    out.close()
    out.join_thread()


# --- in the build -------------------------------------------------------------------------

class _Source(Preprocessor):
    """First preprocessor: is the text being converted the text the helper parsed?"""

    def __init__(self, md, state: dict) -> None:
        super().__init__(md)
        self.state = state

    def run(self, lines: list[str]) -> list[str]:
        self.state["same"] = _digest("\n".join(lines)) == self.state["prepared"].digest
        return lines


class _Start(Preprocessor):
    """First preprocessor of a page parsed here (no tree to hand over): what was logged before."""

    def __init__(self, md, state: dict) -> None:
        super().__init__(md)
        self.state = state

    def run(self, lines: list[str]) -> list[str]:
        self.state["digest"] = _digest("\n".join(lines))
        self.state["logged"] = self.state["counter"].count
        return lines


class _Keep(Treeprocessor):
    """At the hand-over point of a page parsed here: keep its tree for the next build, unless
    anything was logged while it was parsed (the next build must raise the same warnings)."""

    def __init__(self, md, state: dict) -> None:
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        state = self.state
        if "digest" in state and state["counter"].count == state["logged"]:
            data = _encode(self.md, self, root)
            if data is not None:
                state["cache"].put(state["digest"], data)
        return None


class _Skip(Preprocessor):
    """Drop the text before the HTML-block stage and the block parser, when the helper's tree
    will stand in for it; the processors after this point then have an empty document."""

    def __init__(self, md, state: dict) -> None:
        super().__init__(md)
        self.state = state

    def run(self, lines: list[str]) -> list[str]:
        state = self.state
        if not state.get("same"):
            return lines
        pre = list(self.md.preprocessors)
        processors = list(self.md.treeprocessors)
        restore = next((p for p in processors if isinstance(p, _Restore)), None)
        if restore is None or not isinstance(pre[0], _Source):
            return lines
        try:
            data = treecache.decode(state["prepared"].data)
        except treecache.Unsupported:
            return lines
        cut = processors.index(restore)
        before, after = _kinds(processors[:cut]), _kinds(processors[cut + 1:])
        ran = Counter(data["before"])
        ok = (
            # every preprocessor after this point ran in the helper (what it did is in the stash)
            not Counter(_kinds(pre[pre.index(self) + 1:])) - Counter(data["preprocessors"])
            # exactly the tree-processors the helper ran come before the hand-over…
            and Counter(before) == ran
            # …none of them again after it, and those the helper left out are still to come
            and not set(after) & set(ran)
            and not Counter(data["after"]) - Counter(after)
        )
        if not ok:
            return lines
        restore.data = data
        if state.get("cache") is not None:
            state["cache"].put(state["prepared"].digest, state["prepared"].data)  # for the next build
        return []


class _Restore(Treeprocessor):
    """The hand-over: the helper's tree, raw-HTML stash and table of contents, in place of the
    (empty) document parsed here."""

    def __init__(self, md) -> None:
        super().__init__(md)
        self.data: dict | None = None

    def run(self, root: etree.Element) -> etree.Element | None:
        data, self.data = self.data, None
        if data is None:
            return None
        vars(self.md.htmlStash).update(data["stash"])
        if data["toc_tokens"] is not None:
            self.md.toc_tokens = data["toc_tokens"]
        if data["toc"] is not None:
            self.md.toc = data["toc"]
        return data["root"]


class PrerenderExtension(Extension):
    """Added to `config.markdown_extensions`; does nothing unless the helper prepared the page
    that MkDocs is about to convert."""

    def __init__(self, owner: "Prerender") -> None:
        super().__init__()
        self.owner = owner

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        prepared = self.owner.take()
        cache = self.owner.cache
        if prepared is None:
            if cache is not None and self.owner.counter is not None:  # parsed here: kept for next time
                state = {"cache": cache, "counter": self.owner.counter}
                md.preprocessors.register(_Start(md, state), "wf_prerender_start", FIRST)
                md.treeprocessors.register(_Keep(md, state), "wf_prerender_keep", TREE_PRIORITY)
            return
        state = {"prepared": prepared, "cache": cache}
        md.preprocessors.register(_Source(md, state), "wf_prerender_source", FIRST)
        md.preprocessors.register(_Skip(md, state), "wf_prerender_skip", SKIP_PRIORITY)
        md.treeprocessors.register(_Restore(md), "wf_prerender_restore", TREE_PRIORITY)


class Prerender:
    """The helper process: started after the navigation is built, it prepares pages' Markdown
    for MkDocs (above) and then does the work on finished pages that does not change them
    (`submit`), while MkDocs renders and writes the pages."""

    def __init__(self, work: dict[str, Callable[[str], Any]]) -> None:
        """`work` names the functions that `submit` may hand over."""
        self.extension = PrerenderExtension(self)
        self.process = None
        self.results = None
        self.tasks = None
        self.reached = None
        self.work = work
        self.index: dict[str, int] = {}
        self.ready: dict[str, _Prepared] = {}
        self.texts: dict[str, tuple[bytes, str]] = {}  # the helper's on_page_markdown, by page
        self.current: str | None = None
        self.pages_done = True
        self.submitted: list[tuple[str, str, str]] = []
        self.done: dict[str, dict[str, Any]] = {kind: {} for kind in work}
        self.used = 0
        self.frozen = False
        self.cache: treecache.TreeCache | None = None  # parsed pages of the last build
        self.counter: Logged | None = None  # warnings logged in the build (see _Keep)

    def install(self, config) -> None:
        """Add the extension to this build's Markdown (in on_config)."""
        if not any(e is self.extension for e in config.markdown_extensions):
            config.markdown_extensions.append(self.extension)

    def start(self, config, files, jobs: list[str], prepare: Callable[[Any], tuple[str, str] | None],
              fork: bool = True, first: tuple[str, ...] = (), cache: Path | None = None) -> None:
        """After the nav is built: fork the helper for `jobs` (source paths in MkDocs' build
        order), where `prepare(file)` returns the page's Markdown as read and as MkDocs will
        convert it (the plugin's on_page_markdown, which the build then need not repeat); it does
        the pages `first` names before the others. `cache`: the file of parsed pages kept
        between builds (treecache.py), or None. Without `fork` (or where it cannot),
        everything is done in the build itself."""
        self.close()
        # What is loaded by now (content, files, navigation) lives for the whole build: keep the
        # garbage collector from walking it again at every full collection (and, in the helper,
        # from touching the pages it shares with the build). Undone in close().
        gc.freeze()
        self.frozen = True
        self.index = {uri: i for i, uri in enumerate(jobs)}
        self.ready, self.texts, self.current, self.used, self.submitted = {}, {}, None, 0, []
        self.done = {kind: {} for kind in self.work}
        if cache is not None:
            self.cache = treecache.TreeCache(cache, treecache.fingerprint(
                [e for e in config.markdown_extensions if e is not self.extension], config.mdx_configs))
            self.counter = Logged()
            for name in ("", "mkdocs"):
                logging.getLogger(name).addHandler(self.counter)
        if not fork or len(jobs) < MIN_PAGES or not hasattr(os, "fork") or _cores() < 2:
            return
        try:
            ctx = multiprocessing.get_context("fork")
            self.results, self.tasks = ctx.Queue(), ctx.Queue()
            self.reached = ctx.Value("i", -1, lock=False)
            early = sorted((self.index[uri] for uri in first if uri in self.index), reverse=True)
            self.process = ctx.Process(target=_helper, name="manual-prerender", daemon=True,
                                       args=(jobs, early, self.results, self.tasks, self.reached, prepare, self.work,
                                             config, files, self.extension, self.cache))
            self.process.start()
            self.pages_done = False
        except Exception as exc:  # noqa: BLE001 - no fork here: everything is done in the build
            log.debug(f"the second core is not available: {exc}")
            self.close()

    # --- pages' Markdown ------------------------------------------------------------------

    def page_ready(self, src_uri: str, markdown_text: str | None = None) -> None:
        """MkDocs converts this page (its Markdown `markdown_text`) next (called at the end of
        on_page_markdown)."""
        self.current = None
        if src_uri not in self.index:
            return
        if self.process is not None:
            self.reached.value = max(self.reached.value, self.index[src_uri])
            self._drain()
        if src_uri not in self.ready and self.cache is not None and markdown_text is not None:
            digest = _digest(markdown_text)
            found = self.cache.get(digest)
            if found is not None:
                self.ready[src_uri] = _Prepared(digest, found)
        self.current = src_uri

    def _drain(self) -> None:
        if self.pages_done:
            return
        for item in received(self.results, gone=("pages done",)):  # gone: convert here
            if item[0] == "page":
                self.ready[item[1]] = _Prepared(item[2], item[3])
            elif item[0] == "text":
                self.texts[item[1]] = (item[2], item[3])
            else:
                self.pages_done = True
                return

    def prepared_text(self, src_uri: str, source: str) -> str | None:
        """The Markdown MkDocs will convert for this page, if the helper made it from this very
        `source` (start of on_page_markdown) and nothing was logged meanwhile."""
        if self.process is None:
            return None
        self._drain()
        made = self.texts.pop(src_uri, None)
        if made is None or made[0] != _digest(source):
            return None
        return made[1]

    def take(self) -> _Prepared | None:
        uri, self.current = self.current, None
        prepared = self.ready.pop(uri, None) if uri else None
        if prepared is not None:
            self.used += 1
        return prepared

    # --- work on finished pages -----------------------------------------------------------

    def submit(self, kind: str, key: str, text: str) -> None:
        """`work[kind](text)`, done in the helper when there is one; `collect()` returns it."""
        if self.tasks is None:
            self.done[kind][key] = self.work[kind](text)
            return
        self.submitted.append((kind, key, text))
        self.tasks.put((kind, key, text))

    def record(self, kind: str, key: str, value: Any) -> None:
        """A result already known (the same `work[kind]` done elsewhere on the same text)."""
        self.done[kind][key] = value

    def collect(self) -> dict[str, dict[str, Any]]:
        """Everything submitted, by kind and key (in the order submitted); ends the helper."""
        if self.tasks is not None:
            results = None
            try:
                self.tasks.put(None)
                while results is None:
                    try:
                        item = self.results.get(timeout=1)
                    except queue.Empty:
                        if not self.process.is_alive():
                            break
                        continue
                    if item[0] == "results":
                        results = item[1]
            except Exception as exc:  # noqa: BLE001 - done here instead
                log.debug(f"the helper process failed: {exc}")
            for kind, key, text in self.submitted:
                got = results.get(kind, {}) if results else {}
                self.done[kind][key] = got[key] if key in got else self.work[kind](text)
            self.submitted = []
        done, self.done = self.done, {kind: {} for kind in self.work}
        self.close()
        return done

    def close(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join(5)
            self.process = None
        for q in (self.results, self.tasks):
            if q is not None:
                q.close()
                q.cancel_join_thread()
        self.results = self.tasks = None
        if self.frozen:
            gc.unfreeze()
            self.frozen = False
        self.ready = {}
        self.texts = {}
        self.current = None
        self.pages_done = True
        if self.counter is not None:
            for name in ("", "mkdocs"):
                logging.getLogger(name).removeHandler(self.counter)
            self.counter = None

    def save_cache(self) -> None:
        """Keep this build's parsed pages for the next (once every page is converted)."""
        if self.cache is not None:
            self.cache.save()
            self.cache = None

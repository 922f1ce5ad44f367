"""Site search: what is indexed and how it is weighed, the thesaurus and typo vocabulary the
browser uses, the A–Z of topics, and running Pagefind.

Pagefind (https://pagefind.app, PyPI `pagefind[bin]`) indexes the finished HTML and splits the
index into small files that the browser fetches only for the words searched, so a page costs
nothing for search until someone searches. Which parts of a page are indexed is said in the HTML
itself: `data-pagefind-body` wraps a page's own text (menus, notices and footers are left out),
and a hidden block beside it carries the page's metadata and filters (keywords with the
thesaurus phrases that lead to it; section, document, agency, threshold level). Pages that
are lists of other pages (contents, indexes, the A–Z), drafts, the whole-document page and
superseded versions carry no `data-pagefind-body`, so Pagefind leaves them out.

Pagefind reads only what it indexes of each page (`Feed`): the indexed part, as the page's
template will print it, is handed to a writer process as each page is converted, and Pagefind
indexes those while the templates are rendered; each written page is then checked against what
it was given, and on any difference the built site folder itself is indexed.

Nothing here imports MkDocs: the plugin passes in pages and the site folder.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import queue
import re
import shutil
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import markupsafe

from ..content.findings import occurs
from ..content.model import Procedure
from .indexfeed import record

BUNDLE = "pagefind"  # folder in the site
DATA_FILE = "wf-search.json"  # page names and the list of thesaurus parts, fetched on a search
WORDS_FILE = "wf-words.json"  # the typo vocabulary, fetched only when a word is unknown
SHARD_PREFIX = "wf-th-"  # the thesaurus, in parts by the first two letters of a word
# Pagefind writes several ready-made interfaces; the site has its own (search.js), so these
# are removed after indexing rather than published unused.
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js",
          "pagefind-worker.js", "wasm.unknown.pagefind")
ALL_AGENCIES = "All practitioners"

# Pages never in results: the whole-document copy (each part is a page), the review schedule
# (for the business team), search and the A–Z themselves; editors' pages.
NOT_INDEXED = ("arrangements/whole-document.md", "reviews.md", "search.md", "topics.md")
# Pages that list or repeat other pages: found by their titles, hardly by their text.
LIGHT = ("procedures/index.md", "procedures/by-agency.md", "procedures/by-topic.md",
         "threshold/explorer.md", "whats-changed.md")
NOT_INDEXED_FOLDERS = ("editors/",)

WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]", re.I)
TAG = re.compile(r"<[^>]*>")
ENTITY = re.compile(r"&[a-z]+;|&#\d+;")
LONG_WORD = re.compile(r"(?<![a-z'-])[a-z][a-z'-]{2,}[a-z](?![a-z])")  # four letters or more
MAX_WORDS = 12000  # the typo vocabulary keeps the most used words, up to this many


@dataclass
class Entry:
    """How one page is indexed."""

    document: str  # "Procedures", "Threshold of Need", ...
    section: str | None = None
    agencies: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    aka: list[str] = field(default_factory=list)  # "also known as": a procedure's keywords
    phrases: list[str] = field(default_factory=list)  # the thesaurus' words for this page
    weight: float | None = None  # the whole body, when it should count for less (the matrix)


def document_of(site_path: str, procedures_dir: str = "procedures") -> str:
    if site_path.startswith(f"{procedures_dir}/"):
        return "Procedures"
    if site_path.startswith("threshold/"):
        return "Threshold of Need"
    if site_path.startswith("arrangements/"):
        return "Safeguarding arrangements"
    if site_path.startswith("publications/"):
        return "Publications"
    if site_path == "glossary.md":
        return "Glossary"
    return "About this site"


def indexed(site_path: str, meta: dict) -> bool:
    search = meta.get("search") if isinstance(meta, dict) else None
    if isinstance(search, dict) and search.get("exclude"):
        return False
    return not (site_path in NOT_INDEXED or site_path.startswith(NOT_INDEXED_FOLDERS))


class Topics:
    """The manual's names for things and the people's words for them, each with the pages
    they lead to: the A–Z of topics, and the keywords each page is indexed under."""

    def __init__(self, content) -> None:
        self.content = content
        self._found: dict[str, list[str]] = {}
        self._texts: list[tuple[str, str, str]] | None = None
        procs = [p for p in content.manual.published]
        # site path -> (title, [keywords]) of every page a topic can lead to
        self.named: dict[str, tuple[str, list[str]]] = {p.site_path: (p.title, list(p.keywords)) for p in procs}
        th = content.threshold
        if th:
            for lv in th.levels:
                self.named[f"threshold/level-{lv.level}.md"] = (f"Level {lv.level}: {lv.name}", [lv.name])
        for sp, page in content.pages.items():
            if indexed(sp, page.meta):
                self.named.setdefault(sp, (page.title, []))
        self.named.setdefault("glossary.md", ("Glossary and acronyms", []))
        from ..content.corpus import GENERATED
        for sp in LIGHT + ("threshold/matrix.md",):
            if sp in GENERATED and (th or not sp.startswith("threshold/")):
                self.named.setdefault(sp, (GENERATED[sp], []))

    def pages_for(self, term: str) -> list[str]:
        """Pages whose title or keywords contain the term (title matches first)."""
        key = term.lower()
        if key not in self._found:
            if self._texts is None:
                self._texts = [(sp, t.lower(), " | ".join(kws).lower()) for sp, (t, kws) in self.named.items()]
            by_title = [sp for sp, t, _ in self._texts if key in t and occurs(t, key)]
            by_kw = [sp for sp, t, k in self._texts if sp not in by_title and key in k and occurs(k, key)]
            self._found[key] = by_title + by_kw
        return self._found[key]

    def phrases_by_page(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for entry in self.content.thesaurus:
            targets = {sp for term in entry.means for sp in self.pages_for(term)}
            for sp in targets:
                out.setdefault(sp, []).extend(entry.phrases)
        return out

    def a_to_z(self) -> dict[str, tuple[str, list[tuple[str, str]]]]:
        """label (lower case) -> (label, [(site path with #anchor or not, page title)])."""
        out: dict[str, tuple[str, list[tuple[str, str]]]] = {}

        def add(label: str, targets: Iterable[str]) -> None:
            label = " ".join(label.split())
            key = label.lower()
            links = out.setdefault(key, (label, []))[1]
            for sp in targets:
                base = sp.split("#", 1)[0]
                if base in self.named and all(sp != s for s, _ in links):
                    links.append((sp, self.named[base][0]))
            if not links:
                del out[key]

        for sp, (title, kws) in self.named.items():
            if sp == "glossary.md":
                continue
            add(title, [sp])
            for k in kws:
                add(k, [sp])
        for t in self.content.glossary:
            proc = next((p for p in self.content.manual.published if p.id == t.procedure), None)
            targets = [proc.site_path] if proc else [f"glossary.md#{t.anchor}"]
            add(t.term, targets)
            if t.abbr:
                add(t.abbr, targets)
        for entry in self.content.thesaurus:
            targets = [sp for term in entry.means for sp in self.pages_for(term)]
            for phrase in entry.phrases:
                add(phrase, targets[:4])
        return dict(sorted(out.items(), key=lambda kv: re.sub(r"[^a-z0-9 ]", "", kv[0]) or kv[0]))


def entry_for(site_path: str, procedure: Procedure | None, section_title: str | None,
              agencies: list[str], phrases: list[str], light: bool = False) -> Entry:
    e = Entry(document_of(site_path), phrases=list(phrases))
    if procedure is not None:
        e.section = section_title
        listed = procedure.applies_to
        e.agencies = [a for a in agencies if a != ALL_AGENCIES] if ALL_AGENCIES in listed else \
            [a for a in listed if a != ALL_AGENCIES]
        e.levels = [f"Level {n}" for n in procedure.threshold_levels]
        e.aka = list(procedure.keywords)
    m = re.match(r"threshold/level-(\d)\.md$", site_path)
    if m:
        e.levels = [f"Level {m.group(1)}"]
    if site_path == "threshold/matrix.md":
        e.weight = 0.5  # every indicator again, in one table: the level pages come first
    if light or site_path in LIGHT:
        e.weight = 0.1  # a list of other pages: its title finds it, its text should not
    return e


def wrap(html: str, entry: Entry) -> str:
    """The page's HTML marked for the indexer: its text as the body, then a hidden block with
    its metadata and filters. Every value is escaped."""
    esc = markupsafe.escape
    if entry.weight and "</h1>" in html:
        # the title keeps its weight; the rest of the page counts for less
        head, rest = html.split("</h1>", 1)
        html = f'{head}</h1>\n<div data-pagefind-weight="{entry.weight}">{rest}</div>'
    weight = f' data-pagefind-weight="{entry.weight}"' if entry.weight and "</h1>" not in html else ""
    spans = [f'<span data-pagefind-filter="document">{esc(entry.document)}</span>']
    if entry.section:
        spans.append(f'<span data-pagefind-filter="section">{esc(entry.section)}</span>')
    spans += [f'<span data-pagefind-filter="agency">{esc(a)}</span>' for a in entry.agencies]
    spans += [f'<span data-pagefind-filter="level">{esc(lv)}</span>' for lv in entry.levels]
    if entry.aka:
        spans.append(f'<span data-pagefind-meta="aka">{esc("; ".join(entry.aka))}</span>')
    if entry.phrases:
        spans.append(f'<span data-pagefind-meta="keywords">{esc("; ".join(entry.phrases))}</span>')
    return (f'<div data-pagefind-body{weight}>\n{html}\n</div>\n'
            f'<div class="wf-index-data" hidden>{"".join(spans)}</div>')


def ignore_notices(html: str) -> str:
    """Notices repeated on many pages (consultation, review) are not what a page is about."""
    return html.replace('<div class="admonition warning wf-doc-review"',
                        '<div data-pagefind-ignore class="admonition warning wf-doc-review"')


# --- the typo vocabulary ---------------------------------------------------------------

def page_words(html: str) -> set[str]:
    """The words of four letters or more in a page's HTML text, lower case."""
    return set(LONG_WORD.findall(ENTITY.sub(" ", TAG.sub(" ", html)).lower()))


class Vocabulary:
    """Words of the indexed pages, for "did you mean": how many pages use each. Kept per page,
    so a preview rebuild of some pages keeps the words of the others."""

    def __init__(self) -> None:
        self.pages: dict[str, set[str]] = {}
        self.names: set[str] = set()

    def add_page(self, site_path: str, html: str) -> None:
        self.pages[site_path] = page_words(html)

    def add_names(self, names: Iterable[str]) -> None:
        for n in names:
            self.names.update(w.lower() for w in WORD.findall(n) if len(w) >= 3)

    def words(self) -> list[str]:
        count = Counter(w for ws in self.pages.values() for w in ws)
        for n in self.names:
            count[n] += 1000  # names of things first: they are what people mean
        ranked = sorted(count, key=lambda w: (-count[w], w))
        return [w for w in ranked if w.isascii() or w.isalpha()][:MAX_WORDS]


TOKEN = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")  # as search.js reads words


def shard_key(token: str) -> str:
    """The thesaurus file a word's phrases are in: its first two letters (as search.js does)."""
    key = token[:2]
    return key if re.fullmatch(r"[a-z0-9]{1,2}", key) else "x" + key.encode("utf-8").hex()


def client_data(thesaurus, vocabulary: Vocabulary) -> dict:
    """What search.js fetches when someone searches. The thesaurus is split by the first two
    letters of each word of its phrases, so a search fetches only the parts for the words typed
    (a phrase is in the part of each of its words). The vocabulary, for "did you mean", goes in a
    file of its own, fetched only for a word that the names and thesaurus do not know."""
    shards: dict[str, list] = {}
    for n, e in enumerate(thesaurus):
        means = [m.lower() for m in e.means]
        for p in e.phrases:
            words = [w[:-2] if w.endswith("'s") else w for w in TOKEN.findall(p.lower())]
            for key in {shard_key(w) for w in words}:
                shards.setdefault(key, []).append([p.lower(), n, means])
    return {"shards": shards, "words": " ".join(vocabulary.words())}


# --- running the indexer ---------------------------------------------------------------

class IndexError_(RuntimeError):
    pass


EXCLUDE = (".headerlink", "[data-pagefind-ignore]")  # never indexed: permalinks, notices


def _command() -> list[str]:
    """Pagefind's own command-line program (`pagefind[bin]` ships it)."""
    try:
        from pagefind_bin import get_executable  # imported here: only builds need it
        return [str(get_executable())]
    except Exception:  # noqa: BLE001 - another Pagefind package: its documented `python -m pagefind`
        return [sys.executable, "-m", "pagefind"]


async def _index(source_dir: Path, out_dir: Path) -> int:
    """Run Pagefind over a folder of pages, as `pagefind --site` (the indexer is a program of its
    own: it works on another CPU core while the build finishes). Returns the pages indexed."""
    args = ["--site", str(source_dir), "--output-path", str(out_dir), "--force-language", "en"]
    for selector in EXCLUDE:
        args += ["--exclude-selectors", selector]
    process = await asyncio.create_subprocess_exec(*_command(), *args, stdin=asyncio.subprocess.DEVNULL,
                                                   stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    text = output.decode("utf-8", "replace")
    if process.returncode != 0:
        raise RuntimeError(" ".join(text.split())[-300:] or f"exit status {process.returncode}")
    found = re.search(r"Indexed (\d+) pages?", text)
    return int(found.group(1)) if found else 0


DOCUMENT_CODES = {"Procedures": "p", "Threshold of Need": "t", "Safeguarding arrangements": "a",
                  "Publications": "r", "Glossary": "g", "About this site": "s"}


def _names(bundle: Path) -> dict[str, list[str]]:
    """Pagefind's page id -> [the page's title and "also known as" keywords, its document's
    code], read back from the index: search.js weighs a match in the names above any match in
    the text, and a question about the partnership towards its arrangements."""
    out = {}
    for f in sorted((bundle / "fragment").glob("*.pf_fragment")):
        raw = gzip.decompress(f.read_bytes())
        raw = raw[len(b"pagefind_dcd"):] if raw.startswith(b"pagefind_dcd") else raw
        page = json.loads(raw)
        meta = page.get("meta", {})
        document = (page.get("filters", {}).get("document") or [""])[0]
        out[f.stem] = [" ".join(filter(None, [meta.get("title", ""), meta.get("aka", "")])),
                       DOCUMENT_CODES.get(document, "")]
    return out


class Indexing:
    """Pagefind indexing the finished site into a new folder, on a thread of its own with its own
    event loop (the build may itself run where an event loop is already going: a test process
    that drives a browser, where asyncio.run() refuses to start), while the build goes on."""

    def __init__(self, site_dir: Path, feed: "Feed | None" = None) -> None:
        self.site_dir = Path(site_dir)
        self.tmp = self.site_dir / f".{BUNDLE}-new"
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.result: dict = {}
        self.feed = feed
        self.thread = threading.Thread(target=self._run, name="pagefind", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            source = self.feed.finish() if self.feed is not None else None
            self.result["value"] = asyncio.run(_index(source or self.site_dir, self.tmp))
        except BaseException as exc:  # handed back to the caller in finish()
            self.result["error"] = exc
        finally:
            if self.feed is not None:
                self.feed.discard()

    def cancel(self) -> None:
        """Not wanted after all (the pages differ from what the indexer was given): wait for it
        and remove what it wrote; the site folder is then indexed instead."""
        self.thread.join()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def finish(self, data: dict) -> int:
        """Wait for the index, then put it in place (replacing what was there) with the data
        search.js needs. Returns the number of pages indexed."""
        tmp, out = self.tmp, self.site_dir / BUNDLE
        shards = data.get("shards", {})
        # Our files that do not depend on the index are written while Pagefind works.
        ours = self.site_dir / f".{BUNDLE}-data-new"
        shutil.rmtree(ours, ignore_errors=True)
        ours.mkdir()
        files = {WORDS_FILE: {"words": data.get("words", "")}}
        files.update({f"{SHARD_PREFIX}{key}.json": entries for key, entries in shards.items()})
        for name, value in files.items():
            _write_json(ours / name, value)
        self.thread.join()
        if "error" in self.result:  # the indexer is a separate program: say what failed, plainly
            exc = self.result["error"]
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(ours, ignore_errors=True)
            raise IndexError_(f"the search index could not be built ({type(exc).__name__}: {exc}) — "
                              "check that `pagefind[bin]` is installed (bash scripts/dev.sh sets it up)") from None
        for name in UNUSED:
            (tmp / name).unlink(missing_ok=True)
        for name in files:
            (ours / name).replace(tmp / name)
        ours.rmdir()
        _write_json(tmp / DATA_FILE, {"pages": _names(tmp), "shards": sorted(shards)})
        shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)
        return self.result["value"]


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def start_index(site_dir: Path, feed: "Feed | None" = None) -> Indexing:
    """Start indexing the built site (every page written): the pages `feed` was given, or, with
    none (or when the feed failed), the site folder itself. `finish()` completes it."""
    return Indexing(site_dir, feed)


BODY_MARK = "<div data-pagefind-body"
DATA_MARK = '<div class="wf-index-data" hidden>'
_H1 = re.compile(r"<h1[\s>]", re.I)
_HTML_TAG = re.compile(r"<html\b[^>]*>", re.I)
_TITLE = re.compile(r"<title>[^<]*</title>", re.I)


def _region(page: str) -> tuple[int, int] | None:
    """Where the indexed part is (wrap()'s body and the metadata block after it), if its
    markers are there exactly once."""
    start = page.find(BODY_MARK)
    if start < 0 or page.count(BODY_MARK) != 1 or page.count(DATA_MARK) != 1:
        return None
    data = page.find(DATA_MARK, start)
    end = page.find("</div>", data) if data >= 0 else -1
    return (start, end + len("</div>")) if end >= 0 else None


def _document(region: str, before: str = "", after: str = "", title: str = "", html_tag: str = '<html lang="en">') -> str:
    return (f'<!DOCTYPE html>\n{html_tag}<head><meta charset="utf-8">{title}</head>'
            f"<body>{before}{region}{after}</body></html>\n")


def _parts(page: str) -> tuple[str, str, str] | None:
    """What Pagefind reads of a finished page besides its `<html>` tag and `<title>`: (the
    page's first `<h1>` if it comes before the indexed part, the indexed part, the first `<h1>`
    if it comes after). None when anything Pagefind reads might lie elsewhere (a marker not
    found exactly once, a `data-pagefind-` attribute outside, a heading across the part)."""
    found = _region(page)
    if found is None:
        return None
    start, end = found
    if "data-pagefind-" in page[:start] + page[end:]:
        return None
    before = after = ""
    h1 = _H1.search(page)
    if h1 is not None and not start <= h1.start() < end:
        close = page.find("</h1>", h1.start())
        if close < 0 or start <= close < end or (h1.start() < start < close):
            return None
        heading = page[h1.start():close + len("</h1>")]
        before, after = (heading, "") if h1.start() < start else ("", heading)
    return before, page[start:end], after


def index_source(page: str) -> str | None:
    """What Pagefind reads of a finished page, as a small page of its own: the `<html>` tag (its
    language), the `<title>`, the page's first `<h1>` (Pagefind's title when the indexed part has
    none before it) and the indexed part. None for a page that is not indexed; the whole page
    whenever anything Pagefind reads might lie elsewhere (see _parts)."""
    if BODY_MARK not in page:
        return None
    parts, html_tag = _parts(page), _HTML_TAG.search(page)
    if parts is None or html_tag is None:
        return page
    before, region, after = parts
    title = _TITLE.search(page[:page.find(BODY_MARK)])
    return _document(region, before, after, title.group(0) if title else "", html_tag.group(0))


class Feed:
    """What the indexer reads of each page, written while the pages are converted, so that
    Pagefind can index them while the templates are rendered.

    As each page is converted, the plugin hands over its indexed part as its template will
    print it and, where the text has no heading, the heading the theme will add (`early`). A
    program of its own writes them into a folder (indexfeed.py). As each page is written, the
    plugin hands over the finished page (`written`), and it is checked: the same indexed part,
    the same first heading, nothing for the indexer anywhere else. Any difference — or a page
    indexed that was not handed over early — makes the feed `stale`, and the build then indexes
    the site folder itself, as it always could. Whatever fails here, the site is indexed."""

    def __init__(self, site_dir: Path | None = None) -> None:
        import subprocess
        import tempfile
        self.site_parent = str(Path(site_dir).resolve().parent) if site_dir is not None else None
        self.folder: str | None = None
        self.process = None
        self.failed = False  # the writer could not be used
        self.missing = False  # a page could not be handed over early
        self.stale = False  # a written page differs from what was handed over
        self.started = False  # Pagefind has been given the folder
        self.expected: dict[str, tuple[str, str | None]] = {}
        try:
            # beside the site, on its file system: Pagefind numbers pages in the order it finds
            # the files, which depends on the file system (tests/test_search_index.py)
            self.folder = tempfile.mkdtemp(prefix=".wf-index-", dir=self.site_parent)
            self.process = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("indexfeed.py")), self.folder],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            self.failed = True
            return
        # A thread hands the pages to the pipe, so the build never waits for the writer; it
        # holds the interpreter lock only to take the next page from the queue.
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send, name="index-feed", daemon=True)
        self.sender.start()

    def _send(self) -> None:
        while (item := self.queue.get()) is not None:
            if not self.failed:
                try:
                    self.process.stdin.write(item)
                except (OSError, ValueError):
                    self.failed = True

    def early(self, dest_path: str, body: str, heading: str | None) -> None:
        """A converted page: `body` as its template will print it, `heading` the `<h1>` the theme
        will print before it (None when the text has its own)."""
        if self.failed or self.process is None:
            return
        found = _region(body)
        if found is None:
            self.missing = True
            return
        region = body[found[0]:found[1]]
        self.expected[dest_path] = (region, heading)
        self.queue.put(record(dest_path.replace("\\", "/"), _document(region, heading or "")))

    def written(self, dest_path: str, page: str) -> None:
        """A finished page, as it is written: is it what the indexer was given?"""
        if self.stale:
            return
        expected = self.expected.get(dest_path)
        if expected is None:
            if BODY_MARK in page:
                self.stale = True  # indexed, but not handed over
            return
        parts = _parts(page)
        if parts is None:
            self.stale = True
            return
        before, region, after = parts
        # the same indexed part, and the same title for Pagefind: the heading expected before
        # it, or (none expected) the part's own first heading
        self.stale = region != expected[0] or bool(after) or (
            before != expected[1] if before else expected[1] is not None or _H1.search(region) is None)

    def complete(self) -> bool:
        """Every page converted was handed over (asked once all are converted)."""
        return not (self.failed or self.missing or self.process is None)

    def finish(self) -> str | None:
        """Every page is in: the folder for Pagefind, or None if the feed failed."""
        if self.process is None:
            return None
        self.started = True
        self.queue.put(record("", ""))  # the end (the writer does not wait for the pipe to close)
        self.queue.put(None)
        self.sender.join()
        try:
            self.process.stdin.close()
        except OSError:
            self.failed = True
        self.process.wait()
        if self.process.returncode != 0:
            self.failed = True
        return None if self.failed else self.folder

    def discard(self) -> None:
        """Remove the folder (by a process of its own: the build does not wait for it)."""
        import subprocess
        if self.process is not None and self.process.poll() is None:
            self.failed = True
            self.queue.put(None)
            self.process.kill()
            self.process.wait()
        if self.folder:
            try:
                subprocess.Popen([sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], True)",
                                  self.folder], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            except OSError:
                shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def build_index(site_dir: Path, data: dict) -> int:
    """Index the built site into site/pagefind/ and write the data search.js needs. (Feeding
    Pagefind page by page as MkDocs writes them, through its Python API, was measured 30 times
    slower than indexing the folder at the end: 54 s against 1.7 s for 500 procedures.)"""
    return start_index(site_dir).finish(data)

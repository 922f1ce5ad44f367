"""Search at build time: the thesaurus is validated like every data file, pages are marked for
the indexer with every value escaped, only published content pages are indexed, the A–Z of
topics is built, and a failed indexing leaves the last good index. (How search answers people
is tested in the browser: tests/browser/test_search.py.)"""

from __future__ import annotations

import gzip
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hostile_payloads import PAYLOADS
from helpers import FIXTURES, REPO, build
from safeguarding_manual.content import data
from safeguarding_manual.website import search
from safeguarding_manual.content.corpus import Settings, load

THESAURUS = "_data/thesaurus.yml"


def _load(tmp_path: Path, text: str):
    (tmp_path / "_data").mkdir(exist_ok=True)
    (tmp_path / THESAURUS).write_text(text, encoding="utf-8")
    return data.load_thesaurus(tmp_path)


def test_the_real_thesaurus_is_valid_and_every_term_leads_somewhere():
    content = load(Settings.from_mkdocs_yml(REPO))
    problems = [f for f in content.findings if "thesaurus" in f.path]
    assert problems == []
    assert len(content.thesaurus) >= 100
    topics = search.Topics(content)
    unplaced = [m for e in content.thesaurus for m in e.means if not topics.pages_for(m)]
    assert unplaced == []


def test_a_good_entry_loads(tmp_path):
    entries, findings = _load(tmp_path, "- phrases: [dirty clothes, always hungry]\n  means: [neglect]\n  note: from a health visitor\n")
    assert findings == [] and entries[0].phrases == ["dirty clothes", "always hungry"] and entries[0].means == ["neglect"]


@pytest.mark.parametrize("text,line,words", [
    ("phrases: [a]\n", 1, "must be a list"),
    ("- just a phrase\n", 1, "must be a block"),
    ("- phrases: [x]\n  mean: [neglect]\n", 2, "did you mean"),
    ("- phrases: [x]\n", 1, "`means` is missing"),
    ("- means: [neglect]\n", 1, "`phrases` is missing"),
    ("- phrases: x\n  means: [neglect]\n", 1, "must be a list"),
    ("- phrases: [[nested]]\n  means: [neglect]\n", 1, "must be a line of text"),
    ("- phrases: [{a: b}]\n  means: [neglect]\n", 1, "must be a line of text"),
    ("- phrases: ['<script>alert(1)</script>']\n  means: [neglect]\n", 1, "only letters"),
    ("- phrases: ['a' ]\n  means: ['[[neglect]]']\n", 2, "only letters"),
    ("- phrases: [" + "word " * 20 + "]\n  means: [neglect]\n", 1, "characters long"),
    ("- phrases: [" + ", ".join(f"p{i}" for i in range(41)) + "]\n  means: [neglect]\n", 1, "40 or fewer"),
    ("- phrases: [dv]\n  means: [domestic abuse]\n- phrases: [DV]\n  means: [neglect]\n", 3, "already in the entry on line 1"),
    ("- phrases: [x]\n  means: [neglect]\n  note: |\n    two\n    lines\n", 3, "one line"),
])
def test_a_bad_entry_is_refused_at_its_line(tmp_path, text, line, words):
    _, findings = _load(tmp_path, text)
    assert findings, text
    assert any(f.line == line and words.lower() in f.message.lower() for f in findings), \
        [str(f) for f in findings]
    assert all(f.path == "docs/_data/thesaurus.yml" for f in findings)


@pytest.mark.parametrize("text,words", [
    ("- &a phrases: [x]\n  means: [neglect]\n- phrases: *a\n", "alias"),
    ("- phrases: !!python/object:os.system [x]\n  means: [neglect]\n", "tag"),
    ("- phrases: [x\x00]\n  means: [neglect]\n", "control"),
])
def test_yaml_tricks_are_refused_not_run(tmp_path, text, words):
    _, findings = _load(tmp_path, text)
    assert findings and any(words in f.message.lower() for f in findings), [str(f) for f in findings]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.texts = [], {}
        self._open = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open = dict(attrs).get("data-pagefind-filter") or dict(attrs).get("data-pagefind-meta")

    def handle_data(self, d):
        if self._open:
            self.texts.setdefault(self._open, []).append(d)

    def handle_endtag(self, tag):
        self._open = None


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.id for p in PAYLOADS])
def test_index_markers_carry_every_value_as_text(payload):
    v = payload.text
    entry = search.Entry("Procedures", section=v, agencies=[v, "Police"], levels=["Level 3"], aka=[v], phrases=[v])
    out = search.wrap("<h1>Title</h1><p>Body</p>", entry)
    p = _Tags()
    p.feed(out)
    # only the wrapper, our spans and the page's own tags: no element from the value
    assert {t for t, _ in p.tags} <= {"div", "span", "h1", "p"}
    allowed = {"data-pagefind-body", "data-pagefind-filter", "data-pagefind-meta", "class", "hidden", "data-pagefind-weight"}
    assert all(set(a) <= allowed for _, a in p.tags), p.tags
    assert "".join(p.texts["section"]) == v
    assert "".join(p.texts["aka"]) == v and "".join(p.texts["keywords"]) == v


def test_a_light_page_keeps_its_title_weight():
    out = search.wrap("<h1>Procedures: contents</h1><p>list</p>", search.Entry("Procedures", weight=0.1))
    assert out.index("</h1>") < out.index('data-pagefind-weight="0.1"')


def test_which_pages_are_indexed():
    assert search.indexed("procedures/core/x.md", {})
    assert search.indexed("threshold/level-3.md", {})
    assert not search.indexed("arrangements/whole-document.md", {})
    assert not search.indexed("editors/index.md", {})
    assert not search.indexed("topics.md", {}) and not search.indexed("search.md", {})
    assert not search.indexed("anything.md", {"search": {"exclude": True}})


@pytest.fixture(scope="module")
def minimal_site(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("search") / "p"
    shutil.copytree(FIXTURES / "minimal", project)
    shutil.copytree(REPO / "overrides", project / "overrides")
    (project / "docs" / "_data").mkdir(exist_ok=True)
    (project / "docs" / "_data" / "thesaurus.yml").write_text(
        "- phrases: [dirty clothes, always hungry]\n  means: [neglect]\n", encoding="utf-8")
    run = build(project, strict=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return project / "site"


def _fragments(site: Path) -> dict[str, dict]:
    out = {}
    for f in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(f.read_bytes())
        out[f.stem] = json.loads(raw[len(b"pagefind_dcd"):] if raw.startswith(b"pagefind_dcd") else raw)
    return out


def test_the_built_site_has_a_small_index_of_published_content_pages_only(minimal_site):
    bundle = minimal_site / "pagefind"
    assert (bundle / "pagefind.js").is_file() and list(bundle.glob("wasm.*.pagefind"))
    assert not [n for n in search.UNUSED if (bundle / n).exists()], "unused interfaces are published"
    urls = {d["url"] for d in _fragments(minimal_site).values()}
    assert urls, "nothing was indexed"
    for url in urls:
        html = (minimal_site / url.strip("/") / "index.html").read_text(encoding="utf-8")
        assert html.count("data-pagefind-body") == 1, url
    assert not any(u.startswith(("/editors/", "/search/", "/topics/")) or "whole-document" in u for u in urls), urls
    # drafts are never built, so never indexed; every indexed page is a built page
    drafts = [p.stem for p in (minimal_site.parent / "procedures").rglob("*.md")
              if "status: draft" in p.read_text(encoding="utf-8")]
    assert not any(d in u for d in drafts for u in urls)


def test_the_client_data_is_plain_strings(minimal_site):
    d = json.loads((minimal_site / "pagefind" / search.DATA_FILE).read_text(encoding="utf-8"))
    assert sorted(d["shards"]) == ["al", "cl", "di", "hu"]
    part = json.loads((minimal_site / "pagefind" / "wf-th-cl.json").read_text(encoding="utf-8"))
    assert part == [["dirty clothes", 0, ["neglect"]]]
    words = json.loads((minimal_site / "pagefind" / search.WORDS_FILE).read_text(encoding="utf-8"))["words"]
    assert isinstance(words, str) and "neglect" in words.split()
    assert d["pages"] and all(isinstance(k, str) and isinstance(name, str) and doc in search.DOCUMENT_CODES.values()
                              for k, (name, doc) in d["pages"].items())


def test_the_a_to_z_lists_topics_and_the_peoples_words(minimal_site):
    html = (minimal_site / "topics" / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="letter-d">D<' in html
    item = next(li for li in html.split("<li>") if "dirty clothes" in li)
    assert "<strong>dirty clothes</strong>" in item and "href=" in item
    assert "data-pagefind-body" not in html  # the A–Z itself is not a search result


def test_every_page_has_the_search_form_pointing_at_the_search_page(minimal_site):
    html = (minimal_site / "index.html").read_text(encoding="utf-8")
    assert 'role="search"' in html and 'type="search"' in html and 'action="search/"' in html
    assert "pagefind" not in html.split("</header>")[0].split("<header")[0]
    assert "/pagefind/" not in html and "search_index" not in html


def test_a_failed_indexing_keeps_the_last_good_index(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "pagefind").mkdir(parents=True)
    (site / "pagefind" / "pagefind.js").write_text("// last good", encoding="utf-8")

    async def broken(site_dir, out_dir):
        Path(out_dir).mkdir(parents=True)
        raise RuntimeError("the indexer stopped")

    monkeypatch.setattr(search, "_index", broken)
    with pytest.raises(search.IndexError_) as exc:
        search.build_index(site, {"thesaurus": {}, "words": ""})
    assert "search index could not be built" in str(exc.value) and "Traceback" not in str(exc.value)
    assert (site / "pagefind" / "pagefind.js").read_text(encoding="utf-8") == "// last good"
    assert not (site / ".pagefind-new").exists()


# --- what the indexer reads: the indexed parts of the pages, not the whole site ------------

def _pagefind(source: Path, out: Path) -> int:
    """Pagefind over a folder, on a thread of its own (the test process may already run an
    event loop: the browser tests' Playwright)."""
    import asyncio
    import threading
    got = {}
    thread = threading.Thread(target=lambda: got.update(n=asyncio.run(search._index(source, out))))
    thread.start()
    thread.join()
    return got["n"]


def _pagefind_files(bundle: Path) -> dict[str, bytes]:
    """Pagefind's output by name, less what it names differently each run (its filter files and
    the manifest naming them) and the files the build adds beside it."""
    def varies(rel: str) -> bool:
        return rel.startswith("filter/") or rel.endswith(".pf_meta") or rel == "pagefind-entry.json" \
            or rel.startswith(("wf-", search.SHARD_PREFIX)) or rel in search.UNUSED
    return {rel: p.read_bytes() for p in bundle.rglob("*") if p.is_file()
            for rel in [p.relative_to(bundle).as_posix()] if not varies(rel)}


def test_the_index_from_the_pages_indexed_parts_is_the_index_of_the_whole_site(real_site, tmp_path):
    """The build hands Pagefind only what it reads of each page (search.Feed); Pagefind run over
    the whole built site gives the same index, fragment for fragment."""
    whole = tmp_path / "whole"
    count = _pagefind(real_site, whole)
    assert count > 50
    built, fresh = _pagefind_files(real_site / "pagefind"), _pagefind_files(whole)
    assert sorted(built) == sorted(fresh)
    assert [name for name in built if built[name] != fresh[name]] == []
    assert len(list((whole / "filter").glob("*"))) == len(list((real_site / "pagefind" / "filter").glob("*")))


def test_the_feed_gives_pagefind_what_it_reads_and_no_more(real_site):
    page = (real_site / "procedures" / "core" / "early-help" / "index.html").read_text(encoding="utf-8")
    source = search.index_source(page)
    assert source is not None and len(source) < len(page) / 2
    assert source.count(search.BODY_MARK) == 1 and search.DATA_MARK in source
    assert "<title>" in source and '<html lang="en-GB"' in source
    assert "md-nav" not in source and "md-header" not in source  # the theme's frame is left out
    # a page that is not indexed gives nothing; a page where the markers are not as written
    # by wrap() gives the whole page (always right, only slower)
    assert search.index_source((real_site / "topics" / "index.html").read_text(encoding="utf-8")) is None
    odd = page.replace("</footer>", f'{search.DATA_MARK}<span>x</span></div></footer>')
    assert search.index_source(odd) == odd
    outside = page.replace("<footer", '<footer data-pagefind-meta="x"', 1)
    assert search.index_source(outside) == outside


def test_a_page_whose_heading_is_outside_its_indexed_part_keeps_it():
    page = ('<html lang="en"><head><title>Annual report - Site</title></head><body><h1>Annual report</h1>'
            + search.wrap("<p>Text</p>", search.Entry("Publications")) + "</body></html>")
    source = search.index_source(page)
    assert source.index("<h1>Annual report</h1>") < source.index(search.BODY_MARK)
    assert "<title>Annual report - Site</title>" in source


@pytest.mark.parametrize("path", ["../escape.html", "/abs/index.html", "a/../../b.html", "", "a\\b.html"])
def test_the_feed_writes_only_inside_its_folder(tmp_path, path):
    import io
    from safeguarding_manual.website import indexfeed
    folder = tmp_path / "feed"
    folder.mkdir()
    stream = io.BytesIO(indexfeed.record(path, "<p>x</p>") + indexfeed.record("ok/index.html", "<p>y</p>"))
    assert indexfeed.write(str(folder), stream) == 1
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.html")] == ["feed/ok/index.html"]


def test_a_failed_feed_falls_back_to_indexing_the_site(tmp_path):
    feed = search.Feed()
    feed.early("a/index.html", search.wrap("<h1>A</h1>", search.Entry("Procedures")), None)
    feed.process.kill()
    feed.process.wait()
    feed.early("b/index.html", search.wrap("<h1>B</h1>", search.Entry("Procedures")), None)
    assert feed.finish() is None  # the caller then indexes the site folder
    feed.discard()


@pytest.mark.parametrize("change,stale", [
    (lambda p: p, False),
    (lambda p: p.replace("Text", "Other text"), True),  # the indexed part differs
    (lambda p: p.replace("<footer>", '<footer data-pagefind-meta="x">'), True),  # something outside
    (lambda p: p.replace("<h1>", "<h1 class='a'>", 1), True),  # another heading before
])
def test_a_written_page_is_checked_against_what_the_indexer_was_given(change, stale):
    feed = search.Feed()
    body = search.wrap("<p>Text</p>", search.Entry("Publications"))
    feed.early("p/index.html", body, "<h1>Annual report</h1>")
    page = f'<html lang="en"><body><h1>Annual report</h1>{body}<footer>f</footer></body></html>'
    feed.written("p/index.html", change(page))
    assert feed.stale is stale
    feed.discard()


def test_an_indexed_page_not_handed_over_makes_the_feed_stale():
    feed = search.Feed()
    feed.written("q/index.html", '<html><body>' + search.wrap("<h1>Q</h1>", search.Entry("Procedures")) + "</body></html>")
    assert feed.stale
    feed.discard()


def test_the_index_is_made_while_the_templates_are_rendered(project, tmp_path):
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(tmp_path / "site"), strict=True)
    mkdocs_build(config)
    assert config.plugins["manual"].indexed_from == "pages as converted"


def test_a_page_changed_after_the_indexer_read_it_is_indexed_as_written(project, tmp_path):
    """A hook rewrites finished pages after the plugin handed the indexer their text: the
    build notices and indexes the site folder, so search finds what the pages say."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    (project / "hook.py").write_text(
        "def on_post_page(output, page, config):\n"
        "    return output.replace('</h1>', '</h1><p>Zebracrossingword appears.</p>', 1)\n", encoding="utf-8")
    yml = project / "mkdocs.yml"
    yml.write_text(yml.read_text(encoding="utf-8") + "\nhooks:\n  - hook.py\n", encoding="utf-8")
    site = tmp_path / "site"
    config = load_config(str(yml), site_dir=str(site), strict=True)
    mkdocs_build(config)
    assert config.plugins["manual"].indexed_from == "site folder"
    words = " ".join(json.dumps(f) for f in _fragments(site).values())
    assert "Zebracrossingword" in words
    fresh = tmp_path / "fresh"
    _pagefind(site, fresh)
    built, again = _pagefind_files(site / "pagefind"), _pagefind_files(fresh)
    assert built == again


def test_the_procedure_body_made_early_is_the_one_the_template_makes(project, tmp_path, monkeypatch):
    """The plugin renders partials/procedure-body.html as each page is converted (for the
    indexer); the page is byte for byte the page its template renders without that."""
    import jinja2
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from safeguarding_manual.engine.plugin import ManualPlugin

    def build(site):
        config = load_config(str(project / "mkdocs.yml"), site_dir=str(site), strict=True)
        mkdocs_build(config)
        return {p.relative_to(site).as_posix(): p.read_bytes() for p in (site / "procedures").rglob("index.html")}
    early = build(tmp_path / "early")

    def no_partial(self, page, out, config):
        raise jinja2.TemplateNotFound("partials/procedure-body.html")
    monkeypatch.setattr(ManualPlugin, "_procedure_body", no_partial)
    late = build(tmp_path / "late")
    assert len(early) > 3 and early.keys() == late.keys()
    assert [k for k in early if early[k] != late[k]] == []

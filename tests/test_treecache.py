"""Parsed pages kept between builds (engine/treecache.py): a warm build writes exactly the site a
cold build and a build without the cache write; a changed page or changed Markdown settings are
parsed again; MkDocs' own checks still fail a strict build on a page taken from the cache; the
cache is outside the project and whatever is in it is only data, checked for shape, and
sanitised like any page."""

from __future__ import annotations

import json
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings, strategies as st
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from safeguarding_manual.engine import treecache

EXTENSIONS = ["abbr", "admonition", "attr_list", "tables", "toc", "fenced_code"]


def _build(project: Path, site: Path, **env):
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(site), strict=True)
    mkdocs_build(config)
    return config.plugins["manual"]


def _site(site: Path) -> dict[str, bytes]:
    def varies(rel: str) -> bool:
        return rel.startswith("pagefind/filter/") or rel.endswith(".pf_meta") or rel == "pagefind/pagefind-entry.json"
    return {rel: p.read_bytes() for p in site.rglob("*") if p.is_file()
            for rel in [p.relative_to(site).as_posix()] if not varies(rel)}


def _cache_of(project: Path) -> Path:
    path = treecache.cache_file(project)
    assert path is not None
    return path


def test_a_warm_build_writes_the_same_site_as_a_cold_one_and_one_without_the_cache(project, tmp_path, monkeypatch):
    cache = _cache_of(project)
    cold = _build(project, tmp_path / "cold")
    assert cache.is_file(), "the first build keeps its parsed pages"
    assert not str(cache).startswith(str(project)), "the cache is outside the project"
    warm = _build(project, tmp_path / "warm")
    assert warm.prerender.used > 10, "the warm build took its pages from the cache"
    monkeypatch.setenv("MANUAL_CACHE", "0")
    _build(project, tmp_path / "off")
    a, b, c = _site(tmp_path / "cold"), _site(tmp_path / "warm"), _site(tmp_path / "off")
    assert sorted(a) == sorted(b) == sorted(c)
    assert [k for k in a if not a[k] == b[k] == c[k]] == []
    del cold


def test_a_changed_page_is_parsed_again(project, tmp_path):
    _build(project, tmp_path / "one")
    page = project / "procedures/core/neglect.md"
    page.write_text(page.read_text(encoding="utf-8").replace("\n## ", "\nA sentence added since.\n\n## ", 1), encoding="utf-8")
    _build(project, tmp_path / "two")
    html = (tmp_path / "two/procedures/core/neglect/index.html").read_text(encoding="utf-8")
    assert "A sentence added since." in html


def test_a_copy_of_the_manual_in_another_folder_finds_its_pages(project, tmp_path):
    import shutil
    _build(project, tmp_path / "one")
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    warm = _build(copy, tmp_path / "two")
    assert warm.prerender.used > 10


def test_changed_markdown_settings_are_never_served_old_trees(project, tmp_path):
    _build(project, tmp_path / "one")
    yml = project / "mkdocs.yml"
    text = yml.read_text(encoding="utf-8")
    assert "permalink: true" in text or "toc:" in text
    yml.write_text(text.replace("permalink: true", 'permalink: "#"'), encoding="utf-8")
    fresh = _build(project, tmp_path / "two")
    html = (tmp_path / "two/procedures/core/neglect/index.html").read_text(encoding="utf-8")
    assert 'class="headerlink" href="#' in html and ">#</a>" in html
    assert fresh.prerender.used == 0 or ">¶</a>" not in html


def test_a_broken_link_in_a_page_from_the_cache_still_fails_the_strict_build(project, tmp_path):
    page = project / "procedures/core/neglect.md"
    _build(project, tmp_path / "one")
    # the same text, cached; the page it links to is now gone: MkDocs' own link check runs on
    # the cached tree and the strict build fails
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [the old guide](../../missing-page.md).\n", encoding="utf-8")
    with pytest.raises(Abort):
        _build(project, tmp_path / "two")
    with pytest.raises(Abort):
        _build(project, tmp_path / "three")  # now warm: the page's tree comes from the cache


def test_a_tampered_cache_is_data_and_is_sanitised(project, tmp_path):
    _build(project, tmp_path / "one")
    cache = _cache_of(project)
    data = json.loads(cache.read_text(encoding="utf-8"))
    tampered = 0
    for key, entry in data["pages"].items():
        page = json.loads(entry)
        page["root"][4].append(["script", {}, "alert(1)", None, []])
        page["root"][4].append(["p", {"onclick": "alert(2)"}, "injected", None, []])
        data["pages"][key] = json.dumps(page)
        tampered += 1
    assert tampered
    cache.write_text(json.dumps(data), encoding="utf-8")
    _build(project, tmp_path / "two")
    for html in (tmp_path / "two").rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "alert(1)" not in text and "onclick" not in text, html


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"fingerprint": 1}', '{"pages": []}',
                                     json.dumps({"fingerprint": "x", "pages": {"k": "v"}}), "{" * 100000])
def test_a_broken_cache_file_is_ignored(project, tmp_path, content):
    cache = _cache_of(project)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(content, encoding="utf-8")
    _build(project, tmp_path / "site")
    assert (tmp_path / "site/procedures/core/neglect/index.html").is_file()
    assert json.loads(cache.read_text(encoding="utf-8"))["pages"], "replaced by this build's pages"


def test_nothing_is_read_from_the_project_folder(project, tmp_path):
    """Compiled templates and parsed pages are code-like or content: never from the project,
    where a file could arrive with a change to the repository."""
    _build(project, tmp_path / "site")
    assert not (project / ".cache" / "jinja-autoescape").exists()
    assert (treecache.cache_root() / "jinja-autoescape").is_dir()


# --- the plain-data form ------------------------------------------------------------------

class _Grab(markdown.treeprocessors.Treeprocessor):
    def run(self, root):
        self.md.grabbed = treecache.encode(root, vars(self.md.htmlStash), getattr(self.md, "toc_tokens", None),
                                           None, ["b"], ["a"], ["p"])


def _parse(text: str) -> str:
    md = markdown.Markdown(extensions=EXTENSIONS)
    md.treeprocessors.register(_Grab(md), "grab", 5)
    md.convert(text)
    return md.grabbed


def test_a_tree_survives_the_round_trip_exactly():
    text = ("# Title {: #t }\n\n*[MASH]: Multi-Agency Safeguarding Hub\n\nCall the MASH `code <x>` **now**.\n\n"
            "| a | b |\n|---|---|\n| 1 | <b>2</b> |\n\n!!! note\n    Inside\n\n```\n<script>\n```\n")
    encoded = _parse(text)
    assert treecache.encode(**treecache.decode(encoded)) == encoded
    root = treecache.decode(encoded)["root"]
    code = next(el for el in root.iter("code"))
    assert isinstance(code.text, markdown.util.AtomicString)  # inline markup stays literal


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=5),
                           max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_anything_that_is_not_a_parsed_page_is_refused_cleanly(value):
    try:
        treecache.decode(json.dumps(value))
    except treecache.Unsupported:
        pass


def test_a_deeply_nested_entry_is_refused_cleanly():
    for depth in (1500, 100000):
        deep = '["div",{},null,null,[' * depth + '["p",{},"x",null,[]]' + "]]" * depth
        entry = ('{"root":' + deep + ',"stash":{"html_counter":0,"tag_counter":0,"rawHtmlBlocks":[],"tag_data":[]},'
                 '"toc_tokens":[],"toc":"","before":[],"after":[],"preprocessors":[]}')
        with pytest.raises(treecache.Unsupported):
            treecache.decode(entry)


# --- the parsed-sources cache of the checks (content/cache.py) ------------------------------

def _check(project: Path):
    from safeguarding_manual.content.corpus import Settings, load
    content = load(Settings.from_mkdocs_yml(project))
    return sorted(str(f) for f in content.findings), sorted((p.id, p.title, str(p.last_reviewed)) for p in content.manual.procedures)


def test_the_checks_give_the_same_findings_warm_as_cold(project):
    from safeguarding_manual.content import cache
    cold = _check(project)
    files = cache.user_cache(project, "sources")
    assert (files / "parsed-sources.json").is_file()
    assert _check(project) == cold


def test_a_pickle_planted_in_the_project_is_never_read(project):
    """Before, the cache was a pickle in the project's .cache folder: a file committed there
    would have run code when the checks ran. It is now JSON, outside the project."""
    import pickle

    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('the planted cache ran')",))
    planted = project / ".cache" / "manual" / "parsed-sources.pickle"
    planted.parent.mkdir(parents=True)
    planted.write_bytes(pickle.dumps((4, Boom())))
    _check(project)  # does not raise


@pytest.mark.parametrize("files", [
    {"procedures/core/neglect.md": ["x", {}]},  # another key: parsed again
    "not a mapping",
])
def test_a_tampered_sources_cache_is_parsed_again(project, files):
    from safeguarding_manual.content import cache
    cold = _check(project)
    path = cache.user_cache(project, "sources") / "parsed-sources.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(files, dict):
        for rel, entry in data["files"].items():
            data["files"][rel] = [entry[0], {"path": rel, "meta": "wrong", "lines": [], "body": 1}]
    else:
        data["files"] = files
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _check(project) == cold


def test_front_matter_that_looks_like_a_tag_is_not_cached_as_one(project):
    page = project / "procedures/core/neglect.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("\n---\n", '\nextra_note:\n  "$date": "2020-01-01"\n---\n', 1), encoding="utf-8")
    assert _check(project) == _check(project)

"""The second core (prerender.py: pages' Markdown and the checks of finished pages; prebuilt.py:
pages' templates) gives exactly the one-core build's site, and MkDocs' own checks still work on
the pages the helpers did: a broken link or anchor in them fails a strict build, as do an unsafe
page found by the tripwire and a warning raised while a helper rendered a page."""

import logging
import time
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from safeguarding_manual.engine import prebuilt, prerender, trim


def snapshot(site: Path) -> dict[str, bytes]:
    """Every file, except those Pagefind writes in a different order each run (its filter lists
    and the manifest naming them); its index and page fragments are compared."""
    def varies(rel: str) -> bool:
        return rel.startswith("pagefind/filter/") or rel.endswith(".pf_meta") or rel == "pagefind/pagefind-entry.json"
    return {rel: p.read_bytes() for p in site.rglob("*") if p.is_file()
            for rel in [p.relative_to(site).as_posix()] if not varies(rel)}


def build(project: Path, site: Path, use_parallel: bool):
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(site), strict=True)
    config.plugins["manual"].config.parallel = use_parallel
    mkdocs_build(config)
    return config.plugins["manual"]


@pytest.fixture
def many(project, monkeypatch):
    monkeypatch.setattr(prerender, "MIN_PAGES", 1)
    monkeypatch.setattr(prebuilt, "MIN_PAGES", 1)
    for i in range(6):
        text = (project / "procedures/core/early-help.md").read_text()
        (project / f"procedures/core/extra-{i}.md").write_text(
            text.replace("id: early-help", f"id: extra-{i}").replace("title: Early help", f"title: Extra {i}"))
    return project


@pytest.fixture
def helper_first(monkeypatch):
    """The helper parses every page before MkDocs starts on them (as on a large manual, where
    it is well ahead by the time MkDocs reaches its pages), so the tests know which pages it did."""
    start = prerender.Prerender.start

    def wait(self, *args, **kwargs):
        start(self, *args, **kwargs)
        deadline = time.monotonic() + 120
        while self.process is not None and not self.pages_done and time.monotonic() < deadline:
            self._drain()
            time.sleep(0.01)
    monkeypatch.setattr(prerender.Prerender, "start", wait)


@pytest.fixture
def templates_first(monkeypatch):
    """The same for the template helper: it renders every page before MkDocs renders any."""
    start = prebuilt.Prebuilt.start

    def wait(self, *args, **kwargs):
        start(self, *args, **kwargs)
        deadline = time.monotonic() + 120
        while self.process is not None and not self.done and time.monotonic() < deadline:
            self._drain()
            time.sleep(0.01)
    monkeypatch.setattr(prebuilt.Prebuilt, "start", wait)


def test_parallel_output_is_identical_to_serial(many, tmp_path, helper_first, templates_first):
    build(many, tmp_path / "serial", False)
    plugin = build(many, tmp_path / "parallel", True)
    assert plugin.prerender.used >= 8, "the helper's trees were not used"
    assert plugin.prebuilt.used >= 8, "the helper's pages were not used"
    serial, par = snapshot(tmp_path / "serial"), snapshot(tmp_path / "parallel")
    assert serial.keys() == par.keys()
    assert [k for k in serial if serial[k] != par[k]] == []


def test_output_is_the_same_whichever_core_gets_there_first(many, tmp_path):
    build(many, tmp_path / "serial", False)
    build(many, tmp_path / "raced", True)  # no waiting: MkDocs and the helper meet anywhere
    serial, raced = snapshot(tmp_path / "serial"), snapshot(tmp_path / "raced")
    assert serial.keys() == raced.keys()
    assert [k for k in serial if serial[k] != raced[k]] == []


def test_a_broken_link_in_a_page_the_helper_parsed_still_fails_the_strict_build(many, tmp_path, caplog, helper_first):
    page = many / "procedures/core/extra-5.md"
    page.write_text(page.read_text() + "\nSee [the old page](no-such-page.md) and [a part](early-help.md#no-such-part).\n")
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        build(many, tmp_path / "site", True)
    messages = [r.getMessage() for r in caplog.records]
    assert any("extra-5.md" in m and "no-such-page.md" in m for m in messages), messages
    assert any("no-such-part" in m for m in messages), messages  # MkDocs' anchor check, after the pages


def test_a_page_changed_after_the_helper_read_it_is_converted_from_its_new_text(many, tmp_path, monkeypatch, helper_first):
    page = many / "procedures/core/extra-3.md"
    read = prerender.Prerender.page_ready

    def changed(self, src_uri, *rest):  # MkDocs reaches its first page: the helper has read them all
        if "Changed after the helper" not in page.read_text():
            page.write_text(page.read_text() + "\nChanged after the helper read it.\n")
        read(self, src_uri, *rest)
    monkeypatch.setattr(prerender.Prerender, "page_ready", changed)
    build(many, tmp_path / "site", True)
    html = (tmp_path / "site/procedures/core/extra-3/index.html").read_text(encoding="utf-8")
    assert "Changed after the helper read it." in html


def test_an_unsafe_page_found_by_the_helper_still_fails_the_strict_build(many, tmp_path, caplog, helper_first,
                                                                        templates_first):
    bar = many / "overrides/partials/wf-worried.html"
    bar.write_text(bar.read_text().replace('<div class="wf-worried"', '<script>steal()</script><div class="wf-worried"', 1))
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build(many, tmp_path / "site", True)
    assert any("a script that is not one of the site's own files" in r.getMessage()
               and "extra-5.md" in r.getMessage() for r in caplog.records)


def test_a_warning_while_the_helper_renders_a_page_reaches_the_strict_build(many, tmp_path, caplog,
                                                                          templates_first):
    main = many / "overrides/main.html"  # a warning from the theme on one page, which the helper renders
    warn = "{% if page and page.file.src_uri.endswith('extra-5.md') %}<!-- {{ 'a\\\\b' | url }} -->{% endif %}"
    text = main.read_text()
    assert "{% block extrahead %}\n  {{ super() }}" in text
    main.write_text(text.replace("{% block extrahead %}\n  {{ super() }}", "{% block extrahead %}\n  {{ super() }}" + warn, 1))
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        build(many, tmp_path / "site", True)
    assert any("OS-specific separator" in r.getMessage() for r in caplog.records)


def test_inline_patterns_a_page_cannot_use_are_left_out_without_changing_its_html():
    import markdown

    samples = [
        "Plain text with a [link](page.md) and [a reference][r].\n\n[r]: other.md",
        "Text with *emphasis*, __strong__, `code`, an ![image](i.png), a \\* and &amp; <b>html</b>.",
        "A line break  \nhere, <https://example.org> and <someone@example.org>.",
        "| a | b |\n|---|---|\n| [x](y) | *z* |\n\n!!! note \"Title *em*\"\n    Body with `code`.",
        "*[HTML]: Hyper Text\n\nHTML and `HTML`.\n\n    code  \n    block\n\n```\nfenced * _ [\n```",
        "tab\tbefore line end\t\nand trailing spaces at the end  ",
    ]
    exts = ["abbr", "admonition", "attr_list", "tables", "toc", "fenced_code"]
    for text in samples:
        plain = markdown.Markdown(extensions=exts).convert(text)
        md = markdown.Markdown(extensions=[*exts, trim.TrimInline()])
        assert md.convert(text) == plain, text
    md = markdown.Markdown(extensions=[*exts, trim.TrimInline()])
    md.convert("Only [a link](x.md) here.")
    assert len(md.inlinePatterns) < 14  # something was left out
    # with an extension that parses HTML kept aside (md_in_html), nothing is left out
    md = markdown.Markdown(extensions=[*exts, "md_in_html", trim.TrimInline()])
    text = "Only text.\n\n<div markdown=\"1\">*em* `code` [x](y)</div>"
    assert md.convert(text) == markdown.Markdown(extensions=[*exts, "md_in_html"]).convert(text)
    assert len(md.inlinePatterns) == len(markdown.Markdown(extensions=[*exts, "md_in_html"]).inlinePatterns)


def test_the_previous_build_is_cleared_as_mkdocs_clears_it(project, tmp_path):
    """The old files are moved aside and deleted beside the build (sitefiles.OldSite): at the end
    the folder holds this build's files and hidden entries only, as after MkDocs' own clean."""
    site = tmp_path / "site"
    (site / "old-page").mkdir(parents=True)
    (site / "old-page/index.html").write_text("stale", encoding="utf-8")
    (site / "stale.txt").write_text("stale", encoding="utf-8")
    (site / ".keep").write_text("hidden entries stay", encoding="utf-8")
    build(project, site, True)
    names = {p.name for p in site.iterdir()}
    assert "old-page" not in names and "stale.txt" not in names and ".keep" in names
    assert not [n for n in names if n.startswith(".wf-previous-build")]
    assert (site / "index.html").is_file()


def test_no_built_page_is_left_empty(project, tmp_path):
    """Page files are made empty beforehand by another process (sitefiles.Outputs); MkDocs
    fills every one."""
    site = tmp_path / "site"
    build(project, site, True)
    pages = list(site.rglob("*.html"))
    assert len(pages) > 10
    assert [p for p in pages if p.stat().st_size == 0] == []


def test_a_build_that_fails_half_way_leaves_no_empty_page(project, tmp_path, monkeypatch):
    from safeguarding_manual.engine.plugin import ManualPlugin
    seen = []
    post_page = ManualPlugin.on_post_page

    def fail_at_the_fifth(self, output, *, page, config):
        seen.append(page)
        if len(seen) == 5:
            raise RuntimeError("a fault half way through writing the pages")
        return post_page(self, output, page=page, config=config)
    monkeypatch.setattr(ManualPlugin, "on_post_page", fail_at_the_fifth)
    site = tmp_path / "site"
    with pytest.raises(RuntimeError):
        build(project, site, True)
    written = [p for p in site.rglob("*.html")]
    assert written, "the pages before the fault are written, as MkDocs leaves them"
    assert [p for p in written if p.stat().st_size == 0] == []


def test_files_already_written_are_never_emptied(tmp_path):
    """The maker opens files to append nothing: a page MkDocs wrote first keeps its text."""
    from safeguarding_manual.engine import sitefiles
    (tmp_path / "a").mkdir()
    (tmp_path / "a/index.html").write_text("written by MkDocs", encoding="utf-8")
    outputs = sitefiles.Outputs()
    outputs.make([str(tmp_path / "b/c")], [str(tmp_path / "a/index.html"), str(tmp_path / "b/c/index.html")])
    outputs.wait()
    assert (tmp_path / "a/index.html").read_text(encoding="utf-8") == "written by MkDocs"
    assert (tmp_path / "b/c/index.html").read_bytes() == b""
    outputs.discard()
    assert not (tmp_path / "b/c/index.html").exists() and (tmp_path / "a/index.html").exists()


def test_old_site_is_deleted_by_another_process(tmp_path):
    from safeguarding_manual.engine import sitefiles
    site = tmp_path / "site"
    (site / "x/y").mkdir(parents=True)
    (site / "x/y/index.html").write_text("old", encoding="utf-8")
    (site / ".hidden").write_text("kept", encoding="utf-8")
    old = sitefiles.OldSite()
    old.sweep(site)
    assert sorted(p.name for p in site.iterdir() if not p.name.startswith(sitefiles.PREVIOUS)) == [".hidden"]
    old.wait()
    assert sorted(p.name for p in site.iterdir()) == [".hidden"]

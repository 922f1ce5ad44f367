""""Save for offline use": offline.json lists the right pages and files of a built site, and the
service worker is published at the site root (offline.py). The browser side is
tests/browser/test_offline.py; this file has another name because pytest (rootdir imports, no
packages) cannot collect two test modules called test_offline."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from helpers import build
from safeguarding_manual.website import offline


def test_a_built_site_lists_its_saved_pages_and_their_files_but_not_editors_or_search(project):
    editors = project / "docs" / "editors"
    editors.mkdir(parents=True)
    (editors / "index.md").write_text("---\ntitle: Editors\n---\n# Editors\n\nFor the business team.\n",
                                      encoding="utf-8")
    result = build(project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    assert (site / "editors" / "index.html").is_file() and (site / "pagefind").is_dir()
    data = json.loads((site / "offline.json").read_text(encoding="utf-8"))
    urls = [f["url"] for f in data["files"]]
    assert len(urls) == len(set(urls))
    for page in ("", "procedures/", "procedures/core/", "procedures/core/neglect/", "procedures/core/early-help/"):
        assert page in urls, page
    assert not [u for u in urls if u.startswith(("editors/", "pagefind/", "search/")) or u.endswith(
        (".pdf", ".map", ".html", "sw.js", "offline.json"))]
    # the files the saved pages load: the theme's styles and scripts and the site's own
    home = (site / "index.html").read_text(encoding="utf-8")
    for ref in re.findall(r'<(?:script|link rel="stylesheet")[^>]*?(?:src|href)="([^"]+)"', home):
        assert ref in urls, ref
    for own in ("assets/javascripts/manual.js", "assets/javascripts/offline.js",
                "assets/javascripts/search.js", "assets/stylesheets/manual.css"):
        assert own in urls, own
    # sizes are the files' sizes and add up
    for f in data["files"]:
        path = site / f["url"] / "index.html" if f["url"] == "" or f["url"].endswith("/") else site / f["url"]
        assert f["bytes"] == path.stat().st_size, f
    assert data["bytes"] == sum(f["bytes"] for f in data["files"])
    assert re.fullmatch(r"[0-9a-f]{16}", data["version"])
    assert data["built"] == "2026-11-22"  # the fixture's plugins.manual.today
    # the worker at the root (its scope is the whole site), not under assets/
    assert (site / "sw.js").read_text(encoding="utf-8") == (project / "overrides/assets/javascripts/sw.js").read_text()
    assert not (site / "assets/javascripts/sw.js").exists()
    # every page: still exactly one policy, and no inline script (the button is plain HTML)
    for file in site.rglob("*.html"):
        text = file.read_text(encoding="utf-8")
        assert text.count('http-equiv="Content-Security-Policy"') == 1, file
        for attrs in re.findall(r"<script\b([^>]*)>", text):
            assert re.fullmatch(r'\s+src="[^":]+\.js"|\s+id="__config" type="application/json"', attrs), (file, attrs)
    assert home.count("data-wf-offline ") == 2 and "Save for offline use</button>" in home
    assert re.search(r'<div class="wf-offline[^"]*" data-wf-offline data-wf-root="[^"]*" hidden>', home)


def test_the_version_changes_with_any_saved_file_and_only_those(tmp_path: Path):
    site = tmp_path / "site"
    (site / "procedures" / "a").mkdir(parents=True)
    (site / "editors").mkdir()
    (site / "assets").mkdir()
    (site / "index.html").write_text('<link rel="stylesheet" href="assets/s.css"><a href="editors/">x</a>')
    (site / "procedures" / "a" / "index.html").write_text(
        '<link rel="canonical" href="../../editors/"><script src="../../assets/s.js?v=1"></script>'
        '<img src="/assets/p.png" alt=""><img src="https://example.org/x.png" alt="">'
        '<a href="../../assets/r.pdf">PDF</a>')
    (site / "editors" / "index.html").write_text('<script src="../assets/editors.js"></script>')
    (site / "assets" / "s.css").write_text('a{background:url("f.png")} b{background:url(data:image/png;base64,AA)}')
    for name in ("s.js", "p.png", "f.png", "r.pdf", "editors.js"):
        (site / "assets" / name).write_bytes(b"x" * 10)
    first = offline.manifest(site, built=dt.date(2026, 1, 2))
    assert [f["url"] for f in first["files"]] == [
        "", "assets/f.png", "assets/p.png", "assets/s.css", "assets/s.js", "procedures/a/"]
    assert first["built"] == "2026-01-02"
    (site / "editors" / "index.html").write_text("changed")
    assert offline.manifest(site)["version"] == first["version"]  # not saved, so not counted
    (site / "assets" / "f.png").write_bytes(b"y" * 10)
    assert offline.manifest(site)["version"] != first["version"]


def test_the_plugin_hook_stays_small_and_offline_py_needs_no_mkdocs():
    source = Path(offline.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+mkdocs", source, re.M)

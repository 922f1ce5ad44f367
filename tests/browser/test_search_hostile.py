"""Search results carry hostile values as text: a procedure whose title, keywords, summary and
headings hold markup, handlers and script URLs is indexed, found and shown without any of it
becoming an element or running — under the site's policy, in chromium."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from browser_support import DESKTOP, ROOT, settled
from hostile_payloads import PAYLOADS

pytestmark = pytest.mark.browser

# Each payload as a title (YAML-quoted), with a marker word to find it by.
CASES = [p for p in PAYLOADS if p.id not in ("long-3000",)]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("search-hostile") / "p"
    shutil.copytree(ROOT / "tests" / "fixtures" / "minimal", project)
    shutil.copytree(ROOT / "overrides", project / "overrides")
    folder = project / "procedures" / "core"
    for n, p in enumerate(CASES):
        word = f"zqxmark{n:02d}"
        title = json.dumps(f"{p.text} {word}")
        (folder / f"hostile-{n:02d}.md").write_text(
            "---\n"
            f"id: hostile-{n:02d}\ntitle: {title}\nsummary: {json.dumps(p.text)}\nstatus: approved\n"
            "approved_on: 2025-04-01\napproved_by: Board\nlast_reviewed: 2025-06-01\nowner: Team\n"
            f"keywords: [{json.dumps(p.text + ' aka')}]\n---\n\n"
            f"# {p.text} {word}\n\n## {p.text} heading\n\nBody {word} text {p.text}.\n",
            encoding="utf-8")
    out = project / "site"
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-d", str(out)], cwd=project,
                         capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert (out / "pagefind" / "pagefind.js").is_file(), run.stdout[-3000:] + run.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def hostile_url(hostile_site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(hostile_site))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_hostile_titles_and_text_are_found_and_shown_as_text(browser, hostile_url, hostile_site):
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script("window.__wfRan = []; window.alert = () => window.__wfRan.push('alert');")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append("dialog " + d.message), d.dismiss()))
    page.goto(hostile_url)
    box = page.get_by_role("searchbox", name="Search")
    found = 0
    for n, p in enumerate(CASES):
        word = f"zqxmark{n:02d}"
        box.fill(word)
        settled(page, word)
        items = page.locator(".wf-search__results > li")
        if items.count() == 0:
            continue  # a value the build refused (reported at its line) has no page to find
        found += 1
        # nothing in the results is an element the values could have made
        tags = page.eval_on_selector_all(".wf-search__results *", "els => [...new Set(els.map(e => e.tagName))]")
        assert set(tags) <= {"LI", "A", "SPAN", "P", "MARK"}, (p.id, tags)
        attrs = page.eval_on_selector_all(".wf-search__results *",
                                          "els => els.flatMap(e => [...e.attributes].map(a => a.name))")
        assert set(attrs) <= {"class", "href"}, (p.id, attrs)
        hrefs = page.eval_on_selector_all(".wf-search__results a", "els => els.map(e => e.getAttribute('href'))")
        assert all(h.startswith("/") and not h.startswith("//") for h in hrefs), (p.id, hrefs)
    assert found >= len(CASES) // 2, f"only {found} of {len(CASES)} hostile pages were built and found"
    assert page.evaluate("window.__wfRan") == [] and errors == []
    context.close()

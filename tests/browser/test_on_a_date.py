"""Earlier versions in the browser: "the manual on a date" narrows its table to the versions in
force on the day chosen (and works without JavaScript as a full table); a superseded version
says so at the top and links to the current one."""

from __future__ import annotations

import functools
import http.server
import shutil
import socketserver
import threading

import pytest

from browser_support import DESKTOP, PHONE, ROOT
from helpers import build
from test_versions import PROC, _version, git

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def versions_url(tmp_path_factory):
    project = tmp_path_factory.mktemp("on-a-date") / "p"
    shutil.copytree(ROOT / "tests" / "fixtures" / "minimal", project)
    shutil.copytree(ROOT / "overrides", project / "overrides")
    base = (project / PROC).read_text(encoding="utf-8")
    git(project, "init", "-q", "-b", "main")
    for version, reviewed, approved in (("1.0", "2023-01-10", "2023-01-05"), ("2.0", "2024-05-20", "2024-05-15"),
                                        ("2.1", "2025-06-01", "2025-04-01")):
        (project / PROC).write_text(_version(base, version, reviewed, approved, f"Version {version} words."), encoding="utf-8")
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", version)
    run = build(project, strict=True)
    assert run.returncode == 0, run.stderr[-3000:]

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    server = Server(("127.0.0.1", 0), functools.partial(Handler, directory=str(project / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _shown(page):
    return page.eval_on_selector_all(".wf-on-date__table tbody tr:not([hidden])",
                                     "rows => rows.map(r => r.cells[0].textContent.trim() + ' ' + r.cells[1].textContent.trim())")


@pytest.mark.parametrize("day,neglect", [("2023-06-01", "Neglect 1.0"), ("2024-05-15", "Neglect 2.0"),
                                          ("2025-04-01", "Neglect 2.1 (current)")])
def test_the_date_box_shows_the_versions_in_force_that_day(browser, versions_url, day, neglect):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(versions_url + "procedures/on-a-date/")
    box = page.get_by_label("Show the versions in force on")
    box.fill(day)
    page.get_by_role("button", name="Show").click()
    shown = [s for s in _shown(page) if s.startswith("Neglect")]
    assert shown == [neglect]
    assert "in force on" in page.get_by_role("status").filter(has_text="in force").inner_text()
    context.close()


def test_without_javascript_the_whole_table_answers(browser, versions_url):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(versions_url + "procedures/on-a-date/")
    assert page.locator("form.wf-on-date").is_hidden()
    assert len([s for s in _shown(page) if s.startswith("Neglect")]) == 3
    context.close()


def test_a_superseded_version_says_so_and_leads_to_the_current_one(browser, versions_url):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(versions_url + "procedures/core/neglect/")
    page.get_by_role("link", name="Previous versions (2)").first.click()
    page.get_by_role("link", name="Version 1.0", exact=True).click()
    assert "Superseded on 15 May 2024 by version 2.0" in page.get_by_role("note").first.inner_text()
    page.get_by_role("link", name="read the current version").click()
    page.wait_for_url("**/procedures/core/neglect/")
    context.close()

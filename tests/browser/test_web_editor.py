"""The web editor (/admin/, Decap CMS) as the business team uses it, in chromium, against the
local backend (decap-server on 127.0.0.1) writing into a copy of the manual:

- the editor loads from the site's own files and talks to nothing but the site and the local
  backend;
- change a procedure's review date in the form and save: the file on disk has the new date,
  its text is unchanged and the manual's checks still pass;
- create a new procedure from the form: a valid `draft` file in the section's folder.

The screenshots the editors' guide shows are taken here (MANUAL_SCREENSHOTS=1 writes them into
docs/editors/images/; otherwise into the test's own folder).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

from browser_support import IN_CI, ROOT
from conftest import _Server, _unavailable
import http.server

from safeguarding_manual.website import editor
from safeguarding_manual.content import frontmatter
from safeguarding_manual.content.loader import load_manual

pytestmark = pytest.mark.browser

DECAP_SERVER = ROOT / "scripts" / "editor" / "node_modules" / ".bin" / "decap-server"
GUIDE_IMAGES = ROOT / "docs" / "editors" / "images"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".yml": "text/yaml",
                      ".wasm": "application/wasm"}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A copy of the manual the editor may write into (never the repository itself)."""
    root = tmp_path_factory.mktemp("editor-repo")
    for name in ("procedures", "docs", "overrides"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("images"))
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    return root


@pytest.fixture(scope="module")
def editor_url(workspace: Path, tmp_path_factory) -> Iterator[str]:
    if not editor.bundle_files():
        _unavailable("Decap CMS is not installed — run `npm ci` in scripts/editor")
    if not DECAP_SERVER.exists():
        _unavailable(f"{DECAP_SERVER} is missing — run `npm ci` in scripts/editor")
    with _served(workspace, tmp_path_factory, workflow=False) as url:
        yield url


@pytest.fixture
def cms(browser, editor_url: str):
    """A logged-in editor page. `page.wf_log` holds every request and console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.wf_log = {"requests": [], "errors": []}
    context.on("request", lambda r: page.wf_log["requests"].append(r.url))
    page.on("console", lambda m: page.wf_log["errors"].append(m.text) if m.type == "error" else None)
    page.goto(editor_url)
    page.get_by_role("button", name="Login").click()
    page.get_by_role("link", name="Core child protection procedures").first.wait_for()
    yield page
    context.close()


def _shot(page, name: str, tmp_path: Path) -> None:
    folder = GUIDE_IMAGES if os.environ.get("MANUAL_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def _publish(page) -> None:
    page.get_by_role("button", name="Publish").first.click()
    page.get_by_role("menuitem", name="Publish now").click()


def _wait_for(path: Path, text: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in (body := path.read_text(encoding="utf-8")):
            return body
        time.sleep(0.2)
    raise AssertionError(f"{path.name} was not saved with {text!r}")


def _checks(workspace: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "check_xrefs.py"), "--root", str(workspace)],
                          capture_output=True, text=True, timeout=300)


def _only_own(requests: list[str], editor_url: str) -> list[str]:
    site = editor_url.split("/admin/")[0]
    return [u for u in requests if not (u.startswith(site + "/") or u.startswith("http://127.0.0.1:"))
            and not u.startswith(("data:", "blob:"))]


def test_editor_loads_only_the_sites_own_files(cms, editor_url):
    assert _only_own(cms.wf_log["requests"], editor_url) == []
    assert cms.locator('meta[name="robots"]').get_attribute("content").startswith("noindex")
    refused = [e for e in cms.wf_log["errors"] if "Content Security Policy" in e or "Refused" in e]
    assert refused == [], refused
    # every section folder is a collection in the menu
    for label in ("Core child protection procedures", "Practice guidance"):
        assert cms.get_by_role("link", name=label).count() >= 1


def test_change_a_review_date_in_the_form(cms, workspace, editor_url, tmp_path):
    target = workspace / "procedures" / "core" / "early-help.md"
    before = frontmatter.parse(str(target), target.read_text(encoding="utf-8"))
    new_date = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    cms.goto(editor_url + "#/collections/section-core/entries/early-help")
    field = cms.get_by_label("Last reviewed")
    field.wait_for()
    _shot(cms, "editor-procedure-form", tmp_path)
    field.fill(new_date)
    _shot(cms, "editor-review-date", tmp_path)
    _publish(cms)
    saved = _wait_for(target, f"last_reviewed: {new_date}")
    after = frontmatter.parse(str(target), saved)
    assert after.body.strip() == before.body.strip(), "saving from the form changed the text"
    assert {k: v for k, v in after.meta.items() if k != "last_reviewed"} == \
        {k: v for k, v in before.meta.items() if k != "last_reviewed"}
    manual = load_manual(workspace, "procedures")
    assert [f.message for f in manual.findings if f.path.endswith("early-help.md")] == []
    assert str(manual.by_id["early-help"].last_reviewed) == new_date
    run = _checks(workspace)
    assert run.returncode == 0, run.stdout + run.stderr
    assert _only_own(cms.wf_log["requests"], editor_url) == []


def test_create_a_new_procedure_from_the_form(cms, workspace, editor_url, tmp_path):
    cms.goto(editor_url + "#/collections/section-core/new")
    cms.get_by_label("Id").fill("test-new-procedure")
    cms.get_by_label("Title").fill("Test procedure <made> in the editor")
    cms.get_by_label("Summary").fill("What this procedure covers, in one sentence.")
    cms.get_by_label("Last reviewed").fill("2026-11-02")
    body = cms.locator('[contenteditable="true"]').last  # Decap's plain-text Markdown box
    body.click()
    cms.keyboard.type("## Scope\n\nThis is a test procedure.\n")
    _shot(cms, "editor-new-procedure", tmp_path)
    _publish(cms)
    target = workspace / "procedures" / "core" / "test-new-procedure.md"
    text = _wait_for(target, "## Scope")
    doc = frontmatter.parse(str(target), text)
    assert doc.meta["status"] == "draft" and doc.meta["id"] == "test-new-procedure"
    manual = load_manual(workspace, "procedures")
    assert [f.message for f in manual.findings if f.path.endswith("test-new-procedure.md")] == []
    proc = next(p for p in manual.procedures if p.id == "test-new-procedure")
    assert proc.status == "draft" and proc.section == "core"
    assert proc.title == "Test procedure <made> in the editor"
    run = _checks(workspace)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture(scope="module")
def workflow_url(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The editor as on the published site (changes are proposals on their own branch), with
    decap-server's git mode standing in for GitHub."""
    if not editor.bundle_files() or not DECAP_SERVER.exists():
        _unavailable("Decap CMS is not installed — run `npm ci` in scripts/editor")
    repo = tmp_path_factory.mktemp("editor-git")
    shutil.copytree(ROOT / "procedures", repo / "procedures")
    git = ["git", "-C", str(repo), "-c", "user.name=Test", "-c", "user.email=test@invalid"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    with _served(repo, tmp_path_factory, workflow=True) as url:
        yield url, repo


@contextmanager
def _served(repo: Path, tmp_path_factory, workflow: bool):
    port = _free_port()
    site = tmp_path_factory.mktemp("editor-site")
    editor.write(site, load_manual(repo, "procedures"), "procedures", editor.schema.DEFAULT_AGENCIES,
                 editor.backend(True, port=port, workflow=workflow), "Test manual")
    proxy = subprocess.Popen([str(DECAP_SERVER)], cwd=repo, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True,
                             env={**os.environ, "PORT": str(port), "BIND_HOST": "127.0.0.1",
                                  "MODE": "git" if workflow else "fs", "GIT_REPO_DIRECTORY": str(repo),
                                  "LOG_LEVEL": "warn", "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@invalid",
                                  "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@invalid"})
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proxy.poll() is not None or time.monotonic() > deadline:
                proxy.kill()
                pytest.fail(f"decap-server did not start: {proxy.stdout.read()[-1000:]}", pytrace=False)
            time.sleep(0.2)
    server = _Server(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/admin/"
    finally:
        server.shutdown()
        server.server_close()
        proxy.terminate()
        try:
            proxy.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proxy.kill()


def _git_config(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "config", "--get-regexp", "branch"], capture_output=True,
                          text=True).stdout


def test_a_change_is_a_proposal_on_its_own_branch(browser, workflow_url, tmp_path):
    url, repo = workflow_url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="Login").click()
    page.get_by_role("link", name="Core child protection procedures").first.wait_for()
    page.get_by_text("Early help assessment").first.wait_for()  # the entries have loaded
    _shot(page, "editor-collections", tmp_path)
    target = repo / "procedures" / "core" / "early-help.md"
    before = target.read_text(encoding="utf-8")
    page.goto(url + "#/collections/section-core/entries/early-help")
    page.get_by_label("Last reviewed").fill("2026-11-20")
    page.get_by_role("button", name="Save").first.click()
    deadline = time.monotonic() + 20
    branches = ""
    while "cms/" not in branches and time.monotonic() < deadline:
        branches = subprocess.run(["git", "-C", str(repo), "branch", "--list"], capture_output=True,
                                  text=True).stdout
        time.sleep(0.3)
    assert "cms/section-core/early-help" in branches, branches
    assert target.read_text(encoding="utf-8") == before, "a proposal must not change the main version"
    proposed = subprocess.run(["git", "-C", str(repo), "show", "cms/section-core/early-help:procedures/core/early-help.md"],
                              capture_output=True, text=True).stdout
    assert "last_reviewed: 2026-11-20" in proposed
    # send it for review: the proposal moves to "In review" on the board
    page.get_by_role("button", name=re.compile("^Status")).click()
    page.get_by_role("menuitem", name="In review").click()
    deadline = time.monotonic() + 20
    while "pending_review" not in _git_config(repo) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert "pending_review" in _git_config(repo)
    page.goto(url + "#/workflow")
    page.get_by_text("Early help").first.wait_for()
    page.wait_for_timeout(3500)  # the "saved" notice fades
    _shot(page, "editor-workflow", tmp_path)
    context.close()

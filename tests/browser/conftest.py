"""Browser tests of the built site: one strict build, one local web server and one Chromium per
session. Nothing here may reach the internet: Chromium resolves no host but 127.0.0.1, and the
tests that follow the external "Exit this page" address route it to a local stub.

Needs Debian's Chromium at /usr/bin/chromium (never a downloaded browser). Without it the
tests are skipped, except when CI=true, where that is a failure. axe-core comes from
tests/browser/node_modules, installed with `npm ci` from package-lock.json when missing.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import pytest
import yaml

from browser_support import (AXE_JS, AXE_URL, CHROMIUM, CHROMIUM_ARGS, DESKTOP, HERE, IN_CI,
                             ROOT)


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(f"{message} (CI=true, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


class _Loader(yaml.SafeLoader):
    """mkdocs.yml may carry !ENV or !!python tags; the tests only read plain values."""


_Loader.add_multi_constructor("", lambda loader, suffix, node: None)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


@pytest.fixture(scope="session")
def mkdocs_config() -> dict[str, Any]:
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _unavailable(f"Debian chromium not found at {CHROMIUM} — install the `chromium` package "
                     "(the browser tests never download a browser)")
    return CHROMIUM


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm not found: cannot install axe-core for the accessibility tests")
        run = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE,
                             capture_output=True, text=True)
        if run.returncode != 0 or not AXE_JS.exists():
            _unavailable(f"`npm ci` in {HERE} failed:\n{run.stdout}\n{run.stderr}")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once with --strict, as `mkdocs build` would for publishing."""
    out = tmp_path_factory.mktemp("site")
    mkdocs = Path(sys.executable).parent / "mkdocs"
    command = [str(mkdocs)] if mkdocs.exists() else [sys.executable, "-m", "mkdocs"]
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    run = subprocess.run([*command, "build", "--strict", "-d", str(out)], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if run.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{run.stdout}\n{run.stderr}", pytrace=False)
    return out


class _Handler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        if urlsplit(path).path == AXE_URL:
            return str(AXE_JS)
        return super().translate_path(path)

    def end_headers(self) -> None:
        # Let Chromium cache axe-core between pages (it is large); the site itself is fresh.
        if self.path == AXE_URL:
            self.send_header("Cache-Control", "max-age=3600")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet server
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture(scope="session")
def base_url(site_dir: Path) -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), functools.partial(_Handler, directory=str(site_dir)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        _unavailable("playwright (Python) is not installed: pip install -e '.[test]'")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_page(browser: Any, base_url: str) -> Iterator[Callable[..., Any]]:
    """open_page(path, viewport=DESKTOP, js=True) -> a Playwright page in a fresh context.
    Every request the page makes is in `page.wf_requests`."""
    contexts: list[Any] = []

    def _open(path: str = "", viewport: dict[str, int] | None = None, js: bool = True,
              go: bool = True, **context_args: Any) -> Any:
        context = browser.new_context(viewport=viewport or DESKTOP, java_script_enabled=js,
                                      locale="en-GB", **context_args)
        contexts.append(context)
        page = context.new_page()
        page.wf_requests = []
        context.on("request", lambda request: page.wf_requests.append(request.url))
        if go:
            page.goto(base_url + path)
        return page

    yield _open
    for context in contexts:
        context.close()

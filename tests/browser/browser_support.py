"""Constants and helpers shared by the browser tests (imported by conftest.py and the tests)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__tests__/axe.min.js"  # served by the test server, never part of the site
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
    # Belt and braces for "no request leaves the machine": no other host resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
IN_CI = os.environ.get("CI", "").lower() == "true"

# One page of each type (site URLs, without the leading slash).
PAGE_TYPES = {
    "home": "",
    "procedure": "procedures/core/strategy-discussions/",
    "contents": "procedures/",
    "threshold": "threshold/",
    "level": "threshold/level-3/",
    "matrix": "threshold/matrix/",
    "explorer": "threshold/explorer/",
    "arrangements-section": "arrangements/dispute-resolution/",
    "glossary": "glossary/",
    "reviews": "reviews/",
    "whats-changed": "whats-changed/",
    "annual-report": "publications/annual-report-2024-25/",
    "structure-chart": "arrangements/appendix-1-structure/",
    "accessibility": "accessibility/",
}
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}


def third_party(urls: list[str]) -> list[str]:
    """The URLs that do not go to the local test server."""
    return [u for u in urls if urlsplit(u).hostname != "127.0.0.1" and not re.match(r"(data|blob|about):", u)]


def open_search(page: Any, query: str) -> None:
    """Search as a reader does: type into the header's search box (found by its role and
    name, as a screen-reader user would) and wait until the results for the whole query are
    announced."""
    box = page.get_by_role("searchbox", name="Search")
    box.click()
    box.fill("")
    box.press_sequentially(query, delay=10)
    settled(page, query)


def settled(page: Any, query: str) -> str:
    """Wait for the announced result count for `query`; returns the announcement."""
    page.wait_for_function("""q => { const s = document.querySelector(".wf-search__status");
        return s && s.textContent.includes("\u201c" + q + "\u201d") && /results? for|No results/.test(s.textContent)
               && (/No results/.test(s.textContent) || document.querySelector(".wf-search__results > li")); }""",
                           arg=query.strip(), timeout=20_000)
    return page.get_by_role("status").filter(has_text="for").first.inner_text()


def results(page: Any) -> Any:
    return page.get_by_role("list", name="Search results")


def top_results(page: Any, n: int = 3) -> list[str]:
    """Site paths (e.g. "procedures/core/x/") of the first n pages in the search results: the
    first link of each item of the list labelled "Search results"."""
    return page.eval_on_selector_all(
        ".wf-search__results > li",
        """(items, n) => items.slice(0, n).map(li => {
             const u = new URL(li.querySelector("a").href);
             return u.pathname.replace(/^[/]/, "");
           })""", n)


STUB = "<!doctype html><html lang=en><title>Exit stub</title><p>Somewhere else</p></html>"


class Guard:
    """Routes every request of a browser context. Requests to the local test server go ahead;
    the "Exit this page" address is answered by a local stub; anything else is aborted and
    recorded. While `status` is 204 the stub answers "No Content", which cancels the
    navigation and leaves the page being exited in place, so a test can look at it."""

    def __init__(self, context: Any, exit_url: str, status: int = 200) -> None:
        self.exit_url = exit_url.rstrip("/")
        self.status = status
        self.exit_requests: list[Any] = []
        self.blocked: list[str] = []
        # Only requests that would leave the machine are routed; local ones go straight on.
        context.route(lambda url: urlsplit(url).hostname != "127.0.0.1", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.rstrip("/").startswith(self.exit_url):
            self.exit_requests.append(route.request)
            if self.status == 204:
                route.fulfill(status=204, body="")
            else:
                route.fulfill(status=200, content_type="text/html", body=STUB)
        else:
            self.blocked.append(url)
            route.abort()

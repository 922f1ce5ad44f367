"""axe-core finds no WCAG 2.2 A/AA violation on any page type, on a desktop and on a phone,
including the search box with results open."""

from __future__ import annotations

from typing import Any

import pytest

from browser_support import AXE_URL, DESKTOP, PAGE_TYPES, PHONE, open_search

pytestmark = pytest.mark.browser

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = {"1280": DESKTOP, "375": PHONE}


def run_axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(url=AXE_URL)
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                      resultTypes: ["violations"]})""", TAGS)
    return result["violations"]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def axe_page(browser, base_url, axe_source):
    """axe_page(path, width): one page per width, reused, so that axe-core is fetched and
    compiled once per width rather than once per test."""
    pages: dict[str, Any] = {}

    def _open(path: str, width: str) -> Any:
        if width not in pages:
            context = browser.new_context(viewport=VIEWPORTS[width], locale="en-GB")
            pages[width] = context.new_page()
        page = pages[width]
        page.goto(base_url + path)
        return page

    yield _open
    for page in pages.values():
        page.context.close()


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_page_has_no_axe_violations(axe_page, kind: str, width: str) -> None:
    page = axe_page(PAGE_TYPES[kind], width)
    violations = run_axe(page)
    assert not violations, f"/{PAGE_TYPES[kind]} at {width}px:\n{describe(violations)}"


@pytest.mark.parametrize("width", VIEWPORTS)
def test_search_results_have_no_axe_violations(axe_page, width: str) -> None:
    page = axe_page("", width)
    open_search(page, "neglect")
    assert page.locator(".wf-search__results > li").count() > 0
    violations = run_axe(page)
    assert not violations, f"search results at {width}px:\n{describe(violations)}"

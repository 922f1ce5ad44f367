"""Material's search finds the page a reader is looking for: typed into the search box, each
query puts the expected page in the first three results."""

from __future__ import annotations

import pytest

from browser_support import open_search, top_results

pytestmark = pytest.mark.browser

# query -> site path of the page that must be in the first three results
EXPECTED = {
    "allegation against a teacher": "procedures/core/allegations-against-staff/",
    "missed appointments": "procedures/practice-guidance/was-not-brought/",
    "county lines": "procedures/practice-guidance/child-exploitation/",
    "MACH": "procedures/core/responding-to-concerns/",
    "single contact form": "procedures/core/responding-to-concerns/",
    "threshold level 3": "threshold/level-3/",
}


@pytest.fixture(scope="module")
def search_page(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("query", EXPECTED)
def test_query_finds_page_in_top_three(search_page, base_url, query: str) -> None:
    search_page.goto(base_url)
    open_search(search_page, query)
    found = top_results(search_page, 3)
    assert EXPECTED[query] in found, f"{query!r}: first three results were {found}"

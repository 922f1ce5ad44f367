"""Privacy: loading any page (and using search) makes no request to any other site and sets
no cookie."""

from __future__ import annotations

import pytest

from browser_support import DESKTOP, PAGE_TYPES, open_search, third_party

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def privacy_page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.wf_requests = []
    context.on("request", lambda request: page.wf_requests.append(request.url))
    yield page
    context.close()


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_page_makes_no_third_party_request_and_sets_no_cookie(privacy_page, base_url, kind):
    page = privacy_page
    page.wf_requests.clear()
    page.goto(base_url + PAGE_TYPES[kind], wait_until="networkidle")
    assert page.wf_requests, "no request was recorded at all"
    assert third_party(page.wf_requests) == []
    assert page.context.cookies() == []
    assert page.evaluate("document.cookie") == ""


def test_search_makes_no_third_party_request(privacy_page, base_url):
    page = privacy_page
    page.goto(base_url, wait_until="networkidle")
    page.wf_requests.clear()
    open_search(page, "neglect")
    page.wait_for_load_state("networkidle")
    assert third_party(page.wf_requests) == []
    assert page.context.cookies() == []

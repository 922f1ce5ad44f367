"""The Content-Security-Policy in a real browser: every page type works under it (no
violation, no script error, the theme's helpers loaded from a file), and a script injected
into a page the way stored content would be does not run."""

from __future__ import annotations

import pytest

from browser_support import DESKTOP, PAGE_TYPES, open_search

pytestmark = pytest.mark.browser

WATCH = """() => {
  window.__wfViolations = [];
  document.addEventListener("securitypolicyviolation",
    e => window.__wfViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
}"""


@pytest.fixture(scope="module")
def policy_page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.add_init_script(f"({WATCH})()")
    page = context.new_page()
    page.wf_errors = []
    page.on("pageerror", lambda exc: page.wf_errors.append(str(exc)))
    yield page
    context.close()


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_every_page_type_runs_under_the_policy_without_a_violation(policy_page, base_url, kind):
    page = policy_page
    page.wf_errors.clear()
    page.goto(base_url + PAGE_TYPES[kind], wait_until="networkidle")
    assert page.evaluate("window.__wfViolations") == []
    assert page.wf_errors == []
    # Material's start-up helpers come from overrides/assets/javascripts/wf-md-base.js
    assert page.evaluate("typeof __md_get === 'function' && __md_scope.pathname === '/'")


def test_search_works_under_the_policy(policy_page, base_url):
    page = policy_page
    page.goto(base_url, wait_until="networkidle")
    open_search(page, "neglect")
    assert page.locator(".wf-search__results > li").count() > 0
    assert page.evaluate("window.__wfViolations") == []


def test_an_injected_inline_script_and_handler_do_not_run(policy_page, base_url):
    """What stored content could try, put straight into the page: the policy stops it."""
    page = policy_page
    page.goto(base_url + PAGE_TYPES["procedure"], wait_until="networkidle")
    page.evaluate("""() => {
      window.__wfRan = [];
      const article = document.querySelector("article");
      article.insertAdjacentHTML("beforeend",
        '<img src="x-missing.png" onerror="window.__wfRan.push(1)">' +
        '<a id="wf-js" href="javascript:window.__wfRan.push(2)">x</a>');
      const s = document.createElement("script");
      s.textContent = "window.__wfRan.push(3)";
      article.appendChild(s);
    }""")
    page.click("#wf-js")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__wfRan") == []
    assert len(page.evaluate("window.__wfViolations")) >= 2

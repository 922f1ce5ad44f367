"""'Exit this page' (the GOV.UK pattern): a plain link without JavaScript; with it, a click or
Shift pressed three times hides the page at once and replaces it, in the history, with the
exit address. The exit address is external, so it is answered by a local stub; no request
leaves 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest

from browser_support import PAGE_TYPES, PHONE, Guard

pytestmark = pytest.mark.browser

FIRST, SECOND = PAGE_TYPES["contents"], PAGE_TYPES["procedure"]
HIDDEN_STATE = """() => ({
    exiting: document.documentElement.classList.contains("wf-exiting"),
    overlay: !!document.querySelector(".wf-exit-overlay"),
    container: getComputedStyle(document.querySelector(".md-container")).visibility,
    header: getComputedStyle(document.querySelector(".md-header")).visibility,
})"""


@pytest.fixture
def exit_url(mkdocs_config) -> str:
    url = mkdocs_config["extra"]["exit_page_url"]
    assert url and url.startswith("https://"), "extra.exit_page_url must be set in mkdocs.yml"
    return url


def visit_two_pages(open_page, base_url: str, exit_url: str, status: int = 204,
                    clock: bool = False, first: bool = True, **kw: Any) -> tuple[Any, Guard]:
    """A page opened from another (unless `first` is false), so the history shows whether the
    exit replaced it."""
    page = open_page(go=False, **kw)
    guard = Guard(page.context, exit_url, status=status)
    if clock:
        page.clock.install()
    if first:
        page.goto(base_url + FIRST)
    page.goto(base_url + SECOND)
    page.wf_history = page.evaluate("history.length")
    page.wf_came_from_first = first
    return page, guard


def wait_for_exit_request(page: Any, guard: Guard, timeout_ms: int = 3000) -> None:
    for _ in range(timeout_ms // 50):
        if guard.exit_requests:
            return
        page.wait_for_timeout(50)
    raise AssertionError("no navigation to the exit address")


def assert_exited(page: Any, guard: Guard, base_url: str, exit_url: str) -> None:
    """The page hid itself as it asked for the exit address, and the exit replaced it in the
    history. The first answer is "204 No Content", so the page stays to be looked at; the
    button (now under the overlay) is then used again and the stub page is served."""
    wait_for_exit_request(page, guard)
    page.wait_for_timeout(100)
    assert page.url == base_url + SECOND
    state = page.evaluate(HIDDEN_STATE)
    assert state == {"exiting": True, "overlay": True, "container": "hidden", "header": "hidden"}, state
    assert page.title() == "Exit this page"
    guard.status = 200
    page.evaluate('document.querySelector("a.wf-exit").click()')
    page.wait_for_url(exit_url.rstrip("/") + "**")
    assert page.title() == "Exit stub"
    assert page.evaluate("history.length") == page.wf_history, "the exit must replace the page, not add to history"
    if page.wf_came_from_first:
        page.go_back()
        assert page.url == base_url + FIRST, "Back must not return to the page that was left"
    assert guard.exit_requests[0].header_value("referer") is None, "the exit must not send a referrer"
    assert guard.blocked == []


def test_without_javascript_the_button_is_a_plain_link(open_page, base_url, exit_url) -> None:
    page, guard = visit_two_pages(open_page, base_url, exit_url, status=200, js=False)
    button = page.locator("a.wf-exit")
    assert button.inner_text().strip() == "Exit this page"
    assert button.get_attribute("href") == exit_url
    assert "noreferrer" in (button.get_attribute("rel") or "")
    button.click()
    page.wait_for_url(exit_url.rstrip("/") + "**")
    assert page.title() == "Exit stub"
    assert guard.exit_requests[0].header_value("referer") is None
    assert guard.blocked == []


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["1280", "375"])
def test_click_hides_the_page_and_replaces_it(open_page, base_url, exit_url, viewport) -> None:
    page, guard = visit_two_pages(open_page, base_url, exit_url, viewport=viewport)
    page.locator("a.wf-exit").click(no_wait_after=True)
    assert_exited(page, guard, base_url, exit_url)


def test_enter_on_the_focused_button_exits(open_page, base_url, exit_url) -> None:
    page, guard = visit_two_pages(open_page, base_url, exit_url, first=False)
    page.locator("a.wf-exit").focus()
    page.keyboard.press("Enter")
    assert_exited(page, guard, base_url, exit_url)


def test_shift_three_times_exits(open_page, base_url, exit_url) -> None:
    page, guard = visit_two_pages(open_page, base_url, exit_url, first=False)
    page.keyboard.press("Shift")
    assert page.locator(".wf-exit__status").inner_text() == "Shift, press 2 more times to exit."
    page.keyboard.press("Shift")
    assert page.locator(".wf-exit__status").inner_text() == "Shift, press 1 more time to exit."
    assert not guard.exit_requests
    page.keyboard.press("Shift")
    assert_exited(page, guard, base_url, exit_url)


def test_any_other_key_starts_the_count_again(open_page, base_url, exit_url) -> None:
    page, guard = visit_two_pages(open_page, base_url, exit_url, first=False)
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.keyboard.press("a")
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)
    assert not guard.exit_requests and page.url == base_url + SECOND
    assert not page.evaluate(HIDDEN_STATE)["exiting"]
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")  # the third press since "a"
    assert_exited(page, guard, base_url, exit_url)


def test_each_press_must_be_within_five_seconds_of_the_last(open_page, base_url, exit_url) -> None:
    # The page's clock is faked; real time still passes too, so the steps keep a margin.
    page, guard = visit_two_pages(open_page, base_url, exit_url, clock=True, first=False)
    page.keyboard.press("Shift")
    page.clock.fast_forward(4000)
    page.keyboard.press("Shift")
    page.clock.fast_forward(6000)      # too late: this press counts as the first again
    page.keyboard.press("Shift")
    assert page.locator(".wf-exit__status").inner_text() == "Shift, press 2 more times to exit."
    page.wait_for_timeout(200)
    assert not guard.exit_requests
    page.clock.fast_forward(4000)
    page.keyboard.press("Shift")
    page.clock.fast_forward(4000)
    page.keyboard.press("Shift")
    assert_exited(page, guard, base_url, exit_url)

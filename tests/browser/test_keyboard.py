"""Keyboard use: the skip link works, focus is always visible, and Tab goes through the
"Exit this page" button and the header (search included) into the page without a trap."""

from __future__ import annotations

from typing import Any

import pytest

from browser_support import DESKTOP, PAGE_TYPES, PHONE

pytestmark = pytest.mark.browser

PROCEDURE = PAGE_TYPES["procedure"]
FOCUSED = """() => {
  const e = document.activeElement, cs = getComputedStyle(e), r = e.getBoundingClientRect();
  const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2;
  return {
    id: e.tagName + "." + (e.className || "").toString().replace(/ ?focus-visible/, "") +
        " " + (e.getAttribute("href") || e.getAttribute("for") || e.getAttribute("name") || "") +
        " " + (e.textContent || "").trim().slice(0, 40),
    indicator: outline || cs.boxShadow !== "none",
    onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
              r.top < innerHeight && r.left < innerWidth && cs.visibility === "visible",
    exit: e.matches("a.wf-exit"), search: e.matches(".wf-search__input"),
    menu: e.matches(".wf-menu-button"), header: !!e.closest(".md-header"),
    main: !!e.closest(".md-main"), body: e === document.body,
  };
}"""


def tab_through(page: Any, limit: int = 30) -> list[dict[str, Any]]:
    """Press Tab until focus reaches the page's main area; fail on a trap or hidden focus."""
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        page.wait_for_timeout(20)
        now = page.evaluate(FOCUSED)
        assert not now["body"], f"focus was lost after {[s['id'] for s in seen]}"
        assert not seen or now["id"] != seen[-1]["id"], f"focus is stuck on {now['id']}"
        assert now["indicator"], f"no visible focus indicator on {now['id']}"
        assert now["onScreen"], f"focused element is not on screen: {now['id']}"
        seen.append(now)
        if now["main"]:
            return seen
    raise AssertionError(f"Tab never left the header: {[s['id'] for s in seen]}")


def test_html_lang_is_british_english(open_page) -> None:
    page = open_page(PROCEDURE)
    assert page.evaluate("document.documentElement.lang") == "en-GB"


def test_skip_link_moves_to_the_content(open_page) -> None:
    page = open_page(PROCEDURE)
    page.keyboard.press("Tab")
    skip = page.locator("a.md-skip")
    assert page.evaluate("document.activeElement.classList.contains('md-skip')")
    page.wait_for_timeout(300)  # Material fades the link in
    assert skip.is_visible() and page.evaluate(FOCUSED)["indicator"]
    target = skip.get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_function("h => location.hash === h", arg=target)
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert page.evaluate("!!document.activeElement.closest('.md-content')"), \
        f"after the skip link, Tab went to {focused['id']}, not into the content"


def test_tab_reaches_exit_and_search_then_the_page(open_page) -> None:
    page = open_page(PROCEDURE, viewport=DESKTOP)
    seen = tab_through(page)
    order = [s["id"] for s in seen]
    assert any(s["exit"] for s in seen), order
    assert any(s["search"] for s in seen), order
    exit_at = next(i for i, s in enumerate(seen) if s["exit"])
    header_at = next(i for i, s in enumerate(seen) if s["header"])
    assert exit_at < header_at, f"'Exit this page' should come before the header: {order}"
    # ... and back again with Shift+Tab, without a trap.
    for _ in range(len(seen) - exit_at - 1):
        page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)["exit"]


def test_on_a_phone_tab_reaches_exit_menu_and_search(open_page) -> None:
    page = open_page(PROCEDURE, viewport=PHONE)
    seen = tab_through(page)
    order = [s["id"] for s in seen]
    assert any(s["exit"] for s in seen) and any(s["search"] for s in seen), order
    assert any(s["menu"] for s in seen), f"the menu button cannot be reached: {order}"


def test_on_a_phone_the_menu_opens_and_closes_from_the_keyboard(open_page) -> None:
    page = open_page(PROCEDURE, viewport=PHONE)
    menu = page.locator(".md-header button.wf-menu-button")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.closest('.md-sidebar--primary') !== null")
    assert page.evaluate("document.getElementById('__drawer').checked")
    assert menu.get_attribute("aria-expanded") == "true"
    page.wait_for_timeout(300)  # the drawer slides in
    focused = page.evaluate(FOCUSED)
    assert focused["onScreen"] and focused["indicator"], focused
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('__drawer').checked")
    assert page.evaluate(FOCUSED)["menu"]
    # Closed again: its links are out of the tab order.
    page.wait_for_timeout(300)
    assert tab_through(page)

"""Every page carries a short route to report a concern — the Multi-Agency Children's Hub, the
Single Contact Form, the out-of-hours number and 999 — from `extra.contacts` in mkdocs.yml, and
the "Exit this page" button; on a phone both are on screen without scrolling."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from browser_support import DESKTOP, PAGE_TYPES, PHONE

pytestmark = pytest.mark.browser

KEYS = ["mach", "single-contact-form", "out-of-hours", "emergency"]
BAR = re.compile(r'<div class="wf-worried" data-wf-worried>.*?</div>', re.S)


def missing(contact: dict[str, Any]) -> bool:
    value = str(contact.get("value") or "").strip()
    return not value or "to be confirmed" in value.lower()


def test_every_page_has_the_bar_and_the_exit_button(site_dir: Path, mkdocs_config) -> None:
    exit_url = mkdocs_config["extra"]["exit_page_url"]
    # every reader's page; the web editor (/admin/, for the business team) is an application
    # of its own, not a page of the site
    pages = sorted(p for p in site_dir.rglob("*.html") if p.relative_to(site_dir).parts[0] != "admin")
    assert len(pages) > 50
    for path in pages:
        text = path.read_text(encoding="utf-8")
        bar = BAR.search(text)
        assert bar, f"{path.relative_to(site_dir)} has no 'Worried about a child?' bar"
        assert f'class="wf-exit" href="{html.escape(exit_url)}"' in bar.group(0), \
            f"{path.relative_to(site_dir)}: no 'Exit this page' link to {exit_url}"


def test_the_bar_shows_the_configured_contacts_and_invents_none(open_page, mkdocs_config) -> None:
    contacts = mkdocs_config["extra"]["contacts"]
    page = open_page("", js=False)  # what the server sends, before any script
    items = page.eval_on_selector_all(".wf-worried__item", """items => items.map(i => ({
        title: i.title, text: i.textContent.replace(/\\s+/g, " ").trim(),
        placeholder: i.querySelector(".wf-placeholder")?.textContent.trim() ?? null,
        links: [...i.querySelectorAll("a")].map(a => [a.getAttribute("href"), a.textContent.trim()]),
    }))""")
    assert [i["title"] for i in items] == [contacts[k]["label"] for k in KEYS]
    for key, item in zip(KEYS, items):
        c = contacts[key]
        if missing(c) and c.get("url"):  # no published number: the route is its public page
            assert item["placeholder"] is None and item["links"] == [[c["url"], item["text"]]], f"{key}: {item}"
        elif missing(c):
            assert item["placeholder"] == "to be confirmed", f"{key}: {item}"
            assert item["links"] == [], f"{key}: no link may be made up for a missing value"
        elif c["kind"] == "phone":
            number = re.sub(r"[^0-9+]", "", str(c["value"]))
            assert item["links"] == [[f"tel:{number}", str(c["value"])]], f"{key}: {item}"
        elif c["kind"] == "url":
            assert item["links"] and item["links"][0][0] == str(c["value"]), f"{key}: {item}"
    numbers = {re.sub(r"[^0-9+]", "", str(contacts[k]["value"])) for k in KEYS
               if contacts[k]["kind"] == "phone" and not missing(contacts[k])}
    shown = {href[4:] for i in items for href, _ in i["links"] if href.startswith("tel:")}
    assert shown == numbers, "every number in the bar comes from mkdocs.yml"


@pytest.fixture(scope="module")
def phone_page(browser, base_url):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_on_a_phone_the_bar_and_exit_are_on_screen_without_scrolling(phone_page, base_url, kind) -> None:
    page = phone_page
    page.goto(base_url + PAGE_TYPES[kind])
    assert page.evaluate("scrollY") == 0
    bar = page.locator("[data-wf-worried]").bounding_box()
    exit_button = page.locator("a.wf-exit").bounding_box()
    assert bar and exit_button
    assert bar["y"] >= 0 and bar["y"] + bar["height"] <= PHONE["height"]
    assert bar["height"] <= 110, f"the bar should stay compact on a phone ({bar['height']:.0f}px)"
    assert 0 <= exit_button["x"] and exit_button["x"] + exit_button["width"] <= PHONE["width"]
    assert exit_button["y"] + exit_button["height"] <= PHONE["height"]
    text = page.locator("[data-wf-worried]").inner_text()
    assert "Worried about a child?" in text and "Exit this page" in text
    assert "999" in text


def test_on_a_desktop_the_bar_is_one_line(open_page) -> None:
    page = open_page("", viewport=DESKTOP)
    text_box = page.locator(".wf-worried__text").bounding_box()
    line_height = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.wf-worried__text')).lineHeight)")
    assert text_box["height"] < 2 * line_height, "one line at 1280px"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_exit_stays_on_screen_when_the_page_scrolls(open_page, viewport) -> None:
    page = open_page(PAGE_TYPES["procedure"], viewport=viewport)
    page.mouse.wheel(0, 3000)
    page.wait_for_function("() => scrollY > 1000 && document.querySelector('a.wf-exit').classList.contains('wf-exit--floating')")
    box = page.locator("a.wf-exit").bounding_box()
    assert box and 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"]
    assert 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"]
    # Nothing covers it: the button is what a click there would hit.
    assert page.evaluate("""() => { const b = document.querySelector("a.wf-exit").getBoundingClientRect();
        return document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2).closest("a.wf-exit") !== null; }""")
    page.mouse.wheel(0, -100000)
    page.wait_for_function("() => scrollY === 0 && !document.querySelector('a.wf-exit').classList.contains('wf-exit--floating')")

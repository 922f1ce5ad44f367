""""Save for offline use" in a real browser: the button shows the size from offline.json, saving
stores every listed file, and without a network the saved pages open (with the offline banner
and their styles) while pages never saved do not; with a network, pages come from the network.
Removing the copy removes it and its service worker."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from browser_support import DESKTOP, PHONE, PAGE_TYPES, third_party

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect  # the test extra installs it

WATCH = """() => {
  window.__wfViolations = [];
  document.addEventListener("securitypolicyviolation", e => window.__wfViolations.push(e.violatedDirective));
}"""
BANNER = ("Offline copy saved on {date} — it may be out of date. Check the online version when you "
          "have signal.")
SAVE = re.compile(r"^Save for offline use")
SAVED = re.compile(r"^Saved for offline use on ")
PRIMARY = "rgb(29, 79, 118)"  # the header's colour: Material's stylesheet with the site's palette


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} KB"


@pytest.fixture(scope="module")
def manifest(site_dir):
    return json.loads((site_dir / "offline.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def saved(browser, base_url):
    """A reader who opened the home page and chose "Save for offline use" (with the keyboard)."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.add_init_script(f"({WATCH})()")
    page = context.new_page()
    page.wf_requests, page.wf_errors = [], []
    context.on("request", lambda request: page.wf_requests.append(request.url))
    page.on("pageerror", lambda exc: page.wf_errors.append(str(exc)))
    page.goto(base_url, wait_until="networkidle")
    button = page.locator(".wf-offline--home").get_by_role("button", name=SAVE)
    button.scroll_into_view_if_needed()
    expect(button).to_have_text(re.compile(r"\(\d"))  # the size, once on screen
    page.wf_before = button.inner_text()
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".wf-offline--home [data-wf-offline-save]")).to_have_text(SAVED, timeout=60_000)
    page.wf_day = dt.date.today()
    yield page
    context.set_offline(False)
    context.close()


def cache_contents(page):
    return page.evaluate("""async () => {
      const out = {};
      for (const name of await caches.keys())
        out[name] = (await (await caches.open(name)).keys()).map(r => r.url);
      return out;
    }""")


def test_the_button_is_hidden_without_javascript_or_service_workers(open_page, base_url):
    page = open_page("", js=False)
    assert page.locator("[data-wf-offline]").count() == 2  # the menu and the home page
    assert page.locator("[data-wf-offline]:visible").count() == 0
    page = open_page("", go=False)
    page.context.add_init_script("delete Navigator.prototype.serviceWorker")
    page.goto(base_url, wait_until="networkidle")
    assert page.evaluate("'serviceWorker' in navigator") is False
    assert page.locator("[data-wf-offline]:visible").count() == 0


def test_before_saving_the_button_shows_the_size_from_offline_json(open_page, manifest):
    page = open_page("")
    expected = f"Save for offline use ({size(manifest['bytes'])})"
    for where in (".md-sidebar--primary", ".wf-offline--home"):
        button = page.locator(where).get_by_role("button", name=SAVE)
        button.scroll_into_view_if_needed()
        expect(button).to_have_text(expected)
        box = button.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, box
    assert not page.get_by_role("button", name="Remove the saved copy").first.is_visible()
    assert manifest["bytes"] == sum(f["bytes"] for f in manifest["files"])


def test_saving_stores_every_listed_file_and_says_when(saved, manifest, base_url):
    page = saved
    day = long_date(page.wf_day)
    assert page.wf_before == f"Save for offline use ({size(manifest['bytes'])})"
    for where in (".md-sidebar--primary", ".wf-offline--home"):
        expect(page.locator(where).locator("[data-wf-offline-save]")).to_have_text(
            f"Saved for offline use on {day} — update the saved copy")
        expect(page.locator(where).get_by_role("button", name="Remove the saved copy")).to_be_visible()
    status = page.locator(".wf-offline--home").get_by_role("status")
    expect(status).to_contain_text(f"Saved: {len(manifest['files'])} pages and files")
    caches = cache_contents(page)
    assert list(caches) == [f"wf-offline-{manifest['version']}"]
    stored = set(caches[f"wf-offline-{manifest['version']}"])
    assert stored == {base_url + f["url"] for f in manifest["files"]} | {base_url + "wf-offline-saved.json"}
    assert not any("/pagefind/" in u or "/editors/" in u or u.endswith(".pdf") for u in stored)
    assert third_party(page.wf_requests) == []
    assert page.evaluate("window.__wfViolations") == [] and page.wf_errors == []
    worker = page.evaluate("navigator.serviceWorker.ready.then(r => [r.scope, r.active.scriptURL])")
    assert worker == [base_url, base_url + "sw.js"]  # at the site root: its scope is the whole site


@pytest.mark.parametrize("kind", ["procedure", "level", "contents"])
def test_offline_a_saved_page_opens_with_the_banner_and_its_styles(saved, base_url, site_dir, kind):
    page = saved
    page.context.set_offline(True)
    try:
        response = page.goto(base_url + PAGE_TYPES[kind])
        assert response.ok and response.from_service_worker
        banner = page.locator(".wf-offline-banner")
        expect(banner).to_have_text(BANNER.format(date=long_date(page.wf_day)))
        assert page.evaluate("document.body.firstElementChild.classList.contains('wf-offline-banner')")
        assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).backgroundColor") == PRIMARY
        assert page.evaluate("getComputedStyle(document.querySelector('.wf-offline-banner')).borderBottomStyle") == "solid"
        title = re.search(r"<h1[^>]*>(.*?)</h1>", (site_dir / PAGE_TYPES[kind] / "index.html").read_text())
        assert re.sub(r"<[^>]+>", "", title.group(1)).strip() in page.locator("h1").first.inner_text()
        assert page.evaluate("window.__wfViolations") == []
    finally:
        page.context.set_offline(False)


def test_online_pages_come_from_the_network_without_a_banner(saved, base_url, site_dir, manifest):
    """Network first: a page changed on the server since it was saved shows the change online;
    only offline does the saved copy (as it was) answer."""
    page = saved
    url = next(f["url"] for f in manifest["files"]
               if f["url"].startswith("procedures/core/") and f["url"] != PAGE_TYPES["procedure"])
    file = site_dir / url / "index.html"
    original = file.read_text(encoding="utf-8")
    file.write_text(original.replace("<body ", '<body data-wf-changed="on-the-server" ', 1), encoding="utf-8")
    try:
        page.goto(base_url + url)
        assert page.get_attribute("body", "data-wf-changed") == "on-the-server"
        assert page.locator(".wf-offline-banner").count() == 0
        page.context.set_offline(True)
        page.goto(base_url + url)
        assert page.get_attribute("body", "data-wf-changed") is None  # the copy saved earlier
        assert page.locator(".wf-offline-banner").count() == 1
    finally:
        page.context.set_offline(False)
        file.write_text(original, encoding="utf-8")
    page.goto(base_url + PAGE_TYPES["level"])
    assert page.locator(".wf-offline-banner").count() == 0


def test_offline_a_page_never_saved_is_not_shown_from_anywhere(saved, base_url):
    page = saved
    page.context.set_offline(True)
    try:
        response = page.goto(base_url + "editors/")
        assert response.status == 503
        assert page.title() == "You are offline — this page is not saved"
        assert "not in the copy of the manual saved on this device" in page.inner_text("body")
        assert page.locator(".md-content, .wf-offline-banner").count() == 0
        assert page.locator("script").count() == 0
    finally:
        page.context.set_offline(False)


def test_the_menu_button_works_on_a_phone(saved, base_url, manifest):
    """Same device, a 375 px screen: the button is in the menu, reachable and big enough."""
    page = saved
    page.set_viewport_size(PHONE)
    try:
        page.goto(base_url + PAGE_TYPES["procedure"], wait_until="networkidle")
        page.locator(".md-header button.wf-menu-button").focus()
        page.keyboard.press("Enter")  # the menu, opened from the keyboard
        page.wait_for_timeout(400)  # the drawer slides in
        button = page.locator(".md-sidebar--primary [data-wf-offline-save]")
        # Tab from the menu's last link reaches the button.
        page.locator(".md-sidebar--primary .md-nav--primary > .md-nav__list > .md-nav__item:last-child > a").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.hasAttribute('data-wf-offline-save')")
        expect(button).to_be_visible()
        expect(button).to_have_text(SAVED)
        box = button.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24 and box["x"] >= 0 and box["x"] + box["width"] <= 375
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]  # scrolled into view
        assert page.evaluate("document.activeElement.matches(':focus-visible')")
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
        page.keyboard.press("Enter")  # update the saved copy, from the menu
        expect(page.locator(".md-sidebar--primary").get_by_role("status")).to_contain_text("Saved:", timeout=60_000)
        assert list(cache_contents(page)) == [f"wf-offline-{manifest['version']}"]
    finally:
        page.set_viewport_size(DESKTOP)


def test_offline_the_update_button_says_there_is_no_connection(saved, base_url):
    page = saved
    page.goto(base_url, wait_until="networkidle")
    page.context.set_offline(True)
    try:
        button = page.locator(".wf-offline--home [data-wf-offline-save]")
        button.click()
        status = page.locator(".wf-offline--home").get_by_role("status")
        expect(status).to_contain_text("no connection")
        expect(button).to_have_text(SAVED)  # the copy is kept
        assert len(cache_contents(page)) == 1
    finally:
        page.context.set_offline(False)


def test_removing_the_saved_copy_removes_it_and_its_worker(saved, base_url):
    page = saved
    page.goto(base_url, wait_until="networkidle")
    page.locator(".wf-offline--home").get_by_role("button", name="Remove the saved copy").click()
    status = page.locator(".wf-offline--home").get_by_role("status")
    expect(status).to_have_text("The saved copy has been removed from this device.")
    expect(page.locator(".wf-offline--home [data-wf-offline-save]")).to_have_text(SAVE)
    assert page.evaluate("document.activeElement.hasAttribute('data-wf-offline-save')")
    assert cache_contents(page) == {}
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0

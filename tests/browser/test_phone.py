"""A practitioner on a 375 px phone: the action comes first on every procedure, nothing
scrolls sideways, Exit this page is never covered, targets are big enough, the menu works
on every page and the indicator explorer does what it says."""

from __future__ import annotations

import pytest

from browser_support import PAGE_TYPES, PHONE, ROOT, open_search

pytestmark = pytest.mark.browser


def procedures() -> list[str]:
    import sys
    sys.path.insert(0, str(ROOT / "scripts"))
    from safeguarding_manual.content.corpus import Settings, load
    content = load(Settings.from_mkdocs_yml(ROOT))
    return [p.site_path[:-3] + "/" for p in content.manual.published]


@pytest.fixture(scope="module")
def phone(browser, base_url):
    context = browser.new_context(viewport=PHONE, locale="en-GB", has_touch=True)
    page = context.new_page()
    page.wf_base = base_url
    yield page
    context.close()


@pytest.mark.parametrize("path", procedures())
def test_what_to_do_starts_within_one_and_a_half_screens(phone, path):
    phone.goto(phone.wf_base + path)
    top = phone.evaluate("document.getElementById('what-to-do').getBoundingClientRect().top + scrollY")
    assert top <= 1.5 * PHONE["height"], f"/{path}: 'What to do' starts at {top:.0f} px"


@pytest.mark.parametrize("kind", list(PAGE_TYPES) + ["arrangements", "whole-arrangements", "not-found"])
def test_no_page_scrolls_sideways_on_a_phone(phone, kind):
    path = {"arrangements": "arrangements/", "whole-arrangements": "arrangements/whole-document/",
            "not-found": "no/such/page/"}.get(kind, PAGE_TYPES.get(kind))
    phone.goto(phone.wf_base + path)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"/{path} is {width} px wide"


def test_the_matrix_is_read_one_level_after_another(phone):
    phone.goto(phone.wf_base + PAGE_TYPES["matrix"])
    widths = phone.evaluate("[...document.querySelectorAll('.wf-matrix__table td')].map(td => td.getBoundingClientRect().width)")
    assert widths and min(widths) > 0.8 * PHONE["width"] - 40, widths
    titles = phone.locator(".wf-matrix__cell-title:visible")
    assert titles.count() == len(widths)


UNCOVERED = """() => {
  const a = document.querySelector("a.wf-exit"), r = a.getBoundingClientRect();
  const e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  return {covered: !(e && e.closest("a.wf-exit")), width: r.width, height: r.height};
}"""


@pytest.mark.parametrize("state", ["search", "menu"])
def test_exit_is_never_covered(phone, state):
    phone.goto(phone.wf_base + PAGE_TYPES["procedure"])
    if state == "search":
        open_search(phone, "neglect")
    else:
        phone.locator(".md-header button.wf-menu-button").click()
        phone.wait_for_timeout(300)
    seen = phone.evaluate(UNCOVERED)
    assert not seen["covered"] and seen["width"] >= 24 and seen["height"] >= 24, seen


def test_contact_targets_are_at_least_24_px(phone):
    phone.goto(phone.wf_base)
    sizes = phone.evaluate("[...document.querySelectorAll('.wf-worried a')].map(a => "
                           "{const r = a.getBoundingClientRect(); return [a.textContent.trim(), r.width, r.height]})")
    assert sizes
    small = [s for s in sizes if s[1] < 24 or s[2] < 24]
    assert not small, small


@pytest.mark.parametrize("kind", ["home", "procedure", "glossary"])
def test_the_menu_opens_with_links_on_every_page(phone, kind):
    phone.goto(phone.wf_base + PAGE_TYPES[kind])
    phone.locator(".md-header button.wf-menu-button").click()
    phone.wait_for_timeout(300)
    links = phone.locator(".md-sidebar--primary .md-nav__link:visible")
    assert links.count() >= 5


def test_the_explorer_matches_whole_words_and_says_what_to_try(phone):
    phone.goto(phone.wf_base + PAGE_TYPES["explorer"])
    phone.fill("#wf-explorer-q", "dv")
    visible = phone.locator(".wf-explorer__list li:visible")
    assert visible.count() == 0  # "dv" is no word here; it must not match "advice"
    assert phone.locator(".wf-explorer__none").is_visible()
    assert "glossary" in phone.locator(".wf-explorer__none").text_content()
    phone.fill("#wf-explorer-q", "neglect")
    texts = visible.all_text_contents()
    assert texts and all("neglect" in t.lower() for t in texts)


def test_choosing_indicators_suggests_the_highest_level_and_links_to_what_to_do(phone):
    phone.goto(phone.wf_base + PAGE_TYPES["explorer"])
    levels = [2, 3]
    for level in levels:
        box = phone.locator(f'.wf-explorer__list li[data-level="{level}"] .wf-explorer__seen').first
        box.evaluate("e => e.scrollIntoView({block: 'center'})")
        box.check()
    suggestion = phone.locator("[data-wf-suggest]")
    assert suggestion.is_visible()
    assert "Level 3" in suggestion.locator(".wf-explorer__suggest-level").text_content()
    assert "judgement" in suggestion.text_content()
    link = suggestion.locator(".wf-explorer__todo:visible")
    assert link.count() == 1 and link.get_attribute("href").endswith("level-3/#what-you-should-do")
    link.click()
    phone.wait_for_url("**/threshold/level-3/#what-you-should-do")

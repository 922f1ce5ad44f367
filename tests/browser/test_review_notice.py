"""A procedure's review notice is re-checked in the reader's browser against the reader's
date, so a site built long ago still warns; without JavaScript it reads as built."""

import datetime as dt

import pytest

pytestmark = pytest.mark.browser

PAGE = "procedures/core/strategy-discussions/"


def _states(page):
    return (page.locator(".wf-review__overdue").is_visible(), page.locator(".wf-review__due").is_visible())


@pytest.mark.parametrize("reader_date, expected", [
    ("2030-01-01", (True, False)),   # long after its review date: overdue
    (None, (False, False)),          # today, as built: in date
])
def test_the_notice_follows_the_readers_date(open_page, base_url, reader_date, expected):
    page = open_page(PAGE, go=False)
    if reader_date:
        page.clock.set_fixed_time(dt.datetime.fromisoformat(reader_date + "T09:00:00"))
    page.goto(base_url + PAGE)
    page.wait_for_function("() => document.querySelector('[data-wf-review]') !== null")
    assert _states(page) == expected
    if expected[0]:
        assert "remains in force until it is replaced" in page.locator(".wf-review__overdue").inner_text()


def test_the_due_window_is_computed_from_the_page_data(open_page, base_url):
    page = open_page(PAGE, go=False)
    page.goto(base_url + PAGE)
    due = page.get_attribute("[data-wf-review]", "data-next-review")
    within = int(page.get_attribute("[data-wf-review]", "data-due-within"))
    day_inside = dt.date.fromisoformat(due) - dt.timedelta(days=within // 2)
    page2 = open_page(PAGE, go=False)
    page2.clock.set_fixed_time(dt.datetime.combine(day_inside, dt.time(9)))
    page2.goto(base_url + PAGE)
    assert _states(page2) == (False, True)


def test_without_javascript_the_built_state_is_shown(open_page):
    page = open_page(PAGE, js=False)
    state = page.get_attribute("[data-wf-review]", "data-state")
    assert state in ("ok", "due", "overdue")
    assert page.locator(".wf-review__overdue").is_visible() == (state == "overdue")

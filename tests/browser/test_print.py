"""Printed pages: no navigation, search, buttons or bars; the page title, its address, the
date printed and "Uncontrolled when printed" on the copy (the notice and the title on every
sheet); the threshold matrix on A4 landscape. Printed with Chromium's PDF output and read back."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest

from browser_support import IN_CI, PAGE_TYPES

pytestmark = pytest.mark.browser

NOTICE = "Uncontrolled when printed — check the online version before use"
A4 = (595.3, 841.9)  # points
SCREEN_ONLY = ["Exit this page", "Worried about a child", "Skip to content", "Type to start searching",
               "Initializing search", "Back to top", "Navigation menu"]


@pytest.fixture(scope="module")
def pypdf() -> Any:
    try:
        import pypdf
    except ImportError:
        message = "pypdf is not installed (it is in the `test` extra: pip install -e '.[test]')"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return pypdf


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def print_pdf(page: Any, pypdf: Any) -> list[tuple[tuple[float, float], str]]:
    """(width, height) in points and the text of every sheet, as the browser would print."""
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    return [((float(p.mediabox.width), float(p.mediabox.height)), flat(p.extract_text()))
            for p in reader.pages]


def dates_printed() -> list[str]:
    today = dt.date.today()
    return [f"{d.day} {d:%B %Y}" for d in (today - dt.timedelta(days=1), today, today + dt.timedelta(days=1))]


def screen_nav_texts(page: Any) -> list[str]:
    """Names in the site navigation that the page's own text does not also use."""
    content = flat(page.inner_text("article"))
    names = page.eval_on_selector_all(".md-sidebar--primary .md-nav__link", "ls => ls.map(l => l.textContent)")
    return sorted({flat(n) for n in names if flat(n) and flat(n) not in content})


@pytest.mark.parametrize("kind", ["procedure", "home", "glossary"])
def test_printed_page_has_title_address_date_and_notice(open_page, base_url, mkdocs_config, pypdf, kind):
    path = PAGE_TYPES[kind]
    page = open_page(path)
    title = flat(page.evaluate("""() => { const h = document.querySelector("article h1").cloneNode(true);
                                           h.querySelectorAll(".headerlink").forEach(a => a.remove());
                                           return h.textContent; }"""))
    nav_only = screen_nav_texts(page)
    sheets = print_pdf(page, pypdf)
    text = " ".join(t for _, t in sheets)
    # the site's address when it has one, else the address the page was printed from
    canonical = (mkdocs_config.get("site_url") or base_url).rstrip("/") + "/" + path
    for size, sheet in sheets:
        assert abs(size[0] - A4[0]) < 2 and abs(size[1] - A4[1]) < 2, f"not A4 portrait: {size}"
        assert NOTICE in sheet, f"a sheet without the notice: {sheet[:200]}"
    first = sheets[0][1]
    assert title in first
    assert f"Online version: {canonical}" in first
    assert any(f"Date printed: {d} at " in first for d in dates_printed()), first[:600]
    assert f"{NOTICE}." in first
    for words in SCREEN_ONLY + nav_only:
        assert words not in text, f"{words!r} is printed"
    assert "Page 1 of" in first


def test_printed_page_without_javascript_still_says_what_it_is(open_page, mkdocs_config, pypdf):
    path = PAGE_TYPES["procedure"]
    page = open_page(path, js=False)
    sheets = print_pdf(page, pypdf)
    first = sheets[0][1]
    # without a site address or JavaScript, the path on the site
    canonical = (mkdocs_config["site_url"].rstrip("/") if mkdocs_config.get("site_url") else "") + "/" + path
    assert "Strategy discussions" in first
    assert f"Online version: {canonical}" in first
    assert "Date printed:" in first
    assert all(NOTICE in sheet for _, sheet in sheets)
    for words in SCREEN_ONLY:
        assert words not in " ".join(t for _, t in sheets)


def test_threshold_matrix_prints_a4_landscape_one_sheet_per_domain(open_page, pypdf):
    page = open_page(PAGE_TYPES["matrix"])
    domains = page.locator("table.wf-matrix__table").count()
    captions = [flat(c) for c in page.locator("table.wf-matrix__table caption").all_inner_texts()]
    sheets = print_pdf(page, pypdf)
    for size, _ in sheets:
        assert abs(size[0] - A4[1]) < 2 and abs(size[1] - A4[0]) < 2, f"not A4 landscape: {size}"
    assert len(sheets) == domains, f"{len(sheets)} sheets for {domains} domains"
    for (_, sheet), caption in zip(sheets, captions):
        assert caption in sheet and NOTICE in sheet

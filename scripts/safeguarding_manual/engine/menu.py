"""Parts of the page templates rendered once per build instead of once per page.

`wf_menu` — the site menu (the theme's navigation sidebar). A page's menu depends only on which
entries are open (active), whether the page itself is an entry (then its table of contents is
in the menu too) and the entries' addresses relative to the page. Every procedure is outside
the menu, under the same open section, so the 500 procedures of a large manual share a few
menus. The key below holds exactly those things; a page that is itself in the menu is never
shared. `overrides/partials/nav.html` calls it as `{% call wf_menu(page, nav, base_url) %}`.

`wf_once` — a fragment that is the same on every page (the "Worried about a child?" bar, built
from `extra.contacts` only): `{% call wf_once("name") %}…{% endcall %}`.
"""

from __future__ import annotations

import posixpath
from typing import Any, Callable
from urllib.parse import urlsplit

import markupsafe
from mkdocs.utils import normalize_url


def _parts(url: str) -> tuple[str, ...]:
    path = posixpath.normpath("/" + url)[1:]
    return tuple(path.split("/")) if path else ()


def _absolute(url: str) -> bool:
    parsed = urlsplit(url)
    return bool(parsed.scheme or parsed.netloc or url.startswith(("/", "#")))


def _folder(url: str) -> tuple[str, ...]:
    """The folder a page's relative links start from, as mkdocs.utils.get_relative_url reads it
    (the last part is a file when it has a dot)."""
    head, _, last = url.rpartition("/")
    return _parts(head if "." in last else url)


class Once:
    def __init__(self) -> None:
        self.html: dict[str, markupsafe.Markup] = {}

    def __call__(self, name: str, caller: Callable[[], str]) -> markupsafe.Markup:
        html = self.html.get(name)
        if html is None:
            html = self.html[name] = markupsafe.Markup(caller())
        return html


class MenuCache:
    def __init__(self, config: Any = None) -> None:
        self.html: dict[tuple, markupsafe.Markup] = {}
        theme = getattr(config, "theme", None) or {}
        extra = getattr(config, "extra", None) or {}
        # addresses the menu prints besides its entries': the home link, the logo, the site root
        self.fixed = [str(v) for v in (".", extra.get("homepage") if hasattr(extra, "get") else None,
                                       theme.get("logo") if hasattr(theme, "get") else None) if v]
        self.nav: Any = None
        self.items: list[Any] = []
        self.urls: list[str] = []
        self.targets: list[tuple[str, ...]] | None = []

    def _walk(self, nav: Any) -> None:
        """The menu's entries (depth first) and every address it prints: the same for every
        page of the build (the navigation does not change once pages are being written)."""
        self.nav, self.items, self.urls = nav, [], list(self.fixed)
        homepage = getattr(nav, "homepage", None)
        if homepage is not None:
            self.urls.append(homepage.url)
        stack = list(getattr(nav, "items", ()))[::-1]
        while stack:
            item = stack.pop()
            self.items.append(item)
            url = getattr(item, "url", None)
            if url is not None:
                self.urls.append(url)
            stack.extend(reversed(getattr(item, "children", None) or ()))
        # Addresses written relative to the page (as mkdocs.utils.normalize_url tells them apart);
        # one that climbs out with "../" or uses backslashes is compared page by page.
        relative = [u for u in map(str, self.urls) if not _absolute(u)]
        self.targets = None if any(u.startswith("..") or "\\" in u for u in relative) else [_parts(u) for u in relative]

    def key(self, page: Any, nav: Any, base_url: str) -> tuple | None:
        if page is None or nav is None or getattr(page, "url", None) is None:
            return None
        if nav is not self.nav:
            self._walk(nav)
        file = getattr(page, "file", None)
        state: list = [base_url]
        for item in self.items:
            if item is page or (file is not None and getattr(item, "file", None) is file):
                return None  # the page itself is in the menu, with its table of contents
            state.append(bool(getattr(item, "active", False)))
        folder = _folder(page.url)
        if folder and self.targets is not None and not any(t[:len(folder)] == folder for t in self.targets):
            # No address in the menu lies inside this page's own folder: the relative addresses
            # are those of every page beside it (same parent folder, same depth).
            state.append(("beside", folder[:-1], len(folder)))
        else:
            state.extend(normalize_url(str(u), page=page, base=base_url) for u in self.urls)
        return tuple(state)

    def __call__(self, page: Any, nav: Any, base_url: str, caller: Callable[[], str]) -> markupsafe.Markup:
        key = self.key(page, nav, base_url)
        if key is None:
            return markupsafe.Markup(caller())
        html = self.html.get(key)
        if html is None:
            html = self.html[key] = markupsafe.Markup(caller())
        return html

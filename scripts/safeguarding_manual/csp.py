"""A Content-Security-Policy on every HTML file that trusts only the site's own script files.

There is no inline script in the site at all: the theme's few inline scripts are replaced by
files (`overrides/partials/javascripts/`), so the policy is the same on every page and no hash
is ever taken from a page's output — a script that got into a page by any route would not run.

`problems()` is a tripwire run on every finished page: a `<script>` that is not one of the
site's own files, an event-handler attribute or a `javascript:` URL fails the build.
"""

from __future__ import annotations

import re

POLICY = (
    "default-src 'self'; script-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-src 'none'; manifest-src 'self'; media-src 'self'"
)
# Relaxations the theme forces, and why they are low risk:
# - img-src data: Material draws its icons as CSS data-URI masks.
# - style-src 'unsafe-inline': Material's JavaScript sets style attributes at run time. Styles
#   cannot run code, and with img-src and connect-src limited to the site, CSS cannot send
#   data anywhere else.

META = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'

SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>", re.I)
OWN_SCRIPT = re.compile(r'^\s+src="(?!\w+:|//)[^"<>]+\.js"\s*$|^\s+id="__config"\s+type="application/json"\s*$')
# Pre-filters (cheap on every page); a hit is then looked at precisely.
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
BAD_URL = re.compile(r"""(?:href|src|action|formaction|data|xlink:href)\s*=\s*["']?\s*(?:javascript|vbscript|data:text/html)""", re.I)
META_TAG = re.compile(r"<meta\b[^>]*http-equiv[^>]*>", re.I)


def apply(html: str) -> str:
    """Insert the policy as the first element of <head>, so it governs everything after it."""
    return html.replace("<head>", "<head>\n    " + META, 1)


def problems(html: str) -> list[str]:
    """What in a finished page could run code that is not the site's own (empty when safe)."""
    out = []
    for m in SCRIPT.finditer(html):
        if not OWN_SCRIPT.match(m.group("attrs")):
            out.append(f"a script that is not one of the site's own files: {m.group(0)[:80]}")
    if HANDLER.search(html):
        from html.parser import HTMLParser

        class Tags(HTMLParser):
            def handle_starttag(self, tag, attrs):
                for name, _value in attrs:
                    if name.startswith("on"):
                        out.append(f"an event-handler attribute `{name}` on <{tag}>")
        Tags().feed(html)
    if BAD_URL.search(html):
        out.append(f"a script URL: {BAD_URL.search(html).group(0)[:80]}")
    for m in META_TAG.finditer(html):
        if "Content-Security-Policy" not in m.group(0):
            out.append(f"a <meta http-equiv> that is not the site's policy: {m.group(0)[:80]}")
    return out

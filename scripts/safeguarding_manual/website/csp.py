"""A Content-Security-Policy on every HTML file that trusts only the site's own script files.

There is no inline script in the site at all: the theme's few inline scripts are replaced by
files (`overrides/partials/javascripts/`), so the policy is the same on every page and no hash
is ever taken from a page's output — a script that got into a page by any route would not run.

`problems()` is a tripwire run on every finished page: a `<script>` that is not one of the
site's own files, an event-handler attribute or a `javascript:` URL fails the build.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-src 'none'; manifest-src 'self'; media-src 'self'"
)
# Relaxations, and why they are low risk:
# - script-src 'wasm-unsafe-eval': search (Pagefind) runs its index reader as WebAssembly,
#   fetched from the site itself. It lets the page compile WebAssembly; it does not allow
#   eval() of JavaScript, inline scripts or scripts from anywhere else. Pagefind runs on the
#   page (noWorker), so no worker-src blob: is needed: workers stay 'self' only.
# - img-src data: Material draws its icons as CSS data-URI masks.
# - style-src 'unsafe-inline': Material's JavaScript sets style attributes at run time. Styles
#   cannot run code, and with img-src and connect-src limited to the site, CSS cannot send
#   data anywhere else.
# Kept on purpose (not relaxations):
# - worker-src 'self': "Save for offline use" registers the site's own service worker,
#   /sw.js (a file from overrides/assets/javascripts, never inline, never from elsewhere).
#   It keeps the policy intact: pages it answers from the saved copy carry this same <meta>,
#   with only a static banner added, and its "not saved" page has a script-free policy.
# - manifest-src 'self': only a web app manifest from the site itself could ever be used.

META = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'

SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>", re.I)
OWN_SCRIPT = re.compile(r'^\s+src="(?!\w+:|//)[^"<>]+\.js"\s*$|^\s+id="__config"\s+type="application/json"\s*$')
# Pre-filters, cheap on every page; a hit is then looked at precisely, tag by tag. A browser
# decodes entities in attributes and drops tabs and line breaks from URLs, so the text is
# searched as the browser would read it ("java&#115;cript:", "java<tab>script:").
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
SCRIPT_URLS = ("script:", "data:text/html")


def _may_hold_script_url(html: str) -> bool:
    text = html_lib.unescape(html).lower().replace("\t", "").replace("\n", "").replace("\r", "")
    return any(s in text for s in SCRIPT_URLS)


def apply(html: str) -> str:
    """Insert the policy as the first element of <head>, so it governs everything after it."""
    return html.replace("<head>", "<head>\n    " + META, 1)


URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "srcset"}
BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|data:text/html)", re.I)


class _Tags(HTMLParser):
    """Event handlers and script URLs in real tags (not in escaped text)."""

    def __init__(self, out: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.out = out

    def handle_starttag(self, tag, attrs):
        if tag == "meta":
            equiv = dict(attrs).get("http-equiv")
            if equiv is not None and equiv.lower() != "content-security-policy":
                self.out.append(f"a <meta http-equiv=\"{equiv[:40]}\"> that is not the site's policy")
        for name, value in attrs:
            if name.startswith("on"):
                self.out.append(f"an event-handler attribute `{name}` on <{tag}>")
            elif name in URL_ATTRS and value and BAD_SCHEME.match(re.sub(r"[\s\x00-\x1f]+", "", value)):
                self.out.append(f"a script URL in `{name}` on <{tag}>: {value[:60]}")

    handle_startendtag = handle_starttag


def problems(html: str) -> list[str]:
    """What in a finished page could run code that is not the site's own (empty when safe)."""
    out = []
    for m in SCRIPT.finditer(html):
        if not OWN_SCRIPT.match(m.group("attrs")):
            out.append(f"a script that is not one of the site's own files: {m.group(0)[:80]}")
    # cheap pre-filters on the raw text; then look precisely at real tags
    if HANDLER.search(html) or _may_hold_script_url(html) or html.count("http-equiv") > 1:
        parser = _Tags(out)
        parser.feed(html)
        parser.close()
    return out

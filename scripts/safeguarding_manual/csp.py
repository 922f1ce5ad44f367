"""A Content-Security-Policy for every page, as strict as the theme allows.

Material's templates contain a few small inline scripts (its configuration and start-up
code). Rather than allow every inline script ('unsafe-inline'), each page's own inline
scripts are hashed at build time and only those hashes may run. Styles, images, fonts,
the search index and its worker all come from the site itself.
"""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser

BASE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self'; "
    "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)
# Relaxations the theme forces, and why they are low risk:
# - img-src data: Material draws its icons as CSS data-URI masks.
# - style-src 'unsafe-inline': Material's JavaScript adds style attributes at run time (their
#   values change, so they cannot be hashed). Styles cannot run code, and with img-src and
#   connect-src limited to the site, CSS cannot send data anywhere else.


class _InlineScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.inside = False
        self.scripts: list[str] = []
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            keys = dict(attrs)
            executable = keys.get("type") in (None, "", "text/javascript", "module")
            self.inside = "src" not in keys and executable
            self._buf = []

    def handle_data(self, data):
        if self.inside:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self.inside:
            self.scripts.append("".join(self._buf))
            self.inside = False


def policy(html: str) -> str:
    parser = _InlineScripts()
    parser.feed(html)
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
                     for s in parser.scripts})
    return BASE_POLICY.replace("default-src 'self';", "default-src 'self'; script-src 'self' "
                               + " ".join(hashes) + ";" if hashes else "default-src 'self'; script-src 'self';")


def apply(html: str) -> str:
    """Insert the policy as the first element of <head>, so it governs everything after it."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(html)}">'
    return html.replace("<head>", "<head>\n    " + meta, 1)

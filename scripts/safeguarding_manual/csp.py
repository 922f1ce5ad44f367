"""A Content-Security-Policy for every page, as strict as the theme allows.

Material's templates contain a few small inline scripts (its configuration and start-up
code). Rather than allow every inline script ('unsafe-inline'), each page's own inline
scripts are hashed at build time and only those hashes may run. Styles, images, fonts,
the search index and its worker all come from the site itself.
"""

from __future__ import annotations

import base64
import hashlib
import re

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


# The page is our own build output, not user input, so a regular expression is enough here
# (a full HTML parse of every page cost more than the rest of the build's templating).
INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)


def policy(html: str) -> str:
    hashes = sorted({
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group("body").encode()).digest()).decode() + "'"
        for m in INLINE_SCRIPT.finditer(html)
        if "src=" not in m.group("attrs") and "application/json" not in m.group("attrs")})
    scripts = " ".join(["'self'", *hashes])
    return BASE_POLICY.replace("default-src 'self';", f"default-src 'self'; script-src {scripts};")


def apply(html: str) -> str:
    """Insert the policy as the first element of <head>, so it governs everything after it."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(html)}">'
    return html.replace("<head>", "<head>\n    " + meta, 1)

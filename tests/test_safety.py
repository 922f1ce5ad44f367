"""Unsafe HTML in an editor's Markdown fails with the line and a fix; safe HTML passes."""

import pytest

from helpers import build
from safeguarding_manual.content.safety import check_markdown


@pytest.mark.parametrize("markdown, message", [
    ("Text\n<script>alert(1)</script>", "`<script>` is not allowed"),
    ("Text\n<iframe src=\"https://example.org\"></iframe>", "`<iframe>` is not allowed"),
    ("Text\n<object data=\"x\"></object>", "`<object>` is not allowed"),
    ("Text\n<embed src=\"x\">", "`<embed>` is not allowed"),
    ("Text\n<style>body{}</style>", "`<style>` is not allowed"),
    ("Text\n<form action=\"/x\"><input></form>", "`<form>` is not allowed"),
    ("Text\n<a href=\"#\" onclick=\"steal()\">x</a>", "the `onclick` attribute on `<a>` runs a script"),
    ("Text\n<div onmouseover=\"x()\">x</div>", "the `onmouseover` attribute on `<div>` runs a script"),
    ("Text\n<a href=\"javascript:alert(1)\">x</a>", "uses `javascript:`, which is not allowed"),
    ("Text\n<a href=\" JaVaScRiPt:alert(1)\">x</a>", "uses `JaVaScRiPt:`, which is not allowed"),
    ("Text\n<img src=\"data:image/png;base64,AAAA\" alt=\"x\">", "uses `data:`, which is not allowed"),
    ("Text\n[click](javascript:alert(1))", "uses `javascript:`, which is not allowed"),
    ("Text\n![x](data:image/svg+xml;base64,AAAA)", "uses `data:`, which is not allowed"),
    ("Text\n<span style=\"color:red\">x</span>", "the `style` attribute on `<span>` is not allowed"),
    ("1. Step\n\n    Nested <script>x()</script>", "`<script>` is not allowed"),
])
def test_unsafe_html_is_an_error_at_its_line(markdown, message):
    findings = check_markdown("procedures/core/x.md", markdown, 20)
    assert findings, markdown
    assert findings[0].line == 20 + markdown.count("\n")
    assert message in findings[0].message


@pytest.mark.parametrize("markdown", [
    "Line one<br>line two",
    '<div class="grid" markdown>\n**bold**\n</div>',
    '<abbr title="Multi-Agency Children\'s Hub">MACH</abbr> and <kbd>Shift</kbd>',
    '<a href="https://www.gov.uk/">GOV.UK</a> and <a href="mailto:a@b.org">mail</a> <a href="tel:999">999</a>',
    '<table><thead><tr><th scope="col">A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>',
    "Code is shown, not run: `<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "[a page](../core/neglect.md) and [a site](https://example.org)",
])
def test_safe_html_passes(markdown):
    assert check_markdown("p.md", markdown, 1) == []


def test_unsafe_html_fails_the_build_and_is_never_published(project):
    page = project / "procedures/core/neglect.md"
    text = page.read_text() + "\n<script>window.PWNED=1</script>\n"
    page.write_text(text, encoding="utf-8")
    line = text.splitlines().index("<script>window.PWNED=1</script>") + 1
    result = build(project)
    assert result.returncode != 0
    assert f"procedures/core/neglect.md:{line}: `<script>` is not allowed in a page" in result.stderr


def test_every_html_file_has_one_policy_that_allows_no_inline_script(real_site):
    """No hash is ever taken from a page: the policy is the same everywhere, 'self' only, and
    the site contains no inline script for it to allow."""
    import re
    policies = set()
    for file in real_site.rglob("*.html"):
        if file.relative_to(real_site).parts[0] == "admin":
            continue  # the web editor's own policy: tests/test_editor.py
        html = file.read_text(encoding="utf-8")
        head = html.split("<head>", 1)[1]
        m = re.match(r'\s*<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
        assert m, file  # first in <head>, so it governs every script after it (404.html too)
        policies.add(m.group(1))
        for attrs in re.findall(r"<script\b([^>]*)>", html):
            assert re.fullmatch(r'\s+src="[^":]+\.js"|\s+id="__config" type="application/json"', attrs), (file, attrs)
    assert len(policies) == 1
    policy = policies.pop()
    script_src = policy.split("script-src", 1)[1].split(";", 1)[0]
    assert script_src.strip() == "'self' 'wasm-unsafe-eval'"  # WebAssembly for search; no eval, no inline
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "sha256" not in policy
    assert '<meta name="referrer" content="strict-origin-when-cross-origin">' in html


def test_linkchecker_finds_no_broken_internal_links_or_anchors(real_site):
    """Served over HTTP on loopback, as a reader gets it (LinkChecker drops root privileges,
    so it could not read a private temporary folder directly)."""
    import functools
    import http.server
    import subprocess
    import sys
    import threading
    from helpers import REPO

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def end_headers(self):
            self.send_header("LinkChecker", "fast")  # lets LinkChecker exceed 10 requests/s
            super().end_headers()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(real_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = subprocess.run([sys.executable, "-m", "linkcheck", "--config", str(REPO / "tests/linkcheckerrc"),
                                 "--no-status", "-o", "text", f"http://127.0.0.1:{server.server_port}/"],
                                capture_output=True, text=True, timeout=600)
    finally:
        server.shutdown()
    assert "0 errors found" in result.stdout, result.stdout[-3000:]
    assert result.returncode == 0

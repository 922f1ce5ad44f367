"""Screenshots of every page type at 375 and 1280 px, for people to look at before they say a
change is done: `scripts/screenshots.py [--site DIR] [--out FOLDER]`.

Builds the site (unless `--site` names a built one), serves it on 127.0.0.1 only and takes
each page with Debian's chromium through Playwright (a test dependency; never a downloaded
browser). Phone shots are one screen (what a reader sees first); desktop shots are the
whole page.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Sequence

PAGES = {
    "home": "", "procedure": "procedures/practice-guidance/bruising-in-non-mobile-babies/",
    "contents": "procedures/", "section": "procedures/core/", "by-topic": "procedures/by-topic/",
    "threshold": "threshold/", "level": "threshold/level-3/", "matrix": "threshold/matrix/",
    "explorer": "threshold/explorer/", "arrangements": "arrangements/",
    "arrangements-section": "arrangements/dispute-resolution/",
    "arrangements-whole": "arrangements/whole-document/", "structure": "arrangements/appendix-1-structure/",
    "glossary": "glossary/", "reviews": "reviews/", "whats-changed": "whats-changed/",
    "annual-report": "publications/annual-report-2024-25/", "accessibility": "accessibility/",
    "editors": "editors/", "not-found": "no/such/page/",
}
WIDTHS = {375: 667, 1280: 900}
CHROMIUM = "/usr/bin/chromium"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def send_error(self, code, message=None, explain=None):  # serve the site's own 404 page
        if code == 404 and (Path(self.directory) / "404.html").is_file():
            body = (Path(self.directory) / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)


def shoot(site: Path, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    out.mkdir(parents=True, exist_ok=True)
    made = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            for width, height in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                for name, path in PAGES.items():
                    page.goto(base + path, wait_until="networkidle")
                    file = out / f"{name}-{width}.png"
                    page.screenshot(path=str(file), full_page=width > 400)
                    made.append(file)
                page.close()
            browser.close()
    finally:
        server.shutdown()
    return made


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="screenshots.py", description=__doc__)
    parser.add_argument("--site", help="a built site folder (default: build one now)")
    parser.add_argument("--out", default="screenshots", help="where to write the pictures")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing — install Debian's chromium package", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(args.site) if args.site else Path(tmp) / "site"
        if not args.site:
            result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
                                    env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True)
            if result.returncode != 0:
                print(result.stdout + result.stderr, file=sys.stderr)
                return 1
        made = shoot(site, Path(args.out))
    print(f"{len(made)} screenshots in {args.out}/ — open them and read them", file=sys.stderr)
    return 0

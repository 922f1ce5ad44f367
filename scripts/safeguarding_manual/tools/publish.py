"""Publish: build into a temporary folder and replace site/ only when the build and every
check pass. Failed or interrupted, the last good site stays as it was.

A publish also makes the manual's PDFs (pdf.py) in the new folder, after it is checked and
before the swap: its pages are built with MANUAL_PDF=1 and link to them, so without them
nothing is published.

One publish runs at a time: each holds an OS lock (`.cache/publish.lock`) from before it
tidies up after earlier runs until its new site is in place, so one run can never delete or
publish another's half-built folder. The lock is released by the OS when the process ends,
however it ends, so it is never left behind."""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from ..content import corpus as content_mod, siteconfig
from ..website import csp, editor

LOCK_FILE = ".cache/publish.lock"
REQUIRED_PAGES = ("index.html", "404.html", "pagefind/pagefind.js", "pagefind/wf-search.json")
SHOWN_PROBLEMS = 5


class Busy(Exception):
    """Another publish holds the lock; the message says which one, if it can be told."""


@contextmanager
def lock(root: Path, wait: float = 0) -> Iterator[None]:
    """Hold the publish lock, waiting up to `wait` seconds for another run to finish."""
    path = root / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # Never emptied before we hold it, and never through a symbolic link planted in its place.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "r+", encoding="utf-8", errors="replace") as fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = "".join(c for c in fh.read(200) if c.isprintable())
                    raise Busy(holder.strip()) from None
                time.sleep(0.2)
        # Who holds it, for the message another run shows.
        fh.seek(0)
        fh.truncate()
        fh.write(f"process {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        fh.flush()
        try:
            yield
        finally:
            fh.truncate(0)


def _recover(site: Path) -> None:
    """An earlier publish stopped between its two renames: put the previous site back.
    Only ever called with the lock held, so every .old-/.new- folder is a dead run's."""
    olds = sorted(site.parent.glob(f"{site.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not site.exists() and olds:
        os.rename(olds[-1], site)
    for old in site.parent.glob(f"{site.name}.old-*"):
        shutil.rmtree(old, ignore_errors=True)
    for new in site.parent.glob(f"{site.name}.new-*"):
        shutil.rmtree(new, ignore_errors=True)


def build(root: Path, dest: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MANUAL_PDF": "1"}  # pages link to their PDFs
    env.pop("MANUAL_PREVIEW", None)  # a public build never includes drafts
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(dest)],
                          cwd=root, env=env, capture_output=True, text=True)


def incomplete(new: Path) -> list[str]:
    """Why a built folder is not a whole, protected site (empty when it is)."""
    problems = [f"{name} is missing" for name in REQUIRED_PAGES if not (new / name).is_file()]
    for page in sorted(new.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        if page.relative_to(new).parts[:1] == ("admin",):  # the web editor has its own policy
            if not editor.carries_policy(text):
                problems.append(f"{page.relative_to(new).as_posix()} does not carry the web "
                                "editor's Content-Security-Policy")
            continue
        if csp.META not in text:
            problems.append(f"{page.relative_to(new).as_posix()} does not carry the site's "
                            "Content-Security-Policy")
    return problems


def make_pdfs(root: Path, new: Path, content: content_mod.Content) -> str:
    """The whole manual and each procedure as PDF, into the new site (pdf.py); the pages built
    with MANUAL_PDF=1 link to them. A one-paragraph reason if they could not be made."""
    from ..website import pdf
    try:
        result = pdf.make_for_project(root, new, content)
    except pdf.PdfError as exc:
        reason = str(exc)
    except Exception as exc:  # the engine's own failure: a sentence, never a traceback
        reason = f"the PDF engine failed ({type(exc).__name__}: {' '.join(str(exc).split())[:300]})"
    else:
        missing = [p.name for p in result.files if not p.is_file() or p.stat().st_size == 0]
        if not missing:
            print(f"PDFs: {len(result.files)} files, {result.manual.pages} pages in the whole manual, "
                  f"{result.seconds:.0f} s", file=sys.stderr)
            return ""
        reason = f"{', '.join(missing[:SHOWN_PROBLEMS])} {'was' if len(missing) == 1 else 'were'} not written"
    return (f"Not published: the PDFs of the manual could not be made: {reason}. The pages link to "
            "these PDFs, so the site is not published without them. If the reason is not in the "
            "content, report it. The current site is unchanged.")


def publish(root: Path, site_dir: str = "site", wait: float = 0) -> int:
    root = root.resolve()
    site = root / site_dir
    try:
        with lock(root, wait):
            return _publish_locked(root, site, site_dir)
    except Busy as exc:
        running = f" ({exc})" if str(exc) else ""
        waited = f" after waiting {wait:g} seconds" if wait else ""
        print(f"Another publish is running{running}{waited}; try again when it has finished "
              "(or pass --wait SECONDS). The current site is unchanged.", file=sys.stderr)
        return 1


def _publish_locked(root: Path, site: Path, site_dir: str) -> int:
    _recover(site)
    content = content_mod.load(content_mod.Settings.from_mkdocs_yml(root))
    errors = [f for f in content.findings + content_mod.check_references(content) if f.severity == "error"]
    errors += siteconfig.route_gaps(content.site.contacts, content.settings.config_line)
    if errors:
        for f in errors:
            print(f, file=sys.stderr)
        print(f"Not published: {len(errors)} problem(s) to fix first. The current site is unchanged.",
              file=sys.stderr)
        return 1
    new = site.parent / f"{site.name}.new-{os.getpid()}"
    try:
        result = build(root, new)
        if result.returncode != 0:
            print(result.stdout + result.stderr, file=sys.stderr)
            print("Not published: the build failed. The current site is unchanged.", file=sys.stderr)
            return 1
        problems = incomplete(new)
        if problems:
            more = len(problems) - SHOWN_PROBLEMS
            shown = problems[:SHOWN_PROBLEMS] + ([f"… and {more} more"] if more > 0 else [])
            print(f"Not published: the build in {new.name}/ is not a complete site:\n  "
                  + "\n  ".join(shown) + "\nThis is a fault in the build, not in the content — "
                  "report it. The current site is unchanged.", file=sys.stderr)
            return 1
        failure = make_pdfs(root, new, content)
        if failure:
            print(failure, file=sys.stderr)
            return 1
        old = site.parent / f"{site.name}.old-{os.getpid()}"
        if site.exists():
            os.rename(site, old)
        os.rename(new, site)  # from here on the new site is in place
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(new, ignore_errors=True)
    print(f"Published to {site_dir}/", file=sys.stderr)
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 24 * 3600:
        raise argparse.ArgumentTypeError(f'"{text}" is not a number of seconds (0 to 86400)')
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="publish.py", description=__doc__)
    parser.add_argument("--root", default=".", help="the manual's folder (with mkdocs.yml)")
    parser.add_argument("--site-dir", default="site")
    parser.add_argument("--wait", type=_seconds, default=0, metavar="SECONDS",
                        help="if another publish is running, wait up to this long for it to "
                        "finish (default: refuse at once)")
    args = parser.parse_args(argv)
    try:
        return publish(Path(args.root), args.site_dir, args.wait)
    except KeyboardInterrupt:
        print("Interrupted: the current site is unchanged.", file=sys.stderr)
        return 130
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"Not published: could not read or write{where}: {exc.strerror or exc}. The last "
              "good site is kept (a later publish finishes any half-done swap).", file=sys.stderr)
        return 1

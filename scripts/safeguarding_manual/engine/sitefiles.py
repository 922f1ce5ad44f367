"""The site folder's files around a full build: the previous build's deleted, and this build's
folders and page files made, each by a small process of its own beside the build.

Why processes: on a shared machine each file-system call that makes or removes an entry costs
a millisecond or more, and MkDocs makes one folder and one file per page as it writes them, in
the build's one thread. Made beforehand by another process, MkDocs' own `os.makedirs` finds the
folder there and its `open(…, "wb")` truncates an empty file instead of creating one (measured
at 500 procedures: writing the pages went from about 1.2 s to 0.1 s). A thread would not do:
between its calls it holds the interpreter lock, and the build's own calls would wait for it.

Nothing here changes what is written: MkDocs still writes every file, and a folder or file made
here that MkDocs has already written is left as it is (files are opened to append nothing). If
the build fails, the empty files made here are removed again (`Outputs.discard`).

This file runs as a program (`python sitefiles.py make|delete`) and imports only the standard
library, so the process starts in a few milliseconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

PREVIOUS = ".wf-previous-build"  # hidden: MkDocs' clean leaves entries starting with "." alone


def _spawn(*args: str) -> subprocess.Popen | None:
    try:
        return subprocess.Popen([sys.executable, os.path.abspath(__file__), *args], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:  # no new process here: the caller does the work itself
        return None


def _send(process: subprocess.Popen, items: list[str]) -> bool:
    try:
        process.stdin.write("\0".join(items).encode("utf-8", "surrogateescape"))
        process.stdin.close()
        return True
    except OSError:
        return False


class OldSite:
    """The previous build's files, moved aside in one step and deleted beside the build.

    MkDocs empties the site folder before a full build (every entry but hidden ones), which on
    a large site with its search index is thousands of files to delete before anything else
    can start. Just before that (on_pre_build) they are moved into a hidden folder inside the
    site folder — renames, instant — which MkDocs leaves alone, and another process deletes it
    while the build goes on; the build waits for it before anything reads the site folder back
    (on_post_build). What MkDocs finds to delete, and what the site holds at the end, are the
    same as without this."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.thread: threading.Thread | None = None
        self.folders: list[Path] = []

    def sweep(self, site_dir: Path) -> None:
        self.wait()
        if not site_dir.is_dir():
            return
        old = [site_dir / e for e in os.listdir(site_dir) if e.startswith(PREVIOUS)]  # an interrupted build's
        try:
            trash = site_dir / f"{PREVIOUS}-{os.getpid()}-{len(old)}"
            trash.mkdir()
            old.append(trash)
            for entry in os.listdir(site_dir):
                if not entry.startswith("."):
                    os.rename(site_dir / entry, trash / entry)
        except OSError:
            pass  # whatever is left, MkDocs deletes itself
        if not old:
            return
        self.folders = old
        self.process = _spawn("delete")
        if self.process is None or not _send(self.process, [str(d) for d in old]):
            self.thread = threading.Thread(target=self._delete, name="old-site", daemon=True)
            self.thread.start()

    def _delete(self) -> None:
        for d in self.folders:
            shutil.rmtree(d, ignore_errors=True)

    def wait(self) -> None:
        if self.process is not None:
            self.process.wait()
            self.process = None
            self._delete()  # whatever it could not (normally nothing)
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        self.folders = []


class Outputs:
    """This build's folders, and its pages' files (empty), made before MkDocs writes them."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.pages: list[str] = []

    def make(self, folders: list[str], pages: list[str]) -> None:
        """Start making `folders` and the empty files `pages` (absolute paths)."""
        self.wait()
        self.pages = list(pages)
        self.process = _spawn("make")
        if self.process is not None:
            # folders first (each page's among them), then the files
            _send(self.process, sorted(set(folders) | {os.path.dirname(p) for p in pages}) + ["", *self.pages])

    def wait(self) -> None:
        if self.process is not None:
            self.process.wait()
            self.process = None

    def discard(self) -> None:
        """After a failed build: the files made here that MkDocs did not write are removed."""
        self.wait()
        for page in self.pages:
            try:
                if os.stat(page).st_size == 0:
                    os.unlink(page)
            except OSError:
                pass
        self.pages = []


def _make(items: list[str]) -> None:
    files = False
    for item in items:
        if not item:
            files = True  # the folders are done: now the files
        elif files:
            with open(item, "ab"):  # never truncates what MkDocs has written already
                pass
        else:
            os.makedirs(item, exist_ok=True)


def main(argv: list[str]) -> int:
    items = sys.stdin.buffer.read().decode("utf-8", "surrogateescape").split("\0")
    try:
        if argv == ["make"]:
            _make(items)
        elif argv == ["delete"]:
            for d in items:
                if d:
                    shutil.rmtree(d, ignore_errors=True)
        else:
            return 2
    except OSError:
        return 1  # MkDocs makes whatever is missing itself
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

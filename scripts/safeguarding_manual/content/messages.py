"""MkDocs' own warnings about links name the page but not the line. This logging filter adds
the file's repository path and the line of the link, so every message an editor sees has
the same `path:line:` shape as the manual's own findings."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Callable

NAV = re.compile(r"^A reference to '(?P<uri>[^']+)' is included in the 'nav' configuration")
DOC_FILE = re.compile(r"^Doc file '(?P<uri>[^']+)' contains (?:an? )?(?:[a-z]+ )*?link (?:to )?'(?P<link>[^']+)'")


class LineNumbers(logging.Filter):
    def __init__(self, source_of: Callable[[str], Path | None], root: Path) -> None:
        super().__init__()
        self.source_of, self.root = source_of, root

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
            m = DOC_FILE.match(message)
            nav = NAV.match(message) if not m else None
            if nav:  # a menu entry in mkdocs.yml that points nowhere
                source, link = self.root / "mkdocs.yml", nav.group("uri")
            elif m:
                source, link = self.source_of(m.group("uri")), m.group("link")
            else:
                return True
            if source is None or not source.is_file():
                return True
            line = 1
            for n, text in enumerate(source.read_text(encoding="utf-8", errors="replace").split("\n"), 1):
                if link in text:
                    line = n
                    break
            record.msg, record.args = f"{source.relative_to(self.root).as_posix()}:{line}: {message}", ()
        except (OSError, ValueError):
            pass  # the message goes out as MkDocs wrote it
        return True

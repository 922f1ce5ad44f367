"""Fast preview: which pages a `mkdocs serve --dirty` rebuild must redo.

MkDocs' dirty mode rebuilds only files newer than their output, which is fast but would
leave stale titles in pages that link to an edited procedure. Between rebuilds this remembers
each procedure's public face (title, status, headings, review date) and each generated page's
Markdown, so a rebuild redoes exactly: the edited pages, the pages that refer to a procedure
whose face changed, and the generated pages whose content changed. A change to configuration,
templates or data rebuilds everything. All through MkDocs' own rule: a generated page is a file
rewritten only when its Markdown changes (`source_file`), and a page to redo for another reason
gets an output older than any source (`outdate`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..content.corpus import Content


def face(content: Content) -> dict[str, str]:
    """What other pages show of each target: if this changes, they must be rebuilt."""
    out = {}
    for p in content.manual.procedures:
        out[p.id] = repr((p.title, p.status, p.site_path, sorted(p.anchors), p.next_review))
    for key, target in content.site.targets.items():
        out.setdefault(key, repr((target.title, target.site_path, sorted(target.anchors))))
    return out


def source_file(path: Path, markdown: str) -> Path:
    """A generated page's Markdown as a file, written only when it differs (so its time says
    when it last changed)."""
    try:
        if path.read_text(encoding="utf-8") == markdown:
            return path
    except OSError:
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown, encoding="utf-8")
    return path


def outdate(output: Path) -> None:
    """Make a built page look older than its sources, so the dirty build redoes it."""
    try:
        os.utime(output, ns=(0, 0))
    except OSError:
        pass  # not built yet: it is redone anyway


def global_stamp(paths: Iterable[Path]) -> str:
    """Changes here (configuration, theme overrides, data files) invalidate every page."""
    h = hashlib.sha1()
    for base in paths:
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
        for f in files:
            st = f.stat()
            h.update(f"{f}:{st.st_mtime_ns}:{st.st_size}".encode())
    return h.hexdigest()


@dataclass
class PreviewState:
    stamp: str = ""
    faces: dict[str, str] = field(default_factory=dict)
    generated: dict[str, str] = field(default_factory=dict)

    def plan(self, content: Content, generated: dict[str, str], stamp: str) -> tuple[bool, set[str], set[str]]:
        """(rebuild everything?, site paths to force, generated site paths unchanged)."""
        faces = face(content)
        everything = not self.faces or stamp != self.stamp
        changed = {k for k in faces.keys() | self.faces.keys() if faces.get(k) != self.faces.get(k)}
        force = {page for page, deps in content.dependencies.items() if deps & changed}
        unchanged = {sp for sp, md in generated.items() if self.generated.get(sp) == md}
        self.stamp, self.faces, self.generated = stamp, faces, dict(generated)
        return everything, force, unchanged

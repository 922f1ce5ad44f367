"""A small on-disk cache of parsed source files, keyed by path, size and modification time.

Parsing 500 front matters with YAML is most of the time the checks and the preview take; a
file that has not changed since the last run is not parsed again. The cache is only an
optimisation: it is ignored whenever it is missing, stale, from another version or unreadable.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

VERSION = 3  # bump when what is cached changes shape
ENABLED = os.environ.get("MANUAL_CACHE", "1") not in ("0", "")


class FileCache:
    def __init__(self, root: Path, name: str = "parsed-sources.pickle"):
        self.path = root / ".cache" / "manual" / name
        self.entries: dict[str, tuple[tuple[int, int], Any]] = {}
        self.dirty = False
        if ENABLED and self.path.is_file():
            try:
                with self.path.open("rb") as fh:
                    version, entries = pickle.load(fh)
                if version == VERSION:
                    self.entries = entries
            except Exception:  # a damaged cache is simply rebuilt
                self.entries = {}

    @staticmethod
    def key(file: Path) -> tuple[int, int]:
        st = file.stat()
        return st.st_mtime_ns, st.st_size

    def get(self, rel: str, file: Path) -> Any:
        entry = self.entries.get(rel)
        if entry is not None and entry[0] == self.key(file):
            return entry[1]
        return None

    def put(self, rel: str, file: Path, value: Any) -> None:
        self.entries[rel] = (self.key(file), value)
        self.dirty = True

    def save(self) -> None:
        if not (ENABLED and self.dirty):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((VERSION, self.entries), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)  # atomic: a reader never sees half a cache
            self.dirty = False
        except OSError:
            pass  # a read-only checkout simply runs without a cache

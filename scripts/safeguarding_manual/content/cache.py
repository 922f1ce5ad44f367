"""A small on-disk cache of parsed source files, keyed by path and the file's content hash.

Parsing 500 front matters with YAML is most of the time the checks and the preview take; a
file that has not changed since the last run is not parsed again. The cache is only an
optimisation: it is ignored whenever it is missing, stale, from another version or unreadable.
It is keyed on what the file holds (not its size and time, which an edit can leave unchanged),
so a page changed to `draft` is never served from an older parse.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

VERSION = 4  # bump when what is cached changes shape
ENABLED = os.environ.get("MANUAL_CACHE", "1") not in ("0", "")


class FileCache:
    def __init__(self, root: Path, name: str = "parsed-sources.pickle"):
        self.path = root / ".cache" / "manual" / name
        self.entries: dict[str, tuple[bytes, Any]] = {}
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
    def key(raw: bytes) -> bytes:
        return hashlib.blake2b(raw, digest_size=20).digest()

    def get(self, rel: str, raw: bytes) -> Any:
        entry = self.entries.get(rel)
        if entry is not None and entry[0] == self.key(raw):
            return entry[1]
        return None

    def put(self, rel: str, raw: bytes, value: Any) -> None:
        self.entries[rel] = (self.key(raw), value)
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

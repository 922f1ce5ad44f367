"""A small on-disk cache of parsed source files, keyed by path and the file's content hash.

Parsing 500 front matters with YAML is most of the time the checks and the preview take; a
file that has not changed since the last run is not parsed again. The cache is only an
optimisation: it is ignored whenever it is missing, stale, from another version or unreadable.
It is keyed on what the file holds (not its size and time, which an edit can leave unchanged),
so a page changed to `draft` is never served from an older parse.

It is plain data (JSON; dates tagged), never pickle, and it lives in the user's cache folder
(`$XDG_CACHE_HOME`, else `~/.cache`), one folder per project, not in the project: a file that
arrives with a change to the repository can neither run code nor stand in for a page. Every
entry is checked for shape when read; one that is not as written here is parsed again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

VERSION = 6  # bump when what is cached changes shape
def enabled() -> bool:
    """Caches are on unless the environment says MANUAL_CACHE=0 (or false, no, or empty)."""
    return os.environ.get("MANUAL_CACHE", "1").strip().lower() not in ("0", "", "false", "no")


MAX_BYTES = 128 * 1024 * 1024  # a cache file larger than this is not read


def _own_folder(path: Path) -> bool:
    """`path` exists (made now if need be), is a folder of this user's, and no one else may
    write in it."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = path.stat()
    except OSError:
        return False
    if not hasattr(os, "getuid"):
        return True
    return st.st_uid == os.getuid() and not st.st_mode & 0o022 and os.access(path, os.W_OK)


def cache_root() -> Path | None:
    """The user's cache folder for this project's tools: `$XDG_CACHE_HOME`, else `~/.cache`,
    else (no home folder) one of this user's own in the temporary folder."""
    home = os.path.expanduser("~")
    base = os.environ.get("XDG_CACHE_HOME") or (os.path.join(home, ".cache") if home != "~" else "")
    candidates = [Path(base) / "wfscp-manual"] if base and os.path.isabs(base) else []
    uid = os.getuid() if hasattr(os, "getuid") else 0
    candidates.append(Path(tempfile.gettempdir()) / f"wfscp-manual-{uid}")
    return next((c for c in candidates if _own_folder(c)), None)


def user_cache(project_root: Path, kind: str) -> Path | None:
    """This project's folder for `kind` in the user's cache folder, outside the project. None
    where there is no such folder."""
    root = cache_root()
    if root is None:
        return None
    name = hashlib.blake2b(str(Path(project_root).resolve()).encode("utf-8", "surrogatepass"),
                           digest_size=12).hexdigest()
    return root / f"{name}-{kind}"


class Unsupported(ValueError):
    """A value this cache does not carry (then the file is parsed as usual)."""


def to_data(value: Any) -> Any:
    """YAML's values as JSON: dates and times tagged (`{"$date": …}`), everything else as it
    is. A mapping with a key starting with `$` is not carried (it could read as a tag)."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if type(value) is dt.datetime:
        return {"$datetime": value.isoformat()}
    if type(value) is dt.date:
        return {"$date": value.isoformat()}
    if type(value) in (list, tuple):
        return [to_data(v) for v in value]
    if type(value) is dict and all(type(k) is str and not k.startswith("$") for k in value):
        return {k: to_data(v) for k, v in value.items()}
    raise Unsupported(type(value).__name__)


def _tagged(obj: dict) -> Any:
    """json.loads' object_hook: tagged dates back to dates."""
    if len(obj) == 1:
        (tag, inner), = obj.items()
        if tag in ("$date", "$datetime"):
            if type(inner) is not str:
                raise Unsupported("date")
            try:
                return (dt.date if tag == "$date" else dt.datetime).fromisoformat(inner)
            except ValueError as exc:
                raise Unsupported("date") from exc
    if any(k.startswith("$") for k in obj):
        raise Unsupported("tag")
    return obj


def lines_to_data(lines: dict[tuple, int]) -> list:
    """A line map ({("key",) or ("key", index): line}) as JSON."""
    return [[list(k), v] for k, v in lines.items()]


def lines_from_data(value: Any) -> dict[tuple, int]:
    if type(value) is not list:
        raise Unsupported("lines")
    lines = {}
    for entry in value:
        if type(entry) is not list or len(entry) != 2:
            raise Unsupported("lines")
        key, line = entry
        if type(key) is not list or type(line) is not int or not all(type(k) in (str, int) for k in key):
            raise Unsupported("lines")
        lines[tuple(key)] = line
    return lines


class FileCache:
    def __init__(self, root: Path, name: str = "parsed-sources.json",
                 encode=None, decode=None):
        """`encode(value)` gives plain data for a parsed file, `decode(data)` the parsed file
        again (raising Unsupported, ValueError or TypeError on anything else)."""
        folder = user_cache(root, "sources")
        self.path = folder / name if folder is not None else None
        self.encode, self.decode = encode or to_data, decode or (lambda value: value)
        self.entries: dict[str, tuple[str, Any]] = {}
        self.dirty = False
        if enabled() and self.path is not None:
            try:
                if self.path.stat().st_size <= MAX_BYTES:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                    if type(data) is dict and data.get("version") == VERSION and type(data.get("files")) is dict:
                        self.entries = {rel: (e[0], e[1]) for rel, e in data["files"].items()
                                        if type(e) is list and len(e) == 2 and type(e[0]) is str and type(e[1]) is str}
            except (OSError, ValueError, RecursionError):  # a damaged cache is simply rebuilt (Unsupported too)
                self.entries = {}

    @staticmethod
    def key(raw: bytes) -> str:
        return hashlib.blake2b(raw, digest_size=20).hexdigest()

    def get(self, rel: str, raw: bytes) -> Any:
        entry = self.entries.get(rel)
        if entry is None or entry[0] != self.key(raw):
            return None
        try:  # each entry is JSON text of its own: every read gives fresh objects
            return self.decode(json.loads(entry[1], object_hook=_tagged))
        except (Unsupported, ValueError, TypeError, KeyError, RecursionError):
            return None

    def put(self, rel: str, raw: bytes, value: Any) -> None:
        try:
            self.entries[rel] = (self.key(raw), json.dumps(self.encode(value), ensure_ascii=False,
                                                           separators=(",", ":")))
            self.dirty = True
        except (Unsupported, RecursionError):
            self.entries.pop(rel, None)

    def save(self) -> None:
        if not (enabled() and self.dirty) or self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps({"version": VERSION, "files": {k: list(v) for k, v in self.entries.items()}},
                                    ensure_ascii=False, separators=(",", ":")))  # dumps: the C encoder
            os.replace(tmp, self.path)  # atomic: a reader never sees half a cache
            self.dirty = False
        except OSError:
            pass  # no writable cache folder: simply run without a cache

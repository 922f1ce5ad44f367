"""Parsed pages kept between builds, and the plain-data form in which parsed pages travel.

prerender.py hands MkDocs the element tree Python-Markdown reached for a page (after its own
parsing and inline processing, before MkDocs' tree-processors). That tree is written here as
plain data — JSON of lists, strings and numbers, never pickle — both to send it from the helper
process to the build and to keep it for the next build: a page whose text, Markdown extensions
and their settings have not changed since the last build is not parsed again. MkDocs' own
processors (links, anchors, title) and the serializer still run on it in every build, so every
link is checked and every warning raised as in a build without it.

What a cache entry is for is in its key: a hash of the exact text converted and of a
fingerprint of everything else the tree depends on (the extensions, their settings, the
versions of Python-Markdown and its extension packages, this code). Nothing else is trusted:
an entry that does not decode to the expected shape is ignored, and the page is parsed. The
cache lives in the user's cache folder (`$XDG_CACHE_HOME`, else `~/.cache`), outside the
project, so a file committed to the repository can never stand in for a page's text; it holds
the pages of the last build first and a limited number of others (it does not keep growing),
and is written whole, atomically.
Everything the trees become is sanitised afterwards like any page (sanitize.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as etree

from markdown.util import AtomicString

from ..content.cache import cache_root

FORMAT = 1  # raise when what is stored changes
MAX_BYTES = 256 * 1024 * 1024  # a cache file larger than this is not read
KEEP = 1200  # pages kept at least (this build's first, then the most recent others)


class Unsupported(ValueError):
    """A tree this form cannot carry exactly (then the page is parsed as usual)."""


def _text(value: str | None) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unsupported("text")
    return [value] if isinstance(value, AtomicString) else str(value)


def _untext(value: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    if type(value) is list and len(value) == 1 and type(value[0]) is str:
        return AtomicString(value[0])
    raise Unsupported("text")


def _element(el: etree.Element) -> list:
    if not isinstance(el.tag, str):  # comments and processing instructions: not carried
        raise Unsupported("tag")
    return [el.tag, dict(el.attrib), _text(el.text), _text(el.tail), [_element(child) for child in el]]


def _unelement(value: Any, depth: int = 0) -> etree.Element:
    if type(value) is not list or len(value) != 5 or depth > 2000:
        raise Unsupported("element")
    tag, attrib, text, tail, children = value
    if type(tag) is not str or type(attrib) is not dict or type(children) is not list or \
            not all(type(k) is str and type(v) is str for k, v in attrib.items()):
        raise Unsupported("element")
    el = etree.Element(tag, attrib)
    el.text, el.tail = _untext(text), _untext(tail)
    el.extend(_unelement(child, depth + 1) for child in children)
    return el


def _stash_item(item: Any) -> Any:
    if isinstance(item, etree.Element):
        return {"element": _element(item)}
    if isinstance(item, str):
        return str(item)
    raise Unsupported("stash")


def _unstash_item(item: Any) -> Any:
    if type(item) is str:
        return item
    if type(item) is dict and set(item) == {"element"}:
        return _unelement(item["element"])
    raise Unsupported("stash")


def _plain(value: Any) -> Any:
    """toc_tokens: lists and dicts of strings and numbers (checked, both ways)."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {str(k): _plain(v) for k, v in value.items()}
    raise Unsupported("value")


def encode(root: etree.Element, stash: dict, toc_tokens: Any, toc: Any, before: list[str],
           after: list[str], preprocessors: list[str]) -> str:
    """A page's parsed state as JSON text. Raises Unsupported for what it cannot carry exactly."""
    if set(stash) - {"html_counter", "rawHtmlBlocks", "tag_counter", "tag_data"}:
        raise Unsupported("stash")
    return json.dumps({
        "root": _element(root),
        "stash": {"html_counter": stash.get("html_counter", 0), "tag_counter": stash.get("tag_counter", 0),
                  "rawHtmlBlocks": [_stash_item(i) for i in stash.get("rawHtmlBlocks", [])],
                  "tag_data": _plain(stash.get("tag_data", []))},
        "toc_tokens": _plain(toc_tokens), "toc": _plain(toc),
        "before": list(before), "after": list(after), "preprocessors": list(preprocessors),
    }, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> dict:
    """The parsed state again (fresh objects each time). Raises Unsupported on anything else."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Unsupported("json") from exc
    if type(data) is not dict:
        raise Unsupported("shape")
    stash = data.get("stash")
    if type(stash) is not dict or type(stash.get("rawHtmlBlocks")) is not list:
        raise Unsupported("stash")
    names = [data.get(k) for k in ("before", "after", "preprocessors")]
    if not all(type(n) is list and all(type(s) is str for s in n) for n in names):
        raise Unsupported("names")
    if not (type(stash.get("html_counter")) is int and type(stash.get("tag_counter")) is int
            and type(stash.get("tag_data")) is list):
        raise Unsupported("stash")
    if data.get("toc") is not None and type(data.get("toc")) is not str:
        raise Unsupported("toc")
    try:
        root = _unelement(data.get("root"))
        blocks = [_unstash_item(i) for i in stash["rawHtmlBlocks"]]
    except RecursionError as exc:
        raise Unsupported("depth") from exc
    return {"root": root,
            "stash": {"html_counter": stash["html_counter"], "tag_counter": stash["tag_counter"],
                      "rawHtmlBlocks": blocks, "tag_data": stash["tag_data"]},
            "toc_tokens": data.get("toc_tokens"), "toc": data.get("toc"),
            "before": names[0], "after": names[1], "preprocessors": names[2]}


# --- the cache ----------------------------------------------------------------------------

def cache_file(project_root: Path | None = None) -> Path | None:
    """Where parsed pages are kept: one file for every project of this user (an entry's key
    says what it is for, so a copy of the manual in another folder finds its pages too)."""
    root = cache_root()
    return root / "parsed-pages.json" if root is not None else None


def fingerprint(extensions: list, configs: dict) -> str:
    """Everything besides the text that a parsed tree depends on."""
    import markdown
    parts: dict[str, Any] = {"format": FORMAT, "python": sys.version_info[:2], "markdown": markdown.__version__}
    for module in ("pymdownx", "mkdocs", "properdocs"):
        found = sys.modules.get(module)
        parts[module] = getattr(found, "__version__", None) if found else None
    names = []
    for ext in extensions:
        if isinstance(ext, str):
            names.append(ext)
        else:
            kind = type(ext)
            names.append(f"{kind.__module__}.{kind.__qualname__}")
            config = getattr(ext, "getConfigs", None)
            if callable(config):
                names.append(repr(sorted((k, repr(v)) for k, v in config().items())))
    parts["extensions"] = names
    parts["configs"] = json.dumps(configs or {}, sort_keys=True, default=repr)
    # this package's Markdown code (the hand-over and the per-page trimming)
    here = Path(__file__).resolve().parent
    parts["code"] = hashlib.blake2b(b"".join((here / n).read_bytes() for n in ("prerender.py", "trim.py", "treecache.py")
                                             if (here / n).is_file()), digest_size=16).hexdigest()
    return hashlib.blake2b(json.dumps(parts, sort_keys=True, default=repr).encode("utf-8"), digest_size=16).hexdigest()


class TreeCache:
    """The parsed pages of the last build, by key (see above); `save()` keeps this build's."""

    def __init__(self, path: Path | None, fingerprint: str) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.entries: dict[str, str] = {}
        self.kept: dict[str, str] = {}
        self.hits = 0
        if path is None:
            return
        try:
            if path.stat().st_size <= MAX_BYTES:
                data = json.loads(path.read_text(encoding="utf-8"))
                if type(data) is dict and data.get("format") == FORMAT and type(data.get("pages")) is dict:
                    self.entries = {k: v for k, v in data["pages"].items() if type(k) is str and type(v) is str}
        except (OSError, ValueError, RecursionError):
            self.entries = {}

    def key(self, digest: bytes) -> str:
        return hashlib.blake2b(self.fingerprint.encode("ascii") + digest, digest_size=20).hexdigest()

    def get(self, digest: bytes) -> str | None:
        key = self.key(digest)
        found = self.entries.get(key)
        if found is not None:
            self.kept[key] = found
            self.hits += 1
        return found

    def put(self, digest: bytes, encoded: str) -> None:
        self.kept[self.key(digest)] = encoded

    def save(self) -> None:
        """Write this build's pages first, then the most recent others up to a limit (twice
        this build's, at least KEEP): the file never grows much past one manual."""
        if self.path is None or not self.kept:
            return
        new = len(set(self.kept) - set(self.entries))
        if new == 0 or (self.entries and new <= len(self.kept) // 20):
            # nothing new, or a few pages: those whose text changes at every build (generated
            # pages carry a new token each build, so that page text cannot forge their parts)
            # or an edit or two, not worth rewriting the file for
            return
        pages = dict(self.kept)
        limit = max(2 * len(self.kept), KEEP)
        for key, value in self.entries.items():
            if len(pages) >= limit:
                break
            pages.setdefault(key, value)
        self.kept = pages
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=self.path.parent, delete=False,
                                             prefix=".pages-", suffix=".tmp") as f:
                f.write(json.dumps({"format": FORMAT, "pages": self.kept}, ensure_ascii=False,
                                   separators=(",", ":")))  # dumps: the C encoder
            os.replace(f.name, self.path)
        except OSError:
            try:
                os.unlink(f.name)  # type: ignore[possibly-undefined]
            except (OSError, NameError):
                pass

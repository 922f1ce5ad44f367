"""The "Save for offline use" bundle: which built files a reader's device keeps, written to
`offline.json` at the site root after each build.

The list is worked out from the finished site folder alone (no MkDocs here): the pages under
the folders the manual saves (procedures, Threshold of Need, arrangements, glossary, A–Z of
topics and the home page), as their directory URLs (`procedures/core/neglect/`), and the
files those pages load — stylesheets, scripts, icons and pictures, and what the stylesheets
themselves load — plus the site's own scripts and styles (`overrides/assets`). Search
(`pagefind/`), PDFs and the editors' pages are never in it.

    {"version": "<hash of the list and of every file>", "built": "YYYY-MM-DD",
     "files": [{"url": "procedures/", "bytes": 18234}, ...], "bytes": <total>}

The version changes whenever any saved file changes, so a reader's browser can tell that
its copy is out of date. The service worker (`overrides/assets/javascripts/sw.js`) is
published at the site root as `sw.js`, so that its scope is the whole site.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import posixpath
import re
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import unquote, urlsplit

MANIFEST = "offline.json"
WORKER = "sw.js"  # at the site root: a worker's scope is the folder it is served from
WORKER_SOURCE = "assets/javascripts/sw.js"  # where the theme (overrides/) holds it
# Folders of pages that are saved ("" is the home page alone). The procedures folder is
# passed in by the plugin, as mkdocs.yml may name it differently.
SAVED_FOLDERS = ("threshold/", "arrangements/", "glossary/", "topics/")
NEVER = ("pagefind/", "editors/")  # search index, editors' pages: never saved
SUPERSEDED = "/versions/"  # earlier versions of procedures (versions.py): never saved
NEVER_TYPES = (".pdf", ".map", ".md")

# The tags of a page that load a file, and the attribute that names it.
_TAG = re.compile(r"<(link|script|img|source)\b([^>]*)>", re.I)
_ATTR = re.compile(r"""\s(href|src|srcset|rel)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_LOADED_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload"}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.I)


def _local(base: str, ref: str) -> str | None:
    """`ref` (as written in a page or stylesheet at site path `base`) as a path inside the site,
    or None for other sites, data: URIs and anything leaving the site folder."""
    ref = ref.strip()
    parts = urlsplit(ref)
    if not ref or parts.scheme or parts.netloc or ref.startswith(("#", "//")):
        return None
    path = unquote(parts.path)
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(posixpath.dirname(base), path)
    normal = posixpath.normpath(joined) if joined else ""
    if normal in ("", ".") or normal.startswith("../") or normal == "..":
        return None
    return normal


def _page_url(rel: str) -> str:
    """The URL of a built page, relative to the site root: `procedures/core/neglect/` for
    `procedures/core/neglect/index.html` (directory URLs), the file's path otherwise."""
    if rel == "index.html":
        return ""
    return rel[: -len("index.html")] if rel.endswith("/index.html") else rel


def _saved_page(url: str, folders: Sequence[str]) -> bool:
    if url.startswith(NEVER) or SUPERSEDED in f"/{url}":
        return False
    return url == "" or url.startswith(tuple(folders))


def _references(base: str, text: str) -> list[str]:
    """Files a page loads: <link rel=stylesheet|icon|preload>, <script src>, <img>, <source>."""
    out = []
    for tag, attrs in _TAG.findall(text):
        values = {k.lower(): v.strip("\"'") for k, v in _ATTR.findall(attrs)}
        tag = tag.lower()
        if tag == "link":
            if not _LOADED_RELS & set(values.get("rel", "").lower().split()):
                continue  # canonical, next/prev, alternate: other pages, not files this one needs
            refs = [values.get("href", "")]
        else:
            refs = [values.get("src", "")]
            refs += [c.split()[0] for c in values.get("srcset", "").split(",") if c.split()]
        out += [p for p in (_local(base, r) for r in refs if r) if p]
    return out


def manifest(site_dir: Path, procedures: str = "procedures", own_assets: Iterable[str] = (),
             built: dt.date | None = None) -> dict:
    """What "Save for offline use" stores, computed from the built site in `site_dir`.
    `own_assets` are the site's own files (paths relative to the site root, e.g.
    `assets/javascripts/manual.js`), saved whether or not a page names them (search.js is
    loaded by manual.js only when someone types)."""
    site_dir = Path(site_dir)
    folders = (procedures.strip("/") + "/", *SAVED_FOLDERS)
    entries: dict[str, Path] = {}  # url -> file
    wanted: list[str] = []  # files the saved pages (and stylesheets) load, still to look at
    for html in sorted(site_dir.rglob("*.html")):
        rel = html.relative_to(site_dir).as_posix()
        url = _page_url(rel)
        if rel == "404.html" or not _saved_page(url, folders):
            continue
        entries[url] = html
        text = html.read_text(encoding="utf-8", errors="replace")
        wanted += _references(rel, text)
    wanted += [a.lstrip("/") for a in own_assets]
    seen: set[str] = set()
    while wanted:
        path = wanted.pop()
        if path in seen:
            continue
        seen.add(path)
        file = site_dir / path
        if (path.startswith(NEVER) or path.lower().endswith(NEVER_TYPES + (".html",))
                or path in (WORKER, MANIFEST) or not file.is_file()):
            continue  # the worker is fetched by the browser itself, never from the saved copy
        entries[path] = file
        if path.endswith(".css"):
            css = file.read_text(encoding="utf-8", errors="replace")
            for m in _CSS_URL.finditer(css):
                ref = m.group(2) or m.group(4)
                if ref and not ref.strip().startswith("data:"):
                    local = _local(path, ref)
                    if local:
                        wanted.append(local)
    files, digest = [], hashlib.sha256()
    for url in sorted(entries):
        data = entries[url].read_bytes()
        files.append({"url": url, "bytes": len(data)})
        digest.update(f"{url}\0{hashlib.sha256(data).hexdigest()}\n".encode())
    return {"version": digest.hexdigest()[:16], "built": (built or dt.date.today()).isoformat(),
            "files": files, "bytes": sum(f["bytes"] for f in files)}


def write(site_dir: Path, procedures: str = "procedures", own_assets: Iterable[str] = (),
          built: dt.date | None = None) -> dict:
    """Write `offline.json` at the root of `site_dir`; returns what was written."""
    data = manifest(site_dir, procedures, own_assets, built)
    (Path(site_dir) / MANIFEST).write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    return data


def own_assets(theme_dir: Path) -> list[str]:
    """The site's own scripts and styles (overrides/assets) as paths in the built site."""
    folder = Path(theme_dir) / "assets"
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(theme_dir).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.relative_to(theme_dir).as_posix() != WORKER_SOURCE)

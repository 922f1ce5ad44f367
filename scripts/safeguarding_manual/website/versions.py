"""The manual's memory: every earlier version of each procedure, read from git history.

Practice reviews and complaints ask which procedure was in force when something happened. A
new version is recorded whenever a procedure's front-matter `version` changes; its dates come
from its own front matter (`approved_on`, else `last_reviewed`), never from commit times. The
text kept for a version is the file as it last stood while it had that version.

History is read once per build: one `git log` over the procedures folder (which commit touched
which file, with the file's blob id) and one `git cat-file --batch` for the texts — two
processes, whatever the number of procedures or commits. A shallow clone, or no git at all, is
said plainly and never fails the build.

Nothing here imports MkDocs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..content import frontmatter
from ..content.findings import ContentError
from ..content.references import XREF_ONLY
from ..content.schema import PUBLISHED

SAFE_VERSION = re.compile(r"[^a-z0-9.]+")


@dataclass
class Version:
    procedure_id: str
    version: str
    title: str
    body: str
    status: str
    start: dt.date | None  # in force from (approved_on, else last_reviewed, of that version)
    commit: str = ""
    end: dt.date | None = None  # superseded on (the next version's start)
    next_version: str | None = None
    previous: "Version | None" = None
    page: str = ""  # the page's name under versions/ (the version, made safe and unique)

    @property
    def slug(self) -> str:
        return self.page or version_slug(self.version)


@dataclass
class History:
    versions: dict[str, list[Version]] = field(default_factory=dict)  # id -> oldest first, current excluded
    available: bool = True  # a git repository was found
    shallow: bool = False  # its history is cut short (a shallow clone)
    note: str = ""  # what to tell readers when history is missing or partial

    def earlier(self, procedure_id: str) -> list[Version]:
        return self.versions.get(procedure_id, [])


def version_slug(version: str) -> str:
    return SAFE_VERSION.sub("-", str(version).lower()).strip("-.") or "version"


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes | None:
    try:
        run = subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return run.stdout if run.returncode == 0 else None


def _log(root: Path, folder: str) -> list[tuple[str, str, str]]:
    """(commit, path, blob) for every added or modified file under `folder`, newest first."""
    out = _git(root, "log", "--format=%x00%H", "--raw", "--no-abbrev", "--no-renames", "--no-merges",
               "--", folder)
    entries: list[tuple[str, str, str]] = []
    commit = ""
    for line in (out or b"").decode("utf-8", "replace").splitlines():
        if line.startswith("\x00"):
            commit = line[1:].strip()
        elif line.startswith(":"):
            meta, _, path = line.partition("\t")
            parts = meta.split()
            if len(parts) >= 5 and parts[4][:1] in "AM" and path.endswith(".md"):
                entries.append((commit, path, parts[3]))
    return entries


def _blobs(root: Path, ids: list[str]) -> dict[str, bytes]:
    """The contents of many blobs from one `git cat-file --batch`."""
    if not ids:
        return {}
    raw = _git(root, "cat-file", "--batch", stdin=("\n".join(ids) + "\n").encode())
    out: dict[str, bytes] = {}
    pos = 0
    data = raw or b""
    while pos < len(data):
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue
        size = int(header[2])
        out[header[0].decode()] = data[pos:pos + size]
        pos += size + 1
    return out


def read(root: Path, procedures_dir: str, current: dict[str, str]) -> History:
    """Earlier versions of each procedure. `current` maps procedure id -> current version."""
    root = Path(root)
    if _git(root, "rev-parse", "--git-dir") is None:
        return History(available=False, note="The history of this copy of the manual is not "
                       "available, so earlier versions are not shown.")
    shallow = (_git(root, "rev-parse", "--is-shallow-repository") or b"").strip() == b"true"
    # git paths are relative to the top of the repository, which may be above `root`
    top = (_git(root, "rev-parse", "--show-toplevel") or b"").decode().strip()
    prefix = ""
    if top:
        try:
            prefix = Path(root).resolve().relative_to(Path(top).resolve()).as_posix()
        except ValueError:
            prefix = ""
    folder = f"{prefix}/{procedures_dir}".strip("/") if prefix not in ("", ".") else procedures_dir
    entries = _log(root, folder)
    texts = _blobs(root, sorted({blob for _, _, blob in entries}))
    found: dict[str, list[Version]] = {}
    for commit, path, blob in reversed(entries):  # oldest first
        raw = texts.get(blob)
        if raw is None:
            continue
        try:
            doc = frontmatter.read(path, raw)
        except ContentError:
            continue  # a broken file in history was never published as it stood
        meta = doc.meta
        pid = str(meta.get("id") or Path(path).stem)
        status = str(meta.get("status") or "approved").strip().lower()
        version = meta.get("version")
        if version is None or status not in PUBLISHED:
            continue  # drafts were never published; unversioned text has no version to keep
        v = Version(pid, str(version), str(meta.get("title") or pid), doc.body, status,
                    _date(meta.get("approved_on")) or _date(meta.get("last_reviewed")), commit)
        chain = found.setdefault(pid, [])
        if chain and chain[-1].version == v.version:
            chain[-1] = v  # the same version, edited: keep the text as it last stood
        elif any(c.version == v.version for c in chain):
            continue  # a version number used again later is the same version
        else:
            chain.append(v)
    history = History(shallow=shallow)
    if shallow:
        history.note = ("This copy of the manual's history is incomplete (a shallow clone), so "
                        "some earlier versions may be missing.")
    for pid, chain in found.items():
        now = current.get(pid)
        if now is None:
            continue  # a procedure no longer published keeps no version pages
        earlier = [v for v in chain if v.version != now]
        if not earlier:
            continue
        later = [v for v in chain if v.version == now]
        used: set[str] = set()
        for v in earlier:  # two version numbers that read alike ("1.0", "1-0") get two pages
            slug, n = v.slug, 2
            while slug in used or slug == version_slug(now):
                slug, n = f"{v.slug}-{n}", n + 1
            used.add(slug)
            v.page = slug
        for i, v in enumerate(earlier):
            following = earlier[i + 1] if i + 1 < len(earlier) else (later[0] if later else None)
            v.previous = earlier[i - 1] if i else None
            v.next_version = following.version if following else now
            v.end = following.start if following else None
        history.versions[pid] = earlier
    return history


# --- comparing two versions --------------------------------------------------------------

WORDS = re.compile(r"\S+|\n\n+")


def compare(before: str, after: str) -> list[list[tuple[str, str]]]:
    """A word-level comparison: paragraphs of (kind, text) with kind "same", "added" or
    "removed". Only paragraphs with a change are kept, with a little context."""
    a, b = WORDS.findall(before), WORDS.findall(after)
    ops: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops += [("same", w) for w in a[i1:i2]]
        else:
            ops += [("removed", w) for w in a[i1:i2]]
            ops += [("added", w) for w in b[j1:j2]]
    paragraphs: list[list[tuple[str, str]]] = [[]]
    for kind, word in ops:
        if word.startswith("\n"):
            if kind == "same" or paragraphs[-1]:
                paragraphs.append([])
            continue
        para = paragraphs[-1]
        if para and para[-1][0] == kind:
            para[-1] = (kind, para[-1][1] + " " + word)
        else:
            para.append((kind, word))
    return [p for p in paragraphs if any(k != "same" for k, _ in p)]


def counts(paragraphs: list[list[tuple[str, str]]]) -> tuple[int, int]:
    added = sum(len(t.split()) for p in paragraphs for k, t in p if k == "added")
    removed = sum(len(t.split()) for p in paragraphs for k, t in p if k == "removed")
    return added, removed


# --- the text of an earlier version ------------------------------------------------------

MD_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]\n]+)\]\((?P<dest>[^)\s]+)\)")


def as_it_stood(body: str, titles: dict[str, str]) -> str:
    """An earlier version's Markdown, made safe to show today: references become the plain
    names of what they pointed to (the pages, headings and contacts may have changed since),
    and links to other pages of the manual become their words."""
    def ref(m: re.Match) -> str:
        if m.group("text"):
            return m.group("text")
        target = m.group("target").strip()
        return titles.get(target, target.replace("contact:", "").replace("-", " "))

    body = XREF_ONLY.sub(ref, body)
    return MD_LINK.sub(lambda m: m.group("text") if not re.match(r"(?i)https?://|mailto:", m.group("dest"))
                       else m.group(0), body)

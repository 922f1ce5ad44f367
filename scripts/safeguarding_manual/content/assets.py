"""Which files from the content folders may be published.

Only files that really are inside the repository (every path is resolved, so a link to a
folder elsewhere publishes nothing), only kinds a reader needs (pages, pictures, PDFs), and
pictures judged by what the file holds, not by its name: an "image" that is really HTML or
an SVG drawing (which can carry scripts) is refused. Nothing `.html` or `.js` comes from
content: the site's own code lives in `overrides/`.
"""

from __future__ import annotations

from pathlib import Path

IMAGE_TYPES = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "webp": "WebP"}
PUBLISHABLE = {*IMAGE_TYPES, "pdf", "md"}
MAX_BYTES = 20_000_000


def sniff(head: bytes) -> str | None:
    """The picture format a file's first bytes say it is (PNG, JPEG, GIF, WebP), else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return None


def inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError):
        return False


def problem(root: Path, path: Path, allowed: set[str] = PUBLISHABLE) -> str | None:
    """Why this file must not be published (None if it may be). Messages name the fix."""
    if not inside(root, path):
        return ("this is a link to a file or folder outside the repository — nothing outside it is "
                "ever published; copy the file in instead")
    if path.is_dir():
        return "folders are not published from here — move the files up, or into a section folder"
    ext = path.suffix.lower().lstrip(".")
    if ext in ("md", "markdown", "mdown", "mkd", "mkdn") and path.suffix != ".md":
        return (f'"{path.name}" is not read as a page: pages must end in `.md` (lower case) — '
                f"rename it to `{path.stem}.md`")
    if ext == "svg":
        return ("SVG drawings are not published (they can carry scripts) — save the picture as "
                "PNG and use that file instead")
    if ext not in allowed:
        kinds = ", ".join(sorted(e for e in allowed if e != "jpeg"))
        return (f"`.{ext or '(no extension)'}` files are not published from the content folders — "
                f"only {kinds}; the site's own scripts and styles live in overrides/")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return "the file cannot be read — check it is a real file"
    if size > MAX_BYTES:
        return f"the file is {size / 1e6:.0f} MB; files on the site must be under {MAX_BYTES // 1_000_000} MB"
    if ext in IMAGE_TYPES:
        kind = sniff(head)
        if kind is None:
            return (f"this file is named .{ext} but is not a {IMAGE_TYPES[ext]} picture — open it in "
                    "an image editor and save it again as PNG or JPEG")
        if kind != IMAGE_TYPES[ext]:
            return f"this file is a {kind} picture named .{ext} — rename it to the right extension"
    if ext == "pdf" and not head.startswith(b"%PDF-"):
        return "this file is named .pdf but is not a PDF — export it again as PDF"
    return None

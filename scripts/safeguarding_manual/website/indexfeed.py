"""What the search indexer reads, written while the build writes the site.

Pagefind reads HTML files from a folder. A finished page of the site is mostly the theme's
frame (menu, header, footer, icons); what Pagefind takes from it is the indexed part, the
page's `<title>` and first heading, and its language (search.index_source cuts exactly these
out). Those cut-outs are handed to this program as the pages are finished, and it writes each
under the page's own path in a folder of their own; Pagefind then indexes that folder instead
of the site — a third of the bytes to parse — with the same results (tests/test_search_index.py
compares the two indexes file by file). A program of its own, so that making some five hundred
files costs the build nothing but a pipe write per page.

Run as `python indexfeed.py FOLDER`; it reads records from standard input, each a 4-byte
big-endian length and the UTF-8 text of `relative/path.html` NUL `html`, until an empty record
(a NUL alone) or the end of the input. Standard library only.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import PurePosixPath

HEADER = struct.Struct(">I")


def record(path: str, html: str) -> bytes:
    body = f"{path}\0{html}".encode("utf-8", "surrogatepass")
    return HEADER.pack(len(body)) + body


def safe_path(path: str) -> bool:
    """A relative path inside the folder (the paths are MkDocs' own, checked all the same)."""
    p = PurePosixPath(path)
    return bool(path) and not p.is_absolute() and ".." not in p.parts and "\\" not in path and "\0" not in path


def write(folder: str, stream) -> int:
    made: set[str] = set()
    count = 0
    while True:
        head = stream.read(HEADER.size)
        if len(head) < HEADER.size:
            return count
        (size,) = HEADER.unpack(head)
        body = stream.read(size)
        if len(body) < size or body == b"\0":  # the end: an empty record
            return count
        path, _, html = body.partition(b"\0")
        rel = path.decode("utf-8", "surrogatepass")
        if not safe_path(rel):
            continue
        target = os.path.join(folder, *rel.split("/"))
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        with open(target, "wb") as f:
            f.write(html)
        count += 1


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        return 2
    try:
        write(argv[0], sys.stdin.buffer)
    except OSError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

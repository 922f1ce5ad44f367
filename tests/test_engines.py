"""The real site built by MkDocs and by ProperDocs (the maintained fork of MkDocs 1.6) is the
same, file for file and byte for byte (docs/editors/engine.md says why this matters).

Allowed to differ, and nothing else:
- the generator tag, `<meta name="generator" content="mkdocs-1.6.1, …">` against
  `content="mkdocs-ProperDocs 1.6.7, …"`, in every page;
- offline.json, only as that tag makes it differ: its `bytes` are each file's size (a page
  with the longer tag is longer) and its `version` is a hash of those same files. The sizes
  are compared with the tag taken out; the files themselves are compared below;
- Pagefind's filter files and the manifest naming them, which are named differently on every
  run even by one engine (the same rule as tests/test_parallel.py); only their number is
  compared. Its index and page fragments are compared.
sitemap.xml.gz is compared as it is: its gzip timestamp comes from the pages' dates.

Both builds run in their own process: ProperDocs redirects `import mkdocs` to itself.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ENV, REPO

pytestmark = pytest.mark.slow

IN_CI = os.environ.get("CI", "").lower() == "true"
GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')
OFFLINE = "offline.json"


def _varies(rel: str) -> bool:
    """Pagefind's filter lists and the manifest naming them (different names on every run)."""
    return rel.startswith("pagefind/filter/") or rel.endswith(".pf_meta") or rel == "pagefind/pagefind-entry.json"


def _build(engine: str, site: Path) -> None:
    cmd = [sys.executable, "-m", engine, "build", "--strict", "-q", "-f", str(REPO / "mkdocs.yml"), "-d", str(site)]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=ENV, timeout=300)
    assert result.returncode == 0, f"{engine} build failed:\n{(result.stdout + result.stderr)[-3000:]}"


def _sources() -> list[tuple[str, int, int]]:
    """What the builds read (another editor saving a file between them would be a difference)."""
    paths = [REPO / "mkdocs.yml"] + [p for d in ("docs", "procedures", "overrides", "scripts/safeguarding_manual")
                                     for p in (REPO / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.exists())


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def _without_tag(data: bytes) -> bytes:
    return GENERATOR.sub(b"", data)


def _offline_without_tag(files: dict[str, bytes]) -> dict:
    """offline.json with each file's size as if the page had no generator tag, and no version
    (a hash of the same files, which are compared one by one)."""
    data = json.loads(files[OFFLINE])
    for entry in data["files"]:
        url = entry["url"]
        content = files.get(url + "index.html" if url == "" or url.endswith("/") else url, b"")
        tags = sum(len(m) for m in GENERATOR.findall(content))
        entry["bytes"] -= tags
        data["bytes"] -= tags
    data.pop("version")
    return data


def _first_difference(rel: str, a: bytes, b: bytes) -> str:
    if rel.endswith(".gz"):
        try:
            a, b = gzip.decompress(a), gzip.decompress(b)
        except (OSError, EOFError):
            pass
        else:
            if a == b:
                return "the same content, a different gzip header"
    try:
        la, lb = a.decode("utf-8").splitlines(), b.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        return f"binary, first differing byte at offset {at} ({len(a)} against {len(b)} bytes)"
    for n, (x, y) in enumerate(zip(la, lb), 1):
        if x != y:
            col = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
            start = max(0, col - 80)
            return f"line {n}:\n      mkdocs:     {x[start:start + 200]!r}\n      properdocs: {y[start:start + 200]!r}"
    return f"line {min(len(la), len(lb)) + 1}: one build has {abs(len(la) - len(lb))} more line(s)"


@pytest.fixture(scope="module")
def both_sites(tmp_path_factory) -> tuple[Path, Path]:
    if importlib.util.find_spec("properdocs") is None:
        message = ("ProperDocs is not installed in this environment, so the MkDocs/ProperDocs "
                   "comparison cannot run (bash scripts/dev.sh test installs it)")
        if IN_CI:
            pytest.fail(f"{message} (CI=true, so this is a failure, not a skip)", pytrace=False)
        pytest.skip(message)
    for _attempt in range(2):  # once more if a file was saved during the builds
        out = tmp_path_factory.mktemp("engines")
        before = _sources()
        _build("mkdocs", out / "mkdocs")
        _build("properdocs", out / "properdocs")
        changed = sorted({f[0] for f in set(before) ^ set(_sources())})
        if not changed:
            return out / "mkdocs", out / "properdocs"
    pytest.fail("the site's sources changed while the two builds ran, so they cannot be compared; "
                f"run the test again: {', '.join(changed[:5])}", pytrace=False)


def test_mkdocs_and_properdocs_build_the_same_site(both_sites):
    mk, pd = (_files(site) for site in both_sites)
    # The second build really was ProperDocs (not MkDocs twice), and the first MkDocs.
    home_mk, home_pd = GENERATOR.findall(mk["index.html"]), GENERATOR.findall(pd["index.html"])
    assert home_mk and b"ProperDocs" not in home_mk[0], home_mk
    assert home_pd and b"ProperDocs" in home_pd[0], home_pd

    problems = [f"only in the MkDocs build: {rel}" for rel in sorted(mk.keys() - pd.keys()) if not _varies(rel)]
    problems += [f"only in the ProperDocs build: {rel}" for rel in sorted(pd.keys() - mk.keys()) if not _varies(rel)]
    varying = (sum(map(_varies, mk)), sum(map(_varies, pd)))
    if varying[0] != varying[1]:
        problems.append(f"pagefind: {varying[0]} filter files from MkDocs, {varying[1]} from ProperDocs")
    for rel in sorted(mk.keys() & pd.keys()):
        a, b = mk[rel], pd[rel]
        if a == b or _varies(rel):
            continue
        if rel == OFFLINE:
            na, nb = (json.dumps(_offline_without_tag(f), indent=1).encode() for f in (mk, pd))
            if na != nb:
                problems.append(f"{rel} (sizes without the generator tag, no version): "
                                f"{_first_difference(rel, na, nb)}")
        elif _without_tag(a) != _without_tag(b):
            problems.append(f"{rel}: {_first_difference(rel, _without_tag(a), _without_tag(b))}")
    assert not problems, (f"{len(problems)} file(s) differ between the MkDocs and ProperDocs builds "
                          "(generator tag ignored):\n  " + "\n  ".join(problems))

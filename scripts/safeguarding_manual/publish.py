"""Publish: build into a temporary folder and replace site/ only when the build and every
check pass. Failed or interrupted, the last good site stays as it was."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from . import content as content_mod


def _recover(site: Path) -> None:
    """An earlier publish stopped between its two renames: put the previous site back."""
    olds = sorted(site.parent.glob(f"{site.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not site.exists() and olds:
        os.rename(olds[-1], site)
    for old in site.parent.glob(f"{site.name}.old-*"):
        shutil.rmtree(old, ignore_errors=True)
    for new in site.parent.glob(f"{site.name}.new-*"):
        shutil.rmtree(new, ignore_errors=True)


def build(root: Path, dest: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("MANUAL_PREVIEW", None)  # a public build never includes drafts
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(dest)],
                          cwd=root, env=env, capture_output=True, text=True)


def publish(root: Path, site_dir: str = "site") -> int:
    root = root.resolve()
    site = root / site_dir
    _recover(site)
    content = content_mod.load(content_mod.Settings.from_mkdocs_yml(root))
    errors = [f for f in content.findings + content_mod.check_references(content) if f.severity == "error"]
    if errors:
        for f in errors:
            print(f, file=sys.stderr)
        print(f"Not published: {len(errors)} problem(s) to fix first. The current site is unchanged.",
              file=sys.stderr)
        return 1
    new = site.parent / f"{site.name}.new-{os.getpid()}"
    try:
        result = build(root, new)
        if result.returncode != 0 or not (new / "index.html").is_file():
            print(result.stdout + result.stderr, file=sys.stderr)
            print("Not published: the build failed. The current site is unchanged.", file=sys.stderr)
            return 1
        old = site.parent / f"{site.name}.old-{os.getpid()}"
        if site.exists():
            os.rename(site, old)
        os.rename(new, site)  # from here on the new site is in place
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(new, ignore_errors=True)
    print(f"Published to {site_dir}/", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="publish.py", description=__doc__)
    parser.add_argument("--root", default=".", help="the manual's folder (with mkdocs.yml)")
    parser.add_argument("--site-dir", default="site")
    args = parser.parse_args(argv)
    try:
        return publish(Path(args.root), args.site_dir)
    except KeyboardInterrupt:
        print("Interrupted: the current site is unchanged.", file=sys.stderr)
        return 130

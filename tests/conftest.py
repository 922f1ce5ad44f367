"""Shared fixtures: fixture projects copied into tmp_path, and one build of the real site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MKDOCS = [sys.executable, "-m", "mkdocs"]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def build(project: Path, *args: str, strict: bool = True) -> subprocess.CompletedProcess:
    cmd = [*MKDOCS, "build", *(["--strict"] if strict else []), *args]
    return subprocess.run(cmd, cwd=project, capture_output=True, text=True, env=ENV, timeout=300)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The minimal fixture manual, with the real theme overrides, in a fresh folder."""
    dest = tmp_path / "project"
    shutil.copytree(FIXTURES / "minimal", dest)
    shutil.copytree(REPO / "overrides", dest / "overrides")
    return dest


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    """The real manual, built once with --strict."""
    out = tmp_path_factory.mktemp("real-site")
    result = build(REPO, "-d", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out

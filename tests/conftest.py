"""Shared fixtures: fixture projects copied into tmp_path, and one build of the real site."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Builds keep parsed pages and compiled templates in the user's cache folder: the tests keep
# theirs apart (every build of every test project, and nothing left in the real one).
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="wf-test-cache-")

from helpers import FIXTURES, REPO, build


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

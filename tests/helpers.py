"""Helpers shared by the tests (a module of its own: `tests/browser` has a conftest too, so
"import conftest" would be ambiguous)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MKDOCS = [sys.executable, "-m", "mkdocs"]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def build(project: Path, *args: str, strict: bool = True) -> subprocess.CompletedProcess:
    cmd = [*MKDOCS, "build", *(["--strict"] if strict else []), *args]
    return subprocess.run(cmd, cwd=project, capture_output=True, text=True, env=ENV, timeout=300)

"""The package shows its rooms: the content model, the site and the tools import nothing from
MkDocs (only the thin engine adapter may), so a future engine needs only a new adapter; and
every folder says what it is for."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO

PKG = REPO / "scripts" / "safeguarding_manual"
ROLES = ("content", "website", "engine", "tools")
ENGINE_FREE = ("content", "website", "tools")
# tools that drive MkDocs as a program (a subprocess or its CLI), not as a library they extend
ALLOWED = {"tools/bench.py"}


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_every_module_lives_in_a_role_folder_with_a_docstring():
    assert sorted(p.name for p in PKG.glob("*.py")) == ["__init__.py"], "modules belong in a role folder"
    for role in ROLES:
        init = PKG / role / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.split()) >= 25, f"{role}/__init__.py needs a paragraph saying what the folder is for"
    found = {p.parent.name for p in PKG.glob("*/*.py")}
    assert found == set(ROLES), found


@pytest.mark.parametrize("role", ENGINE_FREE)
def test_content_site_and_tools_do_not_import_mkdocs(role):
    offenders = [p.relative_to(PKG).as_posix() for p in (PKG / role).rglob("*.py")
                 if {"mkdocs", "properdocs", "material"} & _imports(p)
                 and p.relative_to(PKG).as_posix() not in ALLOWED]
    assert offenders == [], f"only engine/ may import MkDocs: {offenders}"


def test_the_checks_run_with_mkdocs_unimportable(tmp_path):
    """Not just the source: load every engine-free module and run both checks on the real
    manual in a Python where importing MkDocs fails."""
    script = tmp_path / "run.py"
    script.write_text(f'''
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("mkdocs", "properdocs", "material"):
            raise ImportError("MkDocs is blocked in this test: " + name)
sys.meta_path.insert(0, Block())
import safeguarding_manual
for role in {list(ENGINE_FREE)!r}:
    pkg = importlib.import_module("safeguarding_manual." + role)
    for m in pkgutil.iter_modules(pkg.__path__):
        if f"{{role}}/{{m.name}}.py" not in {sorted(ALLOWED)!r}:
            importlib.import_module(f"safeguarding_manual.{{role}}.{{m.name}}")
from safeguarding_manual.tools import cli
sys.argv = ["check_xrefs", "--root", {str(REPO)!r}]
code = 0
try:
    cli.check_xrefs_main()
except SystemExit as e:
    code = e.code or 0
sys.argv = ["check_reviews", "--root", {str(REPO)!r}, "--fail-on", "never"]
try:
    cli.check_reviews_main()
except SystemExit as e:
    code = code or e.code or 0
sys.exit(code)
''', encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "MkDocs is blocked" not in run.stderr


def test_dependencies_point_one_way():
    """content uses nothing of the others; website uses only content; engine and tools use both."""
    allowed = {"content": set(), "website": {"content"}, "engine": {"content", "website"},
               "tools": {"content", "website"}}
    wrong = []
    for role, ok in allowed.items():
        for path in (PKG / role).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom):
                    target = (node.module or "").split(".")[0] if node.level == 2 else (
                        node.module.split(".")[1] if node.level == 0 and (node.module or "").startswith("safeguarding_manual.")
                        and node.module.count(".") >= 1 else None)
                    if target and target != role and target not in ok:
                        wrong.append(f"{path.relative_to(PKG)} imports {target}/")
    assert wrong == [], wrong

"""The package uses MkDocs through its public interface only: no private attribute of a MkDocs
object or module (`page._…`, `config._…`, `mkdocs.utils._…`), no private name imported from
MkDocs, and no MkDocs method replaced (`page.render = …`, `File.is_modified = …`,
`setattr(page, "render", …)`). A MkDocs release may change anything private; it keeps its
public interface within a major version."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import pytest
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, PluginCollection
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Link, Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents
from mkdocs.theme import Theme

from helpers import REPO

PKG = REPO / "scripts" / "safeguarding_manual"
MKDOCS_CLASSES = (Page, File, Files, Navigation, Section, Link, MkDocsConfig, Theme, BasePlugin,
                  PluginCollection, AnchorLink, TableOfContents)
# What the code calls MkDocs objects by (the plugin's own names for them included).
MKDOCS_NAMES = {"page", "pages", "file", "files", "nav", "navigation", "section", "item", "nav_item",
                "config", "cfg", "theme", "plugins", "toc", "link", "mkdocs", "Page", "File", "Files",
                "Navigation", "Section", "Link", "MkDocsConfig", "Theme", "PluginCollection"}
# Methods that MkDocs' classes define (assigning one of these on any object is replacing a MkDocs
# method); properties such as `page.title` or `file.edit_uri` are meant to be set, and are not here.
METHODS = {name for cls in MKDOCS_CLASSES for klass in cls.__mro__ if klass.__module__.startswith("mkdocs")
           for name, value in vars(klass).items()
           if not name.startswith("__") and isinstance(value, (types.FunctionType, staticmethod, classmethod))}


def sources() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if "node_modules" not in p.parts)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _chain(node: ast.AST) -> set[str]:
    """The names in an attribute chain (`self.files.x` -> {"self", "files", "x"})."""
    if isinstance(node, ast.Attribute):
        return {node.attr} | _chain(node.value)
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, (ast.Call, ast.Subscript)):
        return _chain(node.func if isinstance(node, ast.Call) else node.value)
    return set()


def problems(path: Path) -> list[str]:
    return problems_in(path.read_text(encoding="utf-8"), path.relative_to(REPO).as_posix())


def problems_in(code: str, rel: str) -> list[str]:
    tree = ast.parse(code)
    from_mkdocs: set[str] = set()  # names bound to MkDocs modules or objects by imports
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "mkdocs":
            for a in node.names:
                if _private(a.name):
                    out.append(f"{rel}:{node.lineno}: imports the private MkDocs name {a.name}")
                from_mkdocs.add(a.asname or a.name)
            if any(_private(part) for part in (node.module or "").split(".")):
                out.append(f"{rel}:{node.lineno}: imports from the private MkDocs module {node.module}")
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "mkdocs":
                    from_mkdocs.add((a.asname or a.name).split(".")[0])
    names = MKDOCS_NAMES | from_mkdocs
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and _chain(node.value) & names:
            out.append(f"{rel}:{node.lineno}: uses the private attribute {node.attr} of a MkDocs object")
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for t in targets:
            # (the plugin's own attributes, `self.x = …`, are its own business)
            own = isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
            if isinstance(t, ast.Attribute) and t.attr in METHODS and not own:
                out.append(f"{rel}:{t.lineno}: replaces the MkDocs method {t.attr}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                and (node.args[1].value in METHODS or _private(str(node.args[1].value))):
            out.append(f"{rel}:{node.lineno}: setattr of {node.args[1].value!r} on an object")
    return out


def test_the_package_uses_no_private_mkdocs_attribute_and_replaces_no_mkdocs_method():
    found = [p for path in sources() for p in problems(path)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("code, expected", [
    ("page._title_from_render = 'x'", "private attribute _title_from_render"),
    ("x = self.files._src_uris", "private attribute _src_uris"),
    ("config._current_page = page", "private attribute _current_page"),
    ("page.render = lambda config, files: None", "replaces the MkDocs method render"),
    ("file.is_modified = lambda: True", "replaces the MkDocs method is_modified"),
    ("Page.render = render", "replaces the MkDocs method render"),
    ("setattr(page, 'render', f)", "setattr of 'render'"),
    ("from mkdocs.structure.pages import _RelativePathTreeprocessor", "private MkDocs name"),
    ("import mkdocs.utils\nx = mkdocs.utils._get_norm_url('a')", "private attribute _get_norm_url"),
])
def test_the_check_finds_each_kind_of_use(code, expected):
    found = problems_in(code, "probe.py")
    assert any(expected in p for p in found), found


def test_the_check_leaves_the_public_interface_alone():
    code = ("page.title = 'x'\npage.meta['template'] = 'a.html'\nconfig.markdown_extensions.append(e)\n"
            "file.page.parent = section\nself._own = 1\nmd.treeprocessors.register(p, 'n', 5)\n")
    assert problems_in(code, "probe.py") == []


def test_mkdocs_methods_are_known():
    assert {"render", "read_source", "is_modified", "get_file_from_path", "validate_anchor_links"} <= METHODS
    assert not {"title", "edit_uri", "url", "content"} & METHODS  # properties are set, not replaced


def test_the_fast_preview_redoes_what_changed_by_mkdocs_own_rule(project, tmp_path):
    """`mkdocs serve --dirty` without replacing File.is_modified: the edited page and the pages
    showing its title are redone, a generated page whose Markdown did not change is not."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site = tmp_path / "preview"

    def config():
        return load_config(str(project / "mkdocs.yml"), site_dir=str(site))
    config().plugins.on_startup(command="serve", dirty=True)  # as `mkdocs serve --dirty` does
    try:
        _preview_round(config, site, project, build)
    finally:
        # MkDocs keeps a plugin that has on_startup for the whole process (as `serve` does
        # across rebuilds): later builds in this test process are ordinary builds again.
        config().plugins.on_startup(command="build", dirty=False)


def _preview_round(config, site, project, build):
    build(config(), dirty=True)
    search_page = site / "search/index.html"
    before = search_page.stat().st_mtime_ns
    page = project / "procedures/core/early-help.md"
    page.write_text(page.read_text().replace("title: Early help", "title: Early help (edited)")
                    .replace("Start an assessment.", "Start an assessment. Edited in the preview."))
    build(config(), dirty=True)
    read = lambda url: (site / url / "index.html").read_text(encoding="utf-8")  # noqa: E731
    assert "Edited in the preview." in read("procedures/core/early-help")
    assert "Early help (edited)" in read("procedures/core/neglect")  # links to it by its title
    assert "Early help (edited)" in read("procedures")  # the contents page (generated)
    assert search_page.stat().st_mtime_ns == before  # generated, unchanged: not redone

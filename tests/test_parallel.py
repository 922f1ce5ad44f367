"""Rendering on a second core gives exactly the serial build's output, and warnings raised in
the helper still fail a strict build."""

import logging
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from safeguarding_manual import parallel


def snapshot(site: Path) -> dict[str, bytes]:
    """Every file, except those Pagefind writes in a different order each run (its filter lists
    and the manifest naming them); its index and page fragments are compared."""
    def varies(rel: str) -> bool:
        return rel.startswith("pagefind/filter/") or rel.endswith(".pf_meta") or rel == "pagefind/pagefind-entry.json"
    return {rel: p.read_bytes() for p in site.rglob("*") if p.is_file()
            for rel in [p.relative_to(site).as_posix()] if not varies(rel)}


def build(project: Path, site: Path, use_parallel: bool) -> None:
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(site), strict=True)
    config.plugins["manual"].config.parallel = use_parallel
    mkdocs_build(config)


@pytest.fixture
def many(project, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PAGES", 1)
    for i in range(6):
        text = (project / "procedures/core/early-help.md").read_text()
        (project / f"procedures/core/extra-{i}.md").write_text(
            text.replace("id: early-help", f"id: extra-{i}").replace("title: Early help", f"title: Extra {i}"))
    return project


def test_parallel_output_is_identical_to_serial(many, tmp_path):
    build(many, tmp_path / "serial", False)
    build(many, tmp_path / "parallel", True)
    serial, par = snapshot(tmp_path / "serial"), snapshot(tmp_path / "parallel")
    assert serial.keys() == par.keys()
    assert [k for k in serial if serial[k] != par[k]] == []


def test_a_warning_in_the_helper_still_fails_the_strict_build(many, tmp_path, caplog):
    page = many / "procedures/core/extra-5.md"  # the last one: rendered by the helper
    page.write_text(page.read_text() + "\nSee [the old page](no-such-page.md).\n")
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        build(many, tmp_path / "site", True)
    assert any("no-such-page.md" in r.getMessage() for r in caplog.records)

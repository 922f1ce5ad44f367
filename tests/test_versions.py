"""The manual's memory: in a repository whose history holds three versions of a procedure, the
built site keeps the two earlier ones — superseded, dated from their own front matter, never
indexed or in the sitemap — linked from the current page with a word-level comparison; "the
manual on a date" answers for any date; history is read in one pass and a shallow or missing
history is said, never fatal."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import FIXTURES, REPO, build
from safeguarding_manual.website import versions

PROC = "procedures/core/neglect.md"
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.org"}


def git(project: Path, *args: str, date: str = "2026-01-01T12:00:00") -> None:
    env = {**GIT_ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, env=env)


def _version(text: str, version: str, reviewed: str, approved: str, words: str) -> str:
    text = re.sub(r'version: "[^"]*"', f'version: "{version}"', text)
    text = re.sub(r"last_reviewed: \S+", f"last_reviewed: {reviewed}", text)
    text = re.sub(r"approved_on: \S+", f"approved_on: {approved}", text)
    text = re.sub(r"  - date: 2025-06-01", f"  - date: {reviewed}", text)
    return text.replace("Neglect is the persistent failure", words + " Neglect is the persistent failure")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("versions") / "p"
    shutil.copytree(FIXTURES / "minimal", project)
    shutil.copytree(REPO / "overrides", project / "overrides")
    base = (project / PROC).read_text(encoding="utf-8")
    git(project, "init", "-q", "-b", "main")
    # commit times deliberately disagree with the front-matter dates: the dates must come from
    # the front matter
    steps = [("1.0", "2023-01-10", "2023-01-05", "First wording of version one.", "2026-03-01T10:00:00"),
             ("1.0", "2023-02-10", "2023-01-05", "Edited wording of version one.", "2026-03-02T10:00:00"),
             ("2.0", "2024-05-20", "2024-05-15", "Wording of version two <script>alert(1)</script>.", "2026-03-03T10:00:00"),
             ("2.1", "2025-06-01", "2025-04-01", "Wording of version three.", "2026-03-04T10:00:00")]
    for version, reviewed, approved, words, when in steps:
        (project / PROC).write_text(_version(base, version, reviewed, approved, words), encoding="utf-8")
        git(project, "add", "-A", date=when)
        git(project, "commit", "-q", "-m", f"neglect {version}", date=when)
    run = build(project, strict=True)
    assert run.returncode == 0, run.stderr[-4000:]
    return project


def page(project: Path, path: str) -> str:
    return (project / "site" / path / "index.html").read_text(encoding="utf-8")


def test_history_is_read_with_versions_and_dates_from_front_matter(project):
    h = versions.read(project, "procedures", {"neglect": "2.1", "early-help": "1.0"})
    assert h.available and not h.shallow
    chain = h.earlier("neglect")
    assert [v.version for v in chain] == ["1.0", "2.0"]
    assert "Edited wording of version one." in chain[0].body  # the text as it last stood
    assert chain[0].start.isoformat() == "2023-01-05" and chain[0].end.isoformat() == "2024-05-15"
    assert chain[1].start.isoformat() == "2024-05-15" and chain[1].end.isoformat() == "2025-04-01"
    assert chain[1].next_version == "2.1" and chain[0].next_version == "2.0"


def test_earlier_versions_are_published_superseded_and_unindexed(project):
    for v, words in (("1.0", "Edited wording of version one."), ("2.0", "Wording of version two")):
        html = page(project, f"procedures/core/neglect/versions/{v}")
        assert words in html
        assert "Superseded on" in html and "read the current version" in html
        assert '<meta name="robots" content="noindex">' in html
        assert "data-pagefind-body" not in html
    html = page(project, "procedures/core/neglect/versions/1.0")
    assert "Superseded on 15 May 2024 by version 2.0" in html
    two = page(project, "procedures/core/neglect/versions/2.0")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in two and "<script>alert(1)" not in two
    sitemap = (project / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "/versions/" not in sitemap and "procedures/core/neglect/" in sitemap
    import gzip
    urls = [gzip.decompress(f.read_bytes())[:300] for f in (project / "site" / "pagefind" / "fragment").glob("*")]
    assert urls and not any(b"/versions/" in u for u in urls)  # never in search


def test_the_current_page_links_to_its_previous_versions_with_dates_and_comparisons(project):
    current = page(project, "procedures/core/neglect")
    assert "Previous versions (2)" in current and 'href="versions/"' in current
    index = page(project, "procedures/core/neglect/versions")
    assert "from 5 January 2023 to 15 May 2024" in index
    assert "from 15 May 2024 to 1 April 2025" in index
    assert "from 1 April 2025 (in force now)" in index
    # word-level comparison with the version before: what was added and what was removed
    assert re.search(r"<ins><span class=\"wf-sr\">\[added\] </span>three\.</ins>", index)
    assert "<del><span" in index and "[[" not in index
    two = page(project, "procedures/core/neglect/versions/2.0")
    assert "What changed from version 1.0" in two
    assert '<del><span class="wf-sr">[removed] </span>Edited wording</del>' in two


def test_the_manual_on_a_date_lists_every_version_with_its_dates(project):
    html = page(project, "procedures/on-a-date")
    rows = re.findall(r'<tr data-from="([^"]*)" data-to="([^"]*)">', html)
    assert ("2023-01-05", "2024-05-15") in rows and ("2024-05-15", "2025-04-01") in rows
    assert ("2025-04-01", "") in rows
    assert 'type="date"' in html


def test_a_shallow_clone_says_so_and_builds(project, tmp_path):
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{project}", str(clone)], check=True,
                   capture_output=True)
    shutil.copytree(project / "overrides", clone / "overrides", dirs_exist_ok=True)
    h = versions.read(clone, "procedures", {"neglect": "2.1"})
    assert h.shallow and "incomplete" in h.note and h.earlier("neglect") == []
    run = build(clone, strict=True)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "incomplete" in run.stderr


def test_no_git_at_all_is_not_an_error(tmp_path):
    h = versions.read(tmp_path, "procedures", {"x": "1.0"})
    assert not h.available and h.earlier("x") == [] and h.note


def test_history_is_read_in_two_processes_whatever_its_size(project, monkeypatch):
    calls = []
    real = subprocess.run

    def counting(cmd, *a, **k):
        if cmd and cmd[0] == "git":
            calls.append(cmd[3] if len(cmd) > 3 else cmd)
        return real(cmd, *a, **k)

    monkeypatch.setattr(subprocess, "run", counting)
    versions.read(project, "procedures", {"neglect": "2.1"})
    assert calls.count("log") == 1 and calls.count("cat-file") == 1


def test_word_comparison():
    paras = versions.compare("One two three.\n\nFour five.", "One 2 three.\n\nFour five six.")
    flat = [(k, t) for p in paras for k, t in p]
    assert ("removed", "two") in flat and ("added", "2") in flat and ("added", "five six.") in flat
    assert versions.counts(paras) == (3, 2)

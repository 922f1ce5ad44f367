"""A failed or interrupted publish leaves the last good site exactly as it was."""

import subprocess

import pytest

from safeguarding_manual.tools import publish


def snapshot(site):
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_publish_then_a_broken_edit_leaves_the_last_good_site(project):
    assert publish.publish(project) == 0
    site = project / "site"
    good = snapshot(site)
    assert "procedures/core/neglect/index.html" in good
    page = project / "procedures/core/neglect.md"
    page.write_text(page.read_text().replace("last_reviewed: 2025-06-01", "last_reviewed: 2025-06-31"))
    assert publish.publish(project) == 1
    assert snapshot(site) == good
    assert sorted(p.name for p in project.iterdir() if p.name.startswith("site")) == ["site"]


def test_a_build_failure_after_the_checks_leaves_the_last_good_site(project, monkeypatch):
    assert publish.publish(project) == 0
    good = snapshot(project / "site")
    broken = subprocess.CompletedProcess([], 1, "", "ERROR - theme exploded")
    monkeypatch.setattr(publish, "build", lambda root, dest: (dest.mkdir(), broken)[1])
    assert publish.publish(project) == 1
    assert snapshot(project / "site") == good


def test_an_interrupted_build_leaves_the_last_good_site_and_no_debris(project, monkeypatch):
    assert publish.publish(project) == 0
    good = snapshot(project / "site")

    def interrupted(root, dest):
        dest.mkdir()
        (dest / "index.html").write_text("half a site")
        raise KeyboardInterrupt
    monkeypatch.setattr(publish, "build", interrupted)
    with pytest.raises(KeyboardInterrupt):
        publish.publish(project)
    assert snapshot(project / "site") == good
    assert sorted(p.name for p in project.iterdir() if p.name.startswith("site")) == ["site"]


def test_a_swap_stopped_halfway_is_recovered_on_the_next_run(project):
    assert publish.publish(project) == 0
    (project / "site").rename(project / "site.old-12345")  # as if stopped between the renames
    page = project / "procedures/core/neglect.md"
    page.write_text(page.read_text().replace("status: approved", "status: aproved"))
    assert publish.publish(project) == 1  # fails, but the previous site is back in place
    assert (project / "site/index.html").is_file()


def test_publish_refuses_while_a_worried_route_contact_has_no_value_or_page(project):
    import subprocess
    import sys
    from helpers import REPO
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        ', url: "https://manual.example.org/report"}\n    lado', "}\n    lado", 1), encoding="utf-8")
    result = subprocess.run([sys.executable, str(REPO / "scripts/publish.py"), "--root", str(project)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "mkdocs.yml:" in result.stderr and "contact `mach`" in result.stderr and "never guess" in result.stderr
    assert "Traceback" not in result.stderr and not (project / "site").exists()

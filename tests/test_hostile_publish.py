"""Publishes that overlap, and builds that "succeed" with a broken site: one publish runs at a
time, a second never touches the first's work, and only a complete, protected site replaces
the last good one. The overlap is real: the first publish runs in another process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from safeguarding_manual.website import csp
from safeguarding_manual.tools import publish

# A publish in its own process whose build, once finished, waits for the test to say "go", so
# the test can act while it is mid-publish. It writes `building` when it gets there.
SLOW_PUBLISH = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from safeguarding_manual.tools import publish

    root = Path(sys.argv[1])
    real_build = publish.build

    def slow_build(root_, dest):
        result = real_build(root_, dest)
        (root / "building").write_text(dest.name)
        deadline = time.monotonic() + 60
        while not (root / "go").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return result

    publish.build = slow_build
    sys.exit(publish.main(["--root", str(root), *sys.argv[2:]]))
""")

HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from safeguarding_manual.tools import publish

    with publish.lock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def site_folders(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith("site"))


def wait_for(path: Path, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def assert_good_site(site: Path) -> None:
    assert (site / "index.html").is_file() and (site / "404.html").is_file()
    assert publish.incomplete(site) == []


@pytest.fixture
def slow_publish(project):
    """Start a publish in another process; yields it stopped just before its swap."""
    proc = subprocess.Popen([sys.executable, "-c", SLOW_PUBLISH, str(project)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(project / "building", proc)
        yield proc
    finally:
        (project / "go").touch()
        try:
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()


def test_a_second_publish_refuses_at_once_and_leaves_the_first_to_finish(project, slow_publish, capsys):
    first_build = project / (project / "building").read_text()
    assert first_build.name == f"site.new-{slow_publish.pid}" and (first_build / "index.html").is_file()
    start = time.monotonic()
    assert publish.main(["--root", str(project)]) == 1
    assert time.monotonic() - start < 5
    err = capsys.readouterr().err
    assert f"Another publish is running (process {slow_publish.pid}, started " in err
    assert "; try again when it has finished (or pass --wait SECONDS). The current site is " \
           "unchanged." in err and "Traceback" not in err
    # The second run did not tidy away the first one's build.
    assert snapshot(first_build) and (first_build / "index.html").is_file()
    assert not (project / "site").exists()

    (project / "go").touch()
    out, err = slow_publish.communicate(timeout=120)
    assert slow_publish.returncode == 0, err
    assert "Published to site/" in err and "Traceback" not in err
    assert_good_site(project / "site")
    assert site_folders(project) == ["site"]


def test_a_second_publish_refuses_while_a_previous_site_is_being_replaced(project, capsys):
    assert publish.publish(project) == 0
    good = snapshot(project / "site")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(project), "30"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        # What a running publish has on disk at that moment: its build and the old site aside.
        (project / f"site.new-{holder.pid}").mkdir()
        (project / f"site.new-{holder.pid}/index.html").write_text("half built")
        shutil.copytree(project / "site", project / f"site.old-{holder.pid}")
        assert publish.publish(project) == 1
        assert "Another publish is running" in capsys.readouterr().err
        assert (project / f"site.new-{holder.pid}/index.html").read_text() == "half built"
        assert snapshot(project / f"site.old-{holder.pid}") == good == snapshot(project / "site")
    finally:
        holder.kill()
        holder.wait()
    # Once the holder has gone (however it ended), the next publish tidies up and publishes.
    assert publish.publish(project) == 0
    assert site_folders(project) == ["site"]


def test_wait_publishes_once_the_running_publish_has_finished(project, capsys):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(project), "1.5"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        start = time.monotonic()
        assert publish.main(["--root", str(project), "--wait", "60"]) == 0
        assert 0.5 < time.monotonic() - start < 60
    finally:
        holder.wait(timeout=60)
    assert "Published to site/" in capsys.readouterr().err
    assert_good_site(project / "site")


def test_wait_gives_up_after_the_time_given(project, capsys):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(project), "30"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        start = time.monotonic()
        assert publish.main(["--root", str(project), "--wait", "0.5"]) == 1
        assert 0.4 < time.monotonic() - start < 5
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert f"Another publish is running (process {holder.pid}, started " in err
    assert "after waiting 0.5 seconds; try again" in err


@pytest.mark.parametrize("value", ["-1", "soon", "nan", "inf", "100000"])
def test_wait_must_be_a_number_of_seconds(project, capsys, value):
    with pytest.raises(SystemExit) as exc:
        publish.main(["--root", str(project), "--wait", value])
    assert exc.value.code == 2
    assert "is not a number of seconds" in capsys.readouterr().err


# --- a build that exits 0 but is not a whole, protected site -------------------------------------

def _drop(name):
    return lambda site: (site / name).unlink()


def _strip_policy(name):
    def change(site):
        page = site / name
        page.write_text(page.read_text(encoding="utf-8").replace(csp.META, ""), encoding="utf-8")
    return change


def _weaker_policy(site):
    page = site / "procedures/core/neglect/index.html"
    page.write_text(page.read_text(encoding="utf-8").replace(csp.META, csp.META.replace(
        "script-src 'self'", "script-src *")), encoding="utf-8")


def _empty(site):
    shutil.rmtree(site)
    site.mkdir()


def _stray_page(site):
    (site / "extra").mkdir()
    (site / "extra/page.html").write_text("<html><head></head><body><script>x()</script></body></html>")


@pytest.mark.parametrize("damage, problem", [
    (_drop("index.html"), "index.html is missing"),
    (_drop("404.html"), "404.html is missing"),
    (_empty, "index.html is missing"),
    (_strip_policy("procedures/core/neglect/index.html"),
     "procedures/core/neglect/index.html does not carry the site's Content-Security-Policy"),
    (_strip_policy("404.html"), "404.html does not carry the site's Content-Security-Policy"),
    (_weaker_policy, "procedures/core/neglect/index.html does not carry the site's Content-Security-Policy"),
    (_stray_page, "extra/page.html does not carry the site's Content-Security-Policy"),
])
def test_an_incomplete_or_unprotected_build_is_never_published(project, monkeypatch, capsys, damage, problem):
    assert publish.publish(project) == 0
    good = snapshot(project / "site")
    real_build = publish.build

    def damaged_build(root, dest):
        result = real_build(root, dest)
        damage(dest)
        return result  # exit 0: the build "succeeded"
    monkeypatch.setattr(publish, "build", damaged_build)
    assert publish.publish(project) == 1
    err = capsys.readouterr().err
    assert f"Not published: the build in site.new-{os.getpid()}/ is not a complete site:" in err
    assert f"  {problem}\n" in err and "The current site is unchanged." in err
    assert snapshot(project / "site") == good
    assert site_folders(project) == ["site"]


def test_many_problems_are_summarised(project, monkeypatch, capsys):
    def no_policy_anywhere(root, dest):
        result = publish.subprocess.CompletedProcess([], 0, "", "")
        dest.mkdir()
        for n in range(8):
            (dest / f"p{n}.html").write_text("<html><head></head></html>")
        return result
    monkeypatch.setattr(publish, "build", no_policy_anywhere)
    assert publish.publish(project) == 1
    err = capsys.readouterr().err
    assert "index.html is missing" in err and "… and 7 more" in err


def test_a_lock_that_cannot_be_made_is_a_sentence_not_a_traceback(project, capsys):
    (project / ".cache").write_text("a file where the folder should be")
    assert publish.main(["--root", str(project)]) == 1
    err = capsys.readouterr().err
    assert "Not published: could not read or write" in err and "Traceback" not in err
    assert not (project / "site").exists()


def test_the_lock_is_never_opened_through_a_symbolic_link(project, tmp_path, capsys):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    (project / ".cache").mkdir(exist_ok=True)
    (project / publish.LOCK_FILE).symlink_to(precious)
    assert publish.main(["--root", str(project)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert precious.read_text() == "keep me"

"""check_xrefs.py and check_reviews.py: findings at the right file and line, every output
format, exit codes 0 / 1 / 2."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO
from safeguarding_manual.tools.cli import check_reviews_main, check_xrefs_main
from safeguarding_manual.content.references import Site, Target, expand


def run(script: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "scripts" / script), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


BROKEN = """---
id: broken
title: Broken references
summary: One of each mistake.
status: approved
approved_on: 2025-04-01
last_reviewed: 2025-04-01
related: [neglect, nonexistent, old-procedure]
threshold_levels: [5]
---

# Broken references
"""

REFS = """---
id: refs
title: References
summary: Each broken reference on its own line.
status: approved
approved_on: 2025-04-01
last_reviewed: 2025-04-01
related: [neglect]
---

# References

Unknown id: [[neglet]].
Missing anchor: [[early-help#who-to-call]].
Broken relative link: [early help](../core/early-hlp.md).
Draft target: [[old-procedure]].
Not a link: `[[not-checked]]`.
"""


@pytest.fixture
def broken_manual(project):
    (project / "procedures/core/broken.md").write_text(BROKEN, encoding="utf-8")
    (project / "procedures/core/refs.md").write_text(REFS, encoding="utf-8")
    (project / "procedures/core/duplicate.md").write_text(
        BROKEN.replace("related: [neglect, nonexistent, old-procedure]\nthreshold_levels: [5]\n", "")
        .replace("id: broken", "id: Neglect"), encoding="utf-8")
    (project / "procedures/core/twin.md").write_text(
        BROKEN.replace("related: [neglect, nonexistent, old-procedure]\nthreshold_levels: [5]\n", "")
        .replace("id: broken", "id: early-help"), encoding="utf-8")
    return project


def test_each_broken_reference_is_reported_at_its_file_and_line(broken_manual):
    result = run("check_xrefs.py", cwd=broken_manual)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    expected = [
        'procedures/core/broken.md:9: threshold_levels: item 1: "5" is not a threshold level — use whole numbers 1 to 4, for example [3, 4]',
        'procedures/core/duplicate.md:2: id: "Neglect" must use only lower-case letters, digits and hyphens — for example `neglect`',
        "procedures/core/twin.md:2: id `early-help` is already used by procedures/core/early-help.md — every procedure needs its own id",
        "procedures/core/refs.md:13: [[neglet]] is not a procedure id or page — did you mean `neglect`?",
        "procedures/core/refs.md:14: [[early-help#who-to-call]]: “Early help” has no heading `who-to-call`",
        "procedures/core/refs.md:15: the link `../core/early-hlp.md` points to procedures/core/early-hlp.md, which does not exist — did you mean `procedures/core/early-help.md`?",
        "procedures/core/refs.md:16: [[old-procedure]] is draft — a published page must not link to an unpublished procedure",
        "procedures/core/refs.md:8: warning: related: `neglect` does not list `refs` back — add `refs` to the related list in procedures/core/neglect.md",
        "procedures/core/refs.md:2: warning: nothing refers to `refs` — link it from a related procedure so readers can find it",
    ]
    for line in expected:
        assert line in lines, (line, lines)
    assert not any("not-checked" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_related_ids_are_checked_including_drafts(project):
    text = (project / "procedures/core/early-help.md").read_text()
    (project / "procedures/core/early-help.md").write_text(
        text.replace("related: [neglect]", "related: [neglect, nonexistent, old-procedure]"))
    out = run("check_xrefs.py", cwd=project).stdout
    assert "procedures/core/early-help.md:8: related: `nonexistent` is not a procedure id" in out
    assert ("procedures/core/early-help.md:8: related: `old-procedure` is draft — a published procedure "
            "must not point readers to an unpublished one") in out


def test_json_format_and_strict_mode(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    assert check_xrefs_main(["--format", "json"]) == 0  # warnings only
    data = json.loads(capsys.readouterr().out)
    assert data["errors"] == 0 and data["warnings"] >= 1
    assert {"path", "line", "severity", "message", "code"} <= set(data["findings"][0])
    assert check_xrefs_main(["--strict"]) == 1


def test_usage_errors_exit_2(project, monkeypatch):
    monkeypatch.chdir(project)
    with pytest.raises(SystemExit) as exc:
        check_xrefs_main(["--format", "yaml"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        check_reviews_main(["--today", "2026-13-01"])
    assert exc.value.code == 2


def test_the_real_manual_has_no_reference_errors():
    result = run("check_xrefs.py")
    assert result.returncode == 0, result.stdout
    assert " 0 errors" in result.stderr or result.stderr.startswith("0 errors")


def test_reviews_on_the_day_of_writing_show_the_arrangements_overdue():
    result = run("check_reviews.py", "--today", "2026-11-22", "--format", "json")
    assert result.returncode == 1  # something is overdue, and --fail-on defaults to overdue
    docs = json.loads(result.stdout)["documents"]
    first = docs[0]
    assert (first["id"], first["status"], first["next_review"], first["days_overdue"]) == (
        "arrangements", "overdue", "2025-12-01", 356)
    kinds = {d["kind"] for d in docs}
    assert kinds == {"procedure", "document"}
    assert any(d["id"] == "threshold" for d in docs)
    order = [d["status"] for d in docs]
    assert order == sorted(order, key={"overdue": 0, "due": 1, "ok": 2}.get)


def test_review_formats_and_fail_on(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    # neglect: next review 2026-06-01; early-help: 2025-12-01 (12-month section cycle)
    assert check_reviews_main(["--today", "2025-05-01", "--fail-on", "due"]) == 0
    assert check_reviews_main(["--today", "2025-10-15", "--fail-on", "due"]) == 1
    assert check_reviews_main(["--today", "2025-10-15"]) == 0
    assert check_reviews_main(["--today", "2026-11-22", "--fail-on", "never"]) == 0
    capsys.readouterr()
    check_reviews_main(["--today", "2025-10-15", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["id"], r["status"], r["days"]) for r in rows] == [("early-help", "due", "47"), ("neglect", "ok", "229")]
    check_reviews_main(["--today", "2025-10-15", "--due-within", "10", "--format", "text"])
    out = capsys.readouterr()
    assert out.out.splitlines()[0].startswith("Early help")
    assert "0 overdue, 0 due within 10 days, 2 ok (as of 2025-10-15)" in out.err


def test_ics_is_a_valid_calendar_with_one_event_per_due_date(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    check_reviews_main(["--today", "2025-10-15", "--format", "ics", "--fail-on", "never"])
    raw = capsys.readouterr().out
    assert raw.startswith("BEGIN:VCALENDAR\r\n") and raw.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    unfolded = raw.replace("\r\n ", "")
    events = unfolded.split("BEGIN:VEVENT")[1:]
    assert len(events) == 2
    assert "DTSTART;VALUE=DATE:20251201" in events[0] and "SUMMARY:Review due: Early help" in events[0]
    assert "Owner: Partnership Procedures Group" in events[0]


SITE = Site(targets={"neglect": Target("neglect", "procedures/core/neglect.md", "Neglect",
                                       {"signs": "Signs of neglect"}, kind="procedure")})


@pytest.mark.parametrize("markdown, expected", [
    ("See [[neglect]].", "See [Neglect](../core/neglect.md)."),
    ("See [[neglect|this]].", "See [this](../core/neglect.md)."),
    ("See [[neglect#signs]].", "See [Neglect](../core/neglect.md#signs)."),
    ("Code: `[[neglect]]` and ``[[x]]``.", "Code: `[[neglect]]` and ``[[x]]``."),
    ("```\n[[neglect]]\n```", "```\n[[neglect]]\n```"),
    ("No references here.", "No references here."),
])
def test_reference_expansion(markdown, expected):
    assert expand(markdown, "procedures/other/page.md", SITE) == expected


# --- GitHub annotations (issue 16: findings shown inline on a proposed change) ---------------

def test_check_xrefs_prints_a_github_annotation_at_the_file_and_line_of_a_broken_reference(tmp_path):
    import shutil
    import subprocess
    import sys
    from helpers import FIXTURES, REPO
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "minimal", project)
    page = project / "procedures" / "core" / "neglect.md"
    lines = page.read_text(encoding="utf-8").split("\n")
    lines.append("See [[no-such-procedure]].")
    page.write_text("\n".join(lines), encoding="utf-8")
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "check_xrefs.py"), "--root", str(project),
                          "--format", "github"], capture_output=True, text=True)
    assert run.returncode == 1
    hits = [ln for ln in run.stdout.splitlines() if "no-such-procedure" in ln]
    assert hits and hits[0].startswith(f"::error file=procedures/core/neglect.md,line={len(lines)},"), hits


def test_github_annotations_cannot_be_broken_by_a_value():
    from safeguarding_manual.tools.cli import github_annotation
    out = github_annotation("warning", "a,b:c.md", 3, "line one\n::error::injected %0A\r", "t:i,t")
    assert "\n" not in out and "\r" not in out
    assert out == "::warning file=a%2Cb%3Ac.md,line=3,title=t%3Ai%2Ct::line one%0A::error::injected %250A%0D"


def test_check_reviews_annotates_overdue_and_due_documents_at_their_review_line(tmp_path):
    import subprocess
    import sys
    from helpers import REPO
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "check_reviews.py"), "--format", "github",
                          "--today", "2030-01-01", "--fail-on", "never"], capture_output=True, text=True, cwd=REPO)
    lines = run.stdout.splitlines()
    assert lines and all(ln.startswith(("::error file=", "::warning file=")) for ln in lines)
    assert any("is overdue for review" in ln for ln in lines)

"""Honest status: a procedure is `approved` only with a recorded approval; `consultation` is
published with its notice (on screen and on paper) and points to what to follow meanwhile."""

from __future__ import annotations

from helpers import build
from safeguarding_manual.content.loader import load_manual

BASE = """---
id: {id}
title: Test
summary: A test procedure.
status: {status}
owner: WFSCP business team
last_reviewed: 2025-04-01
review_every: 24
{extra}---

# Test
"""


def messages(tmp_path, status, extra=""):
    folder = tmp_path / "procedures/core"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test-procedure.md").write_text(BASE.format(id="test-procedure", status=status, extra=extra),
                                              encoding="utf-8")
    manual = load_manual(tmp_path)
    return [str(f) for f in manual.findings], manual


def test_approved_needs_a_recorded_approval(tmp_path):
    found, manual = messages(tmp_path, "approved")
    assert any("status is approved but `approved_by` is missing" in m for m in found), found
    assert any("`approved_on` is missing" in m for m in found), found
    assert not manual.published


def test_approved_with_its_approval_is_published(tmp_path):
    found, manual = messages(tmp_path, "approved", "approved_by: Safeguarding Accountability Meeting\n"
                                                   "approved_on: 2025-03-01\n")
    assert not found and [p.id for p in manual.published] == ["test-procedure"]


def test_consultation_is_published_without_an_approval_and_may_not_claim_one(tmp_path):
    found, manual = messages(tmp_path, "consultation")
    assert not found and manual.published[0].status == "consultation"
    found, _ = messages(tmp_path, "consultation", "approved_on: 2025-03-01\n")
    assert any("`approved_on` is given but the status is consultation" in m for m in found), found


def test_consultation_ends_only_on_a_consultation(tmp_path):
    found, _ = messages(tmp_path, "draft", "consultation_ends: 2027-01-31\n")
    assert any("`consultation_ends` is only for" in m for m in found), found


def test_a_consultation_page_says_so_and_what_to_follow_meanwhile(project):
    page = project / "procedures/core/neglect.md"
    text = page.read_text(encoding="utf-8")
    text = text.replace("status: approved", "status: consultation\nconsultation_ends: 2026-12-31", 1)
    text = "\n".join(line for line in text.split("\n") if not line.startswith("approved_on:"))
    page.write_text(text, encoding="utf-8")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  contacts:", "  interim: {label: the current procedures, url: \"https://manual.example.org/current\"}\n  contacts:", 1),
        encoding="utf-8")
    result = build(project)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (project / "site/procedures/core/neglect/index.html").read_text(encoding="utf-8")
    notice = html.split('class="wf-consultation"', 1)[1].split("</div>", 1)[0]
    assert "Draft for consultation — not yet approved by the partnership." in notice
    assert '<a href="https://manual.example.org/current">the current procedures</a>' in notice
    assert "31 December 2026" in notice
    # the notice comes before the text, so a printed copy carries it too
    assert html.index('class="wf-consultation"') < html.index('id="what-to-do"') if 'id="what-to-do"' in html else True

"""Loading a manual: schema validation, folder defaults, ids and file names."""

import os
from pathlib import Path

import pytest

from safeguarding_manual.content.loader import load_manual

VALID = """---
id: {id}
title: Neglect
summary: How to respond to neglect.
status: approved
owner: Procedures Group
approved_by: Safeguarding Accountability Meeting
approved_on: 2025-04-01
last_reviewed: 2025-04-01
review_every: 24
{extra}---

# Neglect
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def messages(root: Path) -> list[str]:
    return [str(f) for f in load_manual(root).findings]


def one_error(root: Path, extra: str = "", text: str | None = None) -> str:
    write(root, "procedures/core/neglect.md", text if text is not None else VALID.format(id="neglect", extra=extra))
    found = messages(root)
    assert len(found) == 1, found
    return found[0]


def test_a_valid_procedure_loads_with_every_field(tmp_path):
    write(tmp_path, "procedures/core/neglect.md", VALID.format(
        id="neglect", extra="version: 1.2\napplies_to: [Police, Health]\nthreshold_levels: [4, 3, 3]\n"))
    manual = load_manual(tmp_path)
    assert manual.findings == []
    p = manual.by_id["neglect"]
    assert (p.version, p.applies_to, p.threshold_levels, p.section) == ("1.2", ["Police", "Health"], [3, 4], "core")
    assert str(p.next_review) == "2027-04-01"


@pytest.mark.parametrize("extra, expected", [
    ("titel: x\n", "procedures/core/neglect.md:11: `titel` is not a front-matter key — did you mean `title`?"),
    ("nxt_review: 2026-01-01\n", "procedures/core/neglect.md:11: `nxt_review` is not a front-matter key — did you mean `next_review`?"),
    ("threshold_levels: [2, 5]\n", 'procedures/core/neglect.md:11: threshold_levels: item 2: "5" is not a threshold level — use whole numbers 1 to 4, for example [3, 4]'),
    ("applies_to: [Polce]\n", 'procedures/core/neglect.md:11: applies_to: "Polce" is not on the agency list — did you mean `Police`?'),
    ("related: [Early Help]\n", 'procedures/core/neglect.md:11: related: item 1: "Early Help" must use only lower-case letters, digits and hyphens — for example `early-help`'),
    ("keywords: {a: b}\n", "procedures/core/neglect.md:11: keywords: must be a list — for example: [missed appointments, DNA]"),
    ("amendments:\n  - {date: 2025-13-01, summary: x}\n", 'procedures/core/neglect.md:12: amendments: item 1: "2025-13-01" is not a real date — use YYYY-MM-DD, for example 2025-02-28'),
])
def test_wrong_values_name_the_line_the_problem_and_the_fix(tmp_path, extra, expected):
    assert one_error(tmp_path, extra) == expected


def test_impossible_date_message_matches_the_documented_form(tmp_path):
    text = VALID.format(id="neglect", extra="").replace("review_every: 24\n", "next_review: 2025-02-30\n")
    assert one_error(tmp_path, text=text) == (
        'procedures/core/neglect.md:10: next_review: "2025-02-30" is not a real date — use YYYY-MM-DD, for example 2025-02-28')


def test_wrong_date_format(tmp_path):
    text = VALID.format(id="neglect", extra="").replace("last_reviewed: 2025-04-01", "last_reviewed: 01/04/2025")
    assert one_error(tmp_path, text=text) == (
        'procedures/core/neglect.md:9: last_reviewed: "01/04/2025" is not a date in the form YYYY-MM-DD — for example 2025-04-01')


def test_missing_required_field_says_what_to_add(tmp_path):
    text = VALID.format(id="neglect", extra="").replace("summary: How to respond to neglect.\n", "")
    assert one_error(tmp_path, text=text) == (
        "procedures/core/neglect.md:10: `summary` is missing — add a line such as `summary: How to "
        "recognise and respond to neglect of children of any age.` to the front matter (before the closing `---`)")


def test_next_review_before_last_reviewed(tmp_path):
    text = VALID.format(id="neglect", extra="").replace("review_every: 24\n", "next_review: 2024-01-01\n")
    assert one_error(tmp_path, text=text) == (
        "procedures/core/neglect.md:10: next_review 2024-01-01 is not after last_reviewed 2025-04-01 — the next review must come later")


def test_wrong_status_suggests_the_closest(tmp_path):
    text = VALID.format(id="neglect", extra="").replace("status: approved", "status: aproved")
    assert one_error(tmp_path, text=text) == (
        'procedures/core/neglect.md:5: status: "aproved" is not a status — use one of: draft, consultation, approved, archived — did you mean `approved`?')


def test_duplicate_ids_including_case_are_rejected(tmp_path):
    write(tmp_path, "procedures/a/neglect.md", VALID.format(id="neglect", extra=""))
    write(tmp_path, "procedures/b/neglect-two.md", VALID.format(id="neglect", extra=""))
    manual = load_manual(tmp_path)
    assert [str(f) for f in manual.findings] == [
        "procedures/b/neglect-two.md:2: id `neglect` is already used by procedures/a/neglect.md — every procedure needs its own id"]
    assert len(manual.procedures) == 1


def test_ids_differing_only_in_case_are_rejected(tmp_path):
    write(tmp_path, "procedures/a/neglect.md", VALID.format(id="neglect", extra=""))
    write(tmp_path, "procedures/b/other.md", VALID.format(id="Neglect", extra=""))
    found = messages(tmp_path)
    assert found == ['procedures/b/other.md:2: id: "Neglect" must use only lower-case letters, digits and hyphens — for example `neglect`']


@pytest.mark.parametrize("name, fixed", [("Neglect Guidance.md", "neglect-guidance.md"), ("Neglect.md", "neglect.md")])
def test_file_names_with_spaces_or_capitals_are_rejected_with_a_fix(tmp_path, name, fixed):
    write(tmp_path, f"procedures/core/{name}", VALID.format(id="neglect", extra=""))
    assert messages(tmp_path) == [f'procedures/core/{name}:1: the file name "{name}" must use only lower-case '
                                  f"letters, digits and hyphens (it becomes the web address) — rename it to `{fixed}`"]


def test_a_link_to_a_file_outside_the_repository_is_rejected(tmp_path):
    outside = write(tmp_path, "elsewhere/secret.md", VALID.format(id="secret", extra=""))
    (tmp_path / "repo/procedures/core").mkdir(parents=True)
    os.symlink(outside, tmp_path / "repo/procedures/core/secret.md")
    manual = load_manual(tmp_path / "repo")
    assert manual.procedures == []
    assert [f.code for f in manual.findings] == ["symlink"]
    assert "outside the repository" in manual.findings[0].message


SECTION = "title: {title}\ndefaults:\n{defaults}"
BARE = """---
id: {id}
title: T
summary: S
status: approved
approved_on: 2025-04-01
last_reviewed: 2025-04-01
{extra}---
"""


def test_defaults_match_by_path_segment_and_the_nearest_folder_wins(tmp_path):
    write(tmp_path, "procedures/_section.yml", SECTION.format(title="All", defaults=(
        "  owner: Root Group\n  approved_by: Board\n  review_every: 24\n  applies_to: [Police, Health]\n")))
    write(tmp_path, "procedures/ops/_section.yml", SECTION.format(title="Ops", defaults=(
        "  owner: Ops Group\n  applies_to: [Education]\n")))
    write(tmp_path, "procedures/ops/deep/_section.yml", SECTION.format(title="Deep", defaults="  review_every: 6\n"))
    write(tmp_path, "procedures/ops/a.md", BARE.format(id="a", extra=""))
    write(tmp_path, "procedures/ops/deep/b.md", BARE.format(id="b", extra=""))
    write(tmp_path, "procedures/ops-archive/c.md", BARE.format(id="c", extra=""))
    write(tmp_path, "procedures/ops/d.md", BARE.format(id="d", extra="owner: Own Group\nnext_review: 2025-10-01\n"))
    manual = load_manual(tmp_path)
    assert manual.findings == []
    got = {p.id: (p.owner, p.applies_to, str(p.next_review)) for p in manual.procedures}
    assert got == {
        "a": ("Ops Group", ["Education"], "2027-04-01"),        # lists replace, never append
        "b": ("Ops Group", ["Education"], "2025-10-01"),        # nearest folder's cycle
        "c": ("Root Group", ["Police", "Health"], "2027-04-01"),  # ops/ never leaks into ops-archive/
        "d": ("Own Group", ["Education"], "2025-10-01"),        # the page's own date beats the cycle
    }


def test_a_bad_section_default_is_reported_in_the_section_file(tmp_path):
    write(tmp_path, "procedures/core/_section.yml", SECTION.format(title="Core", defaults="  reveiw_every: 12\n"))
    found = messages(tmp_path)
    assert found == ["procedures/core/_section.yml:3: `reveiw_every` cannot be a section default — did you mean `review_every`?"]


def test_an_approved_procedure_cannot_keep_todo_placeholders(tmp_path):
    text = VALID.format(id="neglect", extra="").replace("How to respond to neglect.", '"TODO: one sentence"')
    assert one_error(tmp_path, text=text) == (
        "procedures/core/neglect.md:4: summary still says TODO — replace it with the real text before approving the procedure")

"""The editors' tools: new_procedure.py (a new draft) and import_docx.py (a Word document as a
new draft). Every result must load with the same loader as the build, with no findings."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import docx
import markdown
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from hypothesis import given, settings, strategies as st

from safeguarding_manual.content import frontmatter, safety
from safeguarding_manual.tools import importdocx, newproc
from safeguarding_manual.content.loader import load_manual

REPO = Path(__file__).resolve().parent.parent
TODAY = "2025-11-03"

SECTION = """title: Core procedures
order: 1
defaults:
  owner: Procedures Group
  approved_by: Safeguarding Accountability Meeting
  review_every: 24
"""
PROCEDURE = """---
id: {id}
title: {title}
summary: An existing procedure.
status: {status}
approved_on: 2025-04-01
last_reviewed: 2025-04-01
---

# {title}
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def manual(tmp_path: Path) -> Path:
    """Two sections with defaults, one without; an approved procedure and a draft."""
    write(tmp_path, "procedures/core/_section.yml", SECTION)
    write(tmp_path, "procedures/practice-guidance/_section.yml", SECTION.replace("Core", "Practice"))
    write(tmp_path, "procedures/bare/_section.yml", "title: A section without defaults\n")
    write(tmp_path, "procedures/core/neglect.md", PROCEDURE.format(id="neglect", title="Neglect",
                                                                    status="approved"))
    write(tmp_path, "procedures/practice-guidance/prevent-draft.md",
          PROCEDURE.format(id="prevent", title="Prevent", status="draft"))
    assert load_manual(tmp_path).findings == []
    return tmp_path


def run_new(root: Path, *args: str) -> int:
    return newproc.main([*args, "--root", str(root), "--today", TODAY])


def run_import(root: Path, *args: str) -> int:
    return importdocx.main([*args, "--root", str(root), "--today", TODAY])


def body_of(path: Path) -> str:
    return frontmatter.read(path.name, path.read_bytes()).body


def assert_valid(root: Path, path: Path) -> None:
    manual = load_manual(root)
    assert [str(f) for f in manual.findings] == []
    rel = path.relative_to(root).as_posix()
    assert rel in {p.path for p in manual.procedures}
    doc = frontmatter.read(rel, path.read_bytes())
    assert safety.check_markdown(rel, doc.body, doc.body_line) == []


# --- new_procedure.py --------------------------------------------------------------------------

def test_new_procedure_writes_a_valid_draft_using_the_section_defaults(manual, capsys):
    assert run_new(manual, "Children missing from education", "--section", "core") == 0
    path = manual / "procedures/core/children-missing-from-education.md"
    text = path.read_text(encoding="utf-8")
    front, body = text.split("\n---\n", 1)
    assert front.splitlines()[:6] == [
        "---",
        "id: children-missing-from-education",
        "title: Children missing from education",
        'summary: "TODO: one sentence on the scope of this procedure"',
        "status: draft",
        "last_reviewed: 2025-11-03",
    ]
    assert "approved_on:" not in front  # an approval is recorded only when it is given
    # The section's defaults are not repeated, so changing them still reaches this page.
    for key in ("owner:", "approved_by:", "review_every:"):
        assert f"\n{key}" not in front
    headings = [line for line in body.splitlines() if line.startswith("#")]
    assert headings == ["# Children missing from education", "## Scope", "## Who this applies to",
                        "## What to do", "## Timescales", "## Related procedures",
                        "## Legislation and guidance"]
    assert_valid(manual, path)
    p = load_manual(manual).by_id["children-missing-from-education"]
    assert (p.status, p.owner, p.approved_by, p.review_every, p.section) == (
        "draft", "Procedures Group", "Safeguarding Accountability Meeting", 24, "core")
    assert str(p.last_reviewed) == TODAY and p.approved_on is None
    out = capsys.readouterr().out
    assert "procedures/core/children-missing-from-education.md" in out
    assert "MANUAL_PREVIEW=1 .venv/bin/mkdocs serve" in out
    assert "http://127.0.0.1:8000/procedures/core/children-missing-from-education/" in out


def test_owner_is_written_only_when_it_differs_from_the_default(manual):
    assert run_new(manual, "Private fostering", "--section", "core", "--owner", "Fostering Panel") == 0
    text = (manual / "procedures/core/private-fostering.md").read_text(encoding="utf-8")
    assert "\nowner: Fostering Panel\n" in text
    assert run_new(manual, "Young carers", "--section", "core", "--owner", "Procedures Group") == 0
    assert "owner:" not in (manual / "procedures/core/young-carers.md").read_text(encoding="utf-8")
    assert load_manual(manual).by_id["private-fostering"].owner == "Fostering Panel"


def test_list_defaults_of_the_section_are_not_replaced(manual):
    write(manual, "procedures/health/_section.yml", SECTION + "  applies_to: [Health]\n"
          "  threshold_levels: [3, 4]\n")
    assert run_new(manual, "Fabricated illness", "--section", "health") == 0
    text = (manual / "procedures/health/fabricated-illness.md").read_text(encoding="utf-8")
    assert "\napplies_to:" not in text and "\nthreshold_levels:" not in text
    assert "\nrelated: []" in text
    p = load_manual(manual).by_id["fabricated-illness"]
    assert (p.applies_to, p.threshold_levels) == (["Health"], [3, 4])


def test_a_section_without_defaults_gets_placeholders_that_validate(manual, capsys):
    assert run_new(manual, "Bullying", "--section", "bare", "--owner", "Education Group") == 0
    path = manual / "procedures/bare/bullying.md"
    text = path.read_text(encoding="utf-8")
    assert "\nowner: Education Group\n" in text
    assert "approved_by" not in text  # recorded only with an approval
    assert "\nreview_every: 24\n" in text
    assert_valid(manual, path)
    assert run_new(manual, "Online safety", "--section", "bare") == 0
    assert "\nowner: \"TODO: the role or group responsible (never a person's name)\"\n" in \
        (manual / "procedures/bare/online-safety.md").read_text(encoding="utf-8")
    assert load_manual(manual).findings == []


def test_titles_that_need_quoting_or_escaping_round_trip(manual):
    assert run_new(manual, "Scope: *who* [[neglect]] # 1", "--section", "core") == 0
    path = manual / "procedures/core/scope-who-neglect-1.md"
    assert load_manual(manual).by_id["scope-who-neglect-1"].title == "Scope: *who* [[neglect]] # 1"
    assert "# Scope: \\*who\\* \\[\\[neglect\\]\\] \\# 1\n" in body_of(path)
    assert_valid(manual, path)


@pytest.mark.parametrize("title, expected", [
    ("Children's services", "childrens-services"),
    ("Café  &  Crèche  visits", "cafe-creche-visits"),
    ("Female genital mutilation (FGM)", "female-genital-mutilation-fgm"),
    ("word " * 30, ("word-" * 12).rstrip("-")),
])
def test_ids_are_slugs_of_the_title(title, expected):
    assert newproc.make_id(title) == expected


def test_refuses_to_overwrite_an_existing_file(manual, capsys):
    path = write(manual, "procedures/core/broken.md", "not a procedure\n")
    assert run_new(manual, "Broken", "--section", "core") == 1
    err = capsys.readouterr().err
    assert "procedures/core/broken.md already exists — this never overwrites a file" in err
    assert path.read_text(encoding="utf-8") == "not a procedure\n"


@pytest.mark.parametrize("title, section, used_by", [
    ("Neglect", "practice-guidance", "procedures/core/neglect.md"),  # approved, other section
    ("PREVENT", "core", "procedures/practice-guidance/prevent-draft.md"),  # a draft, by its id
])
def test_rejects_a_title_whose_id_is_already_used(manual, capsys, title, section, used_by):
    assert run_new(manual, title, "--section", section) == 1
    err = capsys.readouterr().err
    ident = title.lower()
    assert f'the id "{ident}" (made from the title) is already used by {used_by} — every ' \
           "procedure needs its own id" in err
    assert "Traceback" not in err
    assert not (manual / f"procedures/{section}/{ident}.md").exists()


def test_unknown_section_lists_the_sections_with_did_you_mean(manual, capsys):
    assert run_new(manual, "Bullying", "--section", "practise-guidance") == 2
    err = capsys.readouterr().err
    assert ('there is no section "practise-guidance" — did you mean `practice-guidance`? '
            "The sections are: bare, core, practice-guidance") in err
    assert run_new(manual, "Bullying", "--section", "zzz") == 2
    assert 'there is no section "zzz". The sections are: bare, core, practice-guidance' in \
        capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["Title"], "the following arguments are required: --section"),
    (["--section", "core"], "the following arguments are required: title"),
    (["Title", "--section", "core", "--today", "2025-02-30"], '"2025-02-30" is not a real date'),
    (["Title", "--section", "core", "--today", "3 Nov"], "is not a date in the form YYYY-MM-DD"),
    (["???", "--section", "core"], 'the title "???" gives no usable id'),
    (["Title", "--section", "core", "--owner", " "], "--owner is empty"),
])
def test_usage_errors_exit_2_with_a_sentence(manual, capsys, argv, message):
    assert newproc.main([*argv, "--root", str(manual)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_procedures_folder_comes_from_mkdocs_yml(tmp_path, capsys):
    write(tmp_path, "mkdocs.yml", "site_name: T\nplugins:\n  - manual:\n      procedures_dir: manual\n"
          "      agencies: [Police]\n")
    write(tmp_path, "manual/core/_section.yml", SECTION)
    assert run_new(tmp_path, "Bullying", "--section", "core") == 0
    assert "http://127.0.0.1:8000/manual/core/bullying/" in capsys.readouterr().out
    assert load_manual(tmp_path, "manual").by_id["bullying"].path == "manual/core/bullying.md"


def test_no_manual_in_root_is_a_usage_error(tmp_path, capsys):
    assert run_new(tmp_path, "Bullying", "--section", "core") == 2
    assert "there is no procedures/ folder in" in capsys.readouterr().err


def test_new_procedure_script_runs_as_a_command(manual):
    result = subprocess.run([sys.executable, str(REPO / "scripts/new_procedure.py"), "Bullying",
                             "--section", "core", "--today", TODAY], cwd=manual,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Created procedures/core/bullying.md" in result.stdout
    again = subprocess.run([sys.executable, str(REPO / "scripts/new_procedure.py"), "Bullying",
                            "--section", "core"], cwd=manual, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr


# --- Word documents for the importer -------------------------------------------------------------

def tiny_png() -> bytes:
    """A 1×1 red PNG, written byte by byte."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def add_hyperlink(paragraph, text: str, url: str) -> None:
    rid = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run, t = OxmlElement("w:r"), OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def add_bookmark(paragraph, name: str) -> None:
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), "7")
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), "7")
    paragraph._p.append(start)
    paragraph.add_run("Contacts")
    paragraph._p.append(end)


def procedure_docx(path: Path, *, alt: str = "Flow chart of the referral route") -> Path:
    d = docx.Document()
    d.add_heading("Responding to neglect", 1)
    d.add_paragraph("")
    d.add_heading("Scope", 2)
    p = d.add_paragraph("This covers ")
    p.add_run("babies").bold = True
    p.add_run(" and ")
    p.add_run("older children").italic = True
    p.add_run(". See ")
    add_hyperlink(p, "the national guidance", "https://example.org/neglect?x=1&y=2")
    p.add_run(".")
    d.add_paragraph("\xa0\xa0\xa0")
    d.add_paragraph("Text with\xa0\xa0\xa0non-breaking spaces, a [[neglect]] and * a <b>tag</b>.")
    d.add_paragraph("")
    d.add_heading("What to do", 2)
    d.add_paragraph("Check the child is safe.", style="List Number")
    d.add_paragraph("Talk to your safeguarding lead.", style="List Number")
    d.add_paragraph("Write down what you saw.", style="List Bullet 2")
    d.add_paragraph("Keep the child's own words.", style="List Bullet 2")
    d.add_paragraph("Make a referral.", style="List Number")
    d.add_heading("Who to tell", 3)
    d.add_paragraph("Your manager", style="List Bullet")
    d.add_paragraph("The MACH", style="List Bullet")
    d.add_heading("Timescales", 2)
    table = d.add_table(rows=3, cols=2)
    for r, row in enumerate([("What", "When"), ("Referral", "Same day"), ("Assessment", "10 | 15 days")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.add_picture(io.BytesIO(tiny_png()))
    d.inline_shapes[0]._inline.docPr.set("descr", alt)
    d.add_paragraph("")
    d.add_heading("Related procedures", 2)
    add_bookmark(d.add_paragraph(), "_GoBack")
    d.save(path)
    return path


EXPECTED_BODY = """
# Responding to neglect

## Scope

This covers **babies** and *older children*. See [the national guidance](https://example.org/neglect?x=1&y=2).

Text with non-breaking spaces, a \\[\\[neglect\\]\\] and \\* a &lt;b>tag&lt;/b>.

## What to do

1. Check the child is safe.
2. Talk to your safeguarding lead.
    - Write down what you saw.
    - Keep the child's own words.
3. Make a referral.

### Who to tell

- Your manager
- The MACH

## Timescales

| What | When |
|---|---|
| Referral | Same day |
| Assessment | 10 \\| 15 days |

![Flow chart of the referral route](responding-to-neglect-images/image1.png)

## Related procedures

Contacts
"""


# --- import_docx.py ------------------------------------------------------------------------------

def test_import_converts_a_word_procedure(manual, tmp_path, capsys):
    source = procedure_docx(tmp_path / "Responding to neglect.docx")
    assert run_import(manual, str(source), "--section", "core") == 0
    path = manual / "procedures/core/responding-to-neglect.md"
    assert body_of(path) == EXPECTED_BODY
    front = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    assert 'summary: "TODO: one sentence on the scope of this procedure"' in front
    assert "status: draft" in front and "owner:" not in front
    image = manual / "procedures/core/responding-to-neglect-images/image1.png"
    assert image.read_bytes() == tiny_png()
    assert_valid(manual, path)
    # The images folder is not a section.
    assert newproc.real_sections(load_manual(manual), "procedures") == ["bare", "core", "practice-guidance"]
    captured = capsys.readouterr()
    assert "Created procedures/core/responding-to-neglect.md" in captured.out
    assert "http://127.0.0.1:8000/procedures/core/responding-to-neglect/" in captured.out
    assert "Saved 1 image in procedures/core/responding-to-neglect-images/" in captured.out
    assert "warning" not in captured.err, captured.err


def test_imported_markdown_renders_the_features(manual, tmp_path):
    source = procedure_docx(tmp_path / "neglect.docx")
    assert run_import(manual, str(source), "--section", "core") == 0
    html = markdown.markdown(body_of(manual / "procedures/core/responding-to-neglect.md"),
                             extensions=["tables", "attr_list", "footnotes"])
    assert "<strong>babies</strong>" in html and "<em>older children</em>" in html
    assert '<a href="https://example.org/neglect?x=1&amp;y=2">the national guidance</a>' in html
    assert "<ol>\n<li>Check the child is safe.</li>" in html
    assert "<li>Talk to your safeguarding lead.<ul>\n<li>Write down what you saw.</li>" in html
    assert "<th>What</th>" in html and "<td>10 | 15 days</td>" in html
    assert '<img alt="Flow chart of the referral route" src="responding-to-neglect-images/image1.png" />' in html
    assert "[[neglect]] and * a &lt;b&gt;tag&lt;/b&gt;." in html
    assert "&nbsp;" not in html and "\xa0" not in html and "_GoBack" not in html


def test_import_lists_what_it_could_not_convert(manual, tmp_path, capsys):
    d = docx.Document()
    d.styles.add_style("Fancy Box", WD_STYLE_TYPE.PARAGRAPH)
    d.add_paragraph("A styled paragraph", style="Fancy Box")
    d.add_paragraph("Another", style="Fancy Box")
    d.add_picture(io.BytesIO(tiny_png()))
    source = tmp_path / "old_procedure_v3.docx"
    d.save(source)
    assert run_import(manual, str(source), "--section", "core") == 0
    err = capsys.readouterr().err.splitlines()
    assert f"{source}: warning: Unrecognised paragraph style: Fancy Box (Style ID: FancyBox)" in err
    assert f"{source}: warning: image image1.png has no alternative text — add a short description " \
           "in the square brackets for people who cannot see it" in err
    # No Heading 1: the title comes from the file name.
    path = manual / "procedures/core/old-procedure-v3.md"
    assert body_of(path) == ("\n# Old procedure v3\n\nA styled paragraph\n\nAnother\n\n"
                             "![](old-procedure-v3-images/image1.png)\n")
    assert_valid(manual, path)


def test_import_title_option_replaces_the_heading_1(manual, tmp_path):
    source = procedure_docx(tmp_path / "x.docx")
    assert run_import(manual, str(source), "--section", "practice-guidance", "--title", "Neglect: babies") == 0
    path = manual / "procedures/practice-guidance/neglect-babies.md"
    body = body_of(path)
    assert body.startswith("\n# Neglect: babies\n\n## Scope\n")
    assert "Responding to neglect" not in body
    assert "![Flow chart of the referral route](neglect-babies-images/image1.png)" in body
    assert load_manual(manual).by_id["neglect-babies"].title == "Neglect: babies"
    assert_valid(manual, path)


def test_import_refuses_a_clashing_id_and_writes_nothing(manual, tmp_path, capsys):
    source = procedure_docx(tmp_path / "x.docx")
    assert run_import(manual, str(source), "--section", "core", "--title", "Prevent") == 1
    err = capsys.readouterr().err
    assert 'the id "prevent" (made from the title) is already used by ' \
           "procedures/practice-guidance/prevent-draft.md" in err
    assert not (manual / "procedures/core/prevent.md").exists()
    assert not (manual / "procedures/core/prevent-images").exists()


def test_import_refuses_to_overwrite_and_leaves_nothing_half_written(manual, tmp_path, capsys):
    source = procedure_docx(tmp_path / "x.docx")
    assert run_import(manual, str(source), "--section", "core") == 0
    before = (manual / "procedures/core/responding-to-neglect.md").read_bytes()
    assert run_import(manual, str(source), "--section", "core") == 1
    assert "procedures/core/responding-to-neglect.md already exists" in capsys.readouterr().err
    assert (manual / "procedures/core/responding-to-neglect.md").read_bytes() == before
    # A stray images folder from an earlier attempt is never mixed with new images.
    (manual / "procedures/core/other-images").mkdir()
    assert run_import(manual, str(source), "--section", "core", "--title", "Other") == 1
    assert "procedures/core/other-images already exists" in capsys.readouterr().err
    assert not (manual / "procedures/core/other.md").exists()
    assert load_manual(manual).findings == []


def test_an_empty_document_is_reported(manual, tmp_path, capsys):
    d = docx.Document()
    d.add_heading("Only a title", 1)
    d.add_paragraph("\xa0")
    d.save(tmp_path / "empty.docx")
    assert run_import(manual, str(tmp_path / "empty.docx"), "--section", "core") == 0
    assert "warning: the document has no text to convert apart from its title" in capsys.readouterr().err
    path = manual / "procedures/core/only-a-title.md"
    assert body_of(path) == "\n# Only a title\n\n"
    assert_valid(manual, path)


@pytest.mark.parametrize("name, content, code, message", [
    ("missing.docx", None, 2, "missing.docx: no such file"),
    ("old.doc", b"\xd0\xcf\x11\xe0", 2, "old.doc: only Word .docx files can be imported — open it in Word (or LibreOffice) and save it as a Word Document (.docx)"),
    ("broken.docx", b"not a zip file", 1, "broken.docx: is not a Word document (a .docx file is a zip package, and this is not one)"),
])
def test_import_bad_input_gets_a_sentence_not_a_traceback(manual, tmp_path, capsys, name, content, code, message):
    source = tmp_path / name
    if content is not None:
        source.write_bytes(content)
    assert run_import(manual, str(source), "--section", "core") == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_import_unknown_section_exits_2_with_did_you_mean(manual, tmp_path, capsys):
    source = procedure_docx(tmp_path / "x.docx")
    assert run_import(manual, str(source), "--section", "Core") == 2
    assert 'there is no section "Core" — did you mean `core`?' in capsys.readouterr().err


def test_import_script_runs_as_a_command(manual, tmp_path):
    source = procedure_docx(tmp_path / "x.docx", alt="")
    result = subprocess.run([sys.executable, str(REPO / "scripts/import_docx.py"), str(source),
                             "--section", "core", "--today", TODAY], cwd=manual,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Created procedures/core/responding-to-neglect.md" in result.stdout
    assert f"{source}: warning: image image1.png has no alternative text" in result.stderr
    assert_valid(manual, manual / "procedures/core/responding-to-neglect.md")


# --- the HTML → Markdown converter on HTML mammoth writes for what python-docx cannot make -------

def convert(html: str) -> tuple[str, list[str]]:
    writer = importdocx.MarkdownWriter("x-images", {"image1.png": "image1.png"})
    return writer.document(importdocx.parse_html(html)), writer.warnings


def test_footnotes_become_markdown_footnotes():
    md, _ = convert('<p>Fact<sup><a href="#footnote-1" id="footnote-ref-1">[1]</a></sup>.</p>'
                    '<ol><li id="footnote-1"><p> The source. <a href="#footnote-ref-1">↑</a></p></li></ol>')
    assert md == "Fact[^1].\n\n[^1]: The source.\n"


def test_word_clutter_is_removed():
    md, warnings = convert('<p class="word-toc"><a href="#_Toc1">Scope 1</a></p>'
                           '<p><a href="#_Toc2">What to do\t2</a></p><h2><a id="_Toc1"></a>Scope</h2>'
                           '<p><a id="_GoBack"></a>\u00a0\u00a0Text\u200b with\u00ad  spaces\u00a0</p><p> </p>')
    assert md == "## Scope\n\nText with spaces\n"
    assert warnings == ["removed the Word table of contents (2 lines) — the website lists a "
                        "page's headings itself"]


def test_links_that_cannot_work_on_the_site_become_text():
    md, warnings = convert('<p><a href="#mark">see above</a>, <a href="file:///S:/x.docx">the form</a>, '
                           '<a href="javascript:alert(1)">x</a>, <a href="mailto:a@b.org">mail</a>, '
                           '<a href="https://x.org/a b(c)">web</a></p>')
    assert md == "see above, the form, x, [mail](mailto:a@b.org), [web](https://x.org/a%20b%28c%29)\n"
    assert len(warnings) == 3
    assert safety.check_markdown("x.md", md, 1) == []


def test_merged_cells_and_lists_in_cells():
    md, warnings = convert('<table><thead><tr><th colspan="2">Who</th><th>When</th></tr></thead>'
                           '<tbody><tr><td rowspan="2"><p>A</p></td><td><ul><li>one</li><li>two</li></ul></td>'
                           '<td><p>x</p><p>y</p></td></tr><tr><td>B</td><td>C</td></tr></tbody></table>')
    assert md == ("| Who |  | When |\n|---|---|---|\n| A | • one<br>• two | x<br>y |\n"
                  "|  | B | C |\n")
    assert any("merged cells" in w for w in warnings) and any("•" in w for w in warnings)


def test_headings_lists_and_quotes():
    md, _ = convert("<h1>Title</h1><h1>Part two</h1><h2><strong>Sub</strong> C#</h2>"
                    "<ul><li>a</li></ul><ol><li>1. starts with a number</li><li><ul><li>orphan</li></ul></li></ol>"
                    "<blockquote><p>quoted</p></blockquote><p>- not a list</p><p>1<sup>st</sup> line<br />next</p>")
    assert md == ("## Title\n\n## Part two\n\n### Sub C\\#\n\n- a\n\n<!-- -->\n\n"
                  "1. 1\\. starts with a number\n- orphan\n\n> quoted\n\n\\- not a list\n\n"
                  "1<sup>st</sup> line<br>next\n")
    assert safety.check_markdown("x.md", md, 1) == []


def test_line_starts_that_markdown_extensions_would_read_as_syntax():
    md, _ = convert("<p>Term</p><p>: not a definition</p><p>!!! not a note</p><p>??? not a "
                    "details block</p><p>~~~ not code</p><p># not a heading</p><p>2) not a list</p>")
    assert md == ("Term\n\n&#58; not a definition\n\n\\!!! not a note\n\n&#63;?? not a details "
                  "block\n\n&#126;~~ not code\n\n\\# not a heading\n\n2\\) not a list\n")
    PLAIN.reset()
    assert PLAIN.convert(md).count("<p>") == 7


def test_a_one_cell_table_becomes_a_quote():
    md, warnings = convert("<table><tr><td><p>Remember</p><p>this</p></td></tr></table>")
    assert md == "> Remember\n>\n> this\n"
    PLAIN.reset()
    assert PLAIN.convert(md) == "<blockquote>\n<p>Remember</p>\n<p>this</p>\n</blockquote>"
    assert warnings == ["a one-cell table (a boxed note) became a quotation block"]


def test_a_bold_or_italic_space_between_words_is_kept():
    """markdownify's own bold and italics drop markup that holds only a space, joining Word's
    words ("one<b> </b>two" would be "onetwo")."""
    md, _ = convert("<p>one<strong> </strong>two<em> </em>three <strong> four </strong>five</p>")
    assert md == "one two three **four** five\n"


def test_list_items_with_paragraphs_keep_their_markers_and_four_space_indents():
    """markdownify indents an item's content by its marker's width (three for `1. `), which
    Python-Markdown does not nest; and an item with a paragraph needs a blank line after it."""
    md, warnings = convert("<ol><li><p>First</p><p>more</p></li><li>Second<ul><li>sub</li></ul>"
                           "after</li><li>Third</li></ol>")
    assert md == "1. First\n\n    more\n\n2. Second\n    - sub\n\n    after\n\n3. Third\n"
    assert warnings == []
    PLAIN.reset()
    assert PLAIN.convert(md) == ("<ol>\n<li>\n<p>First</p>\n<p>more</p>\n</li>\n<li>\n<p>Second</p>\n"
                                 "<ul>\n<li>sub</li>\n</ul>\n<p>after</p>\n</li>\n<li>\n<p>Third</p>\n"
                                 "</li>\n</ol>")


def test_a_footnote_back_link_is_dropped_without_a_warning():
    _, warnings = convert('<p>Fact<sup><a href="#footnote-1" id="footnote-ref-1">[1]</a></sup>.</p>'
                          '<ol><li id="footnote-1"><p>The source. <a href="#footnote-ref-1">↑</a></p></li></ol>')
    assert warnings == []


# The site's Markdown extensions (mkdocs.yml), less smartsymbols, which changes (c) into ©.
PLAIN = markdown.Markdown(extensions=["abbr", "admonition", "attr_list", "def_list", "footnotes",
                                      "md_in_html", "tables", "toc", "pymdownx.details",
                                      "pymdownx.superfences", "pymdownx.tasklist"])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab _*`[]{}<>&#|!\\-+.1:;=()^~?\"'", min_size=1, max_size=30))
def test_escaped_text_renders_as_written(text):
    """Whatever the Word text, Markdown shows it as written (and never as HTML)."""
    import html as html_mod
    words = " ".join(text.split())
    if not words:
        return
    md, _ = convert(f"<p>{html_mod.escape(text)}</p>")
    PLAIN.reset()
    rendered = PLAIN.convert(md)
    assert rendered.startswith("<p>") and rendered.endswith("</p>"), (md, rendered)
    assert html_mod.unescape(rendered[3:-4]) == words
    assert safety.check_markdown("x.md", md, 1) == []

"""Reading front matter: every malformed input becomes one clear, line-numbered finding."""

import pytest
from hypothesis import given, settings, strategies as st

from safeguarding_manual.content import frontmatter
from safeguarding_manual.content.findings import ContentError


def error_of(text: str | bytes, path: str = "procedures/core/x.md"):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(ContentError) as exc:
        frontmatter.read(path, raw)
    assert len(exc.value.findings) == 1
    return exc.value.findings[0]


@pytest.mark.parametrize("text, line, words", [
    ("---\nid: x\n\ttitle: y\n---\n", 3, "tab character"),
    ('---\nid: x\ntitle: "Neglect\nsummary: s\n---\n', 3, "quotation mark opened on line 3 is never closed"),
    ("---\nid: x\n  title: y\nsummary: z\n---\n", 3, "remove the spaces at the start"),
    ("---\nid: x\nrelated:\n  - a\n - b\n---\n", 5, "indentation"),
    ("---\nsummary: Scope: what this covers\n---\n", 2, "put the whole value in quotes"),
    ("# Just a heading\n", 1, "no front matter"),
    ("---\nid: x\ntitle: y\n", 1, "never closed"),
    ("", 1, "the file is empty"),
    ("  \n\n", 1, "the file is empty"),
    ("---\nid: x\nid: y\n---\n", 3, "`id` appears twice"),
    ("---\n- a\n- b\n---\n", 2, "must be a list of `key: value` lines"),
])
def test_malformed_front_matter_names_the_line_and_the_fix(text, line, words):
    finding = error_of(text)
    assert finding.path == "procedures/core/x.md"
    assert finding.line == line, finding
    assert words in finding.message


def test_not_utf8_says_how_to_save_it():
    finding = error_of(b"---\nid: x\ntitle: caf\xe9\n---\n")
    assert finding.line == 3
    assert "not saved as UTF-8" in finding.message and "Save as" in finding.message


def test_bom_and_windows_line_endings_are_accepted():
    doc = frontmatter.read("p.md", "\ufeff---\r\nid: neglect\r\ntitle: Neglect\r\n---\r\n# Neglect\r\n".encode())
    assert doc.meta == {"id": "neglect", "title": "Neglect"}
    assert doc.body == "# Neglect\n"
    assert doc.body_line == 5


def test_dates_stay_text_so_the_schema_can_explain_them():
    doc = frontmatter.read("p.md", b"---\nnext_review: 2025-02-30\n---\n")
    assert doc.meta["next_review"] == "2025-02-30"


def test_key_lines_are_recorded_including_list_items():
    doc = frontmatter.read("p.md", b"---\nid: a\nrelated:\n  - b\n  - c\n---\n")
    assert doc.line_of("id") == 2
    assert doc.line_of("related", 1) == 5


def test_a_huge_file_is_refused_quickly():
    finding = error_of(b"---\nid: x\n---\n" + b"word " * 300_000)
    assert "larger than" in finding.message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_a_document_or_a_clean_error(text):
    try:
        frontmatter.read("fuzz.md", ("---\n" + text + "\n---\nbody").encode("utf-8", "surrogatepass"))
    except ContentError as exc:
        assert exc.findings and all(f.path == "fuzz.md" and f.line >= 1 for f in exc.findings)
    except UnicodeEncodeError:
        pass  # lone surrogates cannot be written to a file in the first place


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_document_or_a_clean_error(raw):
    try:
        frontmatter.read("fuzz.md", raw)
    except ContentError as exc:
        assert exc.findings

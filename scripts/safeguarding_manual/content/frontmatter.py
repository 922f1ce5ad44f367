"""Strict front-matter reading with line numbers.

Why not `mkdocs.utils.meta.get_data`: it silently returns {} on bad YAML. Here every problem
becomes a Finding at the right line, and dates stay strings so the schema can say
"2025-02-30 is not a real date" instead of PyYAML raising deep inside its constructor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .findings import ContentError, Finding

MAX_BYTES = 1_000_000  # a procedure is a few KB; bound the work done on a pasted monster


# libyaml's parser when present (several times faster on a large manual), else pure Python.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """SafeLoader without the timestamp resolver (dates are validated by the schema)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Document:
    """A Markdown file split into front matter (with the line of each key) and body."""

    path: str
    meta: dict[str, Any]
    lines: dict[tuple, int] = field(default_factory=dict)  # ("key",) or ("key", index) -> line
    body: str = ""
    body_line: int = 1  # file line on which the body starts
    end_line: int = 1  # line of the closing '---'
    headings: dict[str, str] | None = None  # anchor -> heading text, filled in by the loader

    def line_of(self, *path: Any) -> int:
        return self.lines.get(path, self.lines.get(path[:1], 1))


def decode(path: str, raw: bytes) -> str:
    """Bytes to text: UTF-8 (a BOM is accepted), Windows line endings accepted."""
    if len(raw) > MAX_BYTES:
        raise ContentError([Finding(path, 1, f"the file is {len(raw):,} bytes, larger than the "
                                    f"{MAX_BYTES:,} a page may be — split it into several procedures",
                                    code="too-large")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError([Finding(path, line, "the file is not saved as UTF-8 text — in your "
                                    "editor choose 'Save as' with encoding UTF-8", code="encoding")])
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    m = CONTROL.search(text)
    if m:
        name = "NUL" if m.group(0) == "\x00" else f"U+{ord(m.group(0)):04X}"
        raise ContentError([Finding(path, text.count("\n", 0, m.start()) + 1, f"the file contains "
                                    f"an invisible control character ({name}) on this line — "
                                    "delete it (it is usually left by copying from another program)",
                                    code="encoding")])
    return text


def _indented(mark, text: str) -> bool:
    lines = text.split("\n")
    return mark is not None and mark.line < len(lines) and lines[mark.line][:1] in (" ", "\t")


def _yaml_problem(path: str, exc: yaml.YAMLError, offset: int, text: str = "") -> Finding:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = (mark.line + offset) if mark else offset
    problem = (getattr(exc, "problem", "") or "").strip()
    context = (getattr(exc, "context", "") or "").strip()
    cmark = getattr(exc, "context_mark", None)
    if "\\t" in problem or "'\\t'" in problem or "tab" in problem:
        msg = "a tab character is used for indentation — YAML needs spaces: replace the tab with two spaces"
    elif "quoted scalar" in context:
        start = (cmark.line + offset) if cmark else line
        line = start
        msg = (f"a quotation mark opened on line {start} is never closed — add the closing quote, "
               'for example: title: "Neglect"')
    elif "mapping values are not allowed" in problem and _indented(mark, text):
        msg = ("this line is indented but the line above it does not open a list or block — "
               "remove the spaces at the start of the line")
    elif "mapping values are not allowed" in problem:
        msg = ("a colon inside a value confuses YAML — put the whole value in quotes, "
               'for example: summary: "Scope: what this covers"')
    elif "expected <block end>" in problem or "did not find expected key" in problem \
            or "expected <document start>" in problem or "indentation" in problem:
        msg = ("the indentation is not consistent — every key must start at the left edge, "
               "and list items under a key must be indented the same way")
    elif "could not find expected ':'" in problem:
        msg = "a line is missing the colon after its key — write it as `key: value`"
    else:
        msg = f"the front matter is not valid YAML ({problem or context}) — check this line"
    return Finding(path, line, msg, code="yaml")


MAX_DEPTH = 12  # the deepest real data (threshold indicators) is 5 levels
MAX_NODES = 50_000
MAX_DIGITS = 15  # whole numbers longer than this are never real figures or months
STANDARD_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _lines(path: str, root: yaml.Node | None, offset: int) -> dict[tuple, int]:
    """Map every key path, e.g. ("related", 2) or ("levels", 0, "name"), to its file line, and
    refuse what content files must not hold: aliases (a few lines can expand to millions of
    values), tags such as !!binary or !!python, absurd nesting or numbers, repeated keys.
    Iterative, so no input can exhaust Python's stack."""
    out: dict[tuple, int] = {}
    problems: list[Finding] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple, int]] = [(root, (), offset)] if root is not None else []
    count = 0
    while stack:
        node, prefix, line = stack.pop()
        count += 1
        if id(node) in seen:
            problems.append(Finding(path, line, "this value repeats another through a YAML alias "
                                    "(`*name`) — anchors and aliases are not allowed in content "
                                    "files: write the value out in full", code="yaml-alias"))
            continue
        seen.add(id(node))
        if count > MAX_NODES:
            problems.append(Finding(path, line, f"the file holds more than {MAX_NODES:,} values — "
                                    "that is far more than any procedure or data file needs; "
                                    "split it", code="too-large"))
            break
        if len(prefix) > MAX_DEPTH:
            problems.append(Finding(path, line, f"the values are nested more than {MAX_DEPTH} levels "
                                    "deep — check the indentation (each level is two spaces)",
                                    code="too-deep"))
            continue
        if node.tag not in STANDARD_TAGS:
            problems.append(Finding(path, node.start_mark.line + offset,
                                    f"`{node.tag.replace('tag:yaml.org,2002:', '!!')}` is not allowed "
                                    "— content files hold plain text, numbers, dates, lists and "
                                    "`key: value` blocks only; remove the tag", code="yaml-tag"))
            continue
        if node.tag.endswith(":int") and len(node.value.lstrip("+-").replace("_", "")) > MAX_DIGITS:
            problems.append(Finding(path, node.start_mark.line + offset,
                                    f"the number `{node.value[:20]}…` is too large to be a real value "
                                    "— check it", code="number"))
            continue
        if isinstance(node, yaml.MappingNode):
            keys: set = set()
            for key_node, value_node in node.value:
                key = key_node.value
                key_line = key_node.start_mark.line + offset
                if not isinstance(key_node, yaml.ScalarNode):
                    problems.append(Finding(path, key_line, "a key must be a plain word, not a list "
                                            "or block — write it as `key: value`", code="yaml"))
                    continue
                if id(key_node) in seen:  # a key reused through an anchor and alias
                    problems.append(Finding(path, key_line, "this key repeats another through a YAML "
                                            "alias (`*name`) — anchors and aliases are not allowed in "
                                            "content files: write it out in full", code="yaml-alias"))
                    continue
                seen.add(id(key_node))
                if key in keys:
                    problems.append(Finding(path, key_line, f"`{'.'.join(map(str, (*prefix, key)))}` "
                                            "appears twice — keep one and delete the other",
                                            code="duplicate-key"))
                keys.add(key)
                out[(*prefix, key)] = key_line
                stack.append((value_node, (*prefix, key), key_line))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                item_line = item.start_mark.line + offset
                out[(*prefix, i)] = item_line
                stack.append((item, (*prefix, i), item_line))
    if problems:
        raise ContentError(sorted(set(problems)))
    return out


def load_yaml(path: str, text: str, offset: int = 1) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML text (dates kept as strings) into (data, line map); ContentError on problems.
    `offset` is the file line of the text's first line."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            lines = _lines(path, node, offset)  # before construction: refuse aliases and tags
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise ContentError([_yaml_problem(path, exc, offset, text)]) from None
    except (ValueError, OverflowError, RecursionError, MemoryError) as exc:
        raise ContentError([Finding(path, offset, f"a value could not be read ({str(exc)[:80]}) — "
                                    "check the numbers and dates in this file", code="yaml")]) from None
    return data, lines


def parse(path: str, text: str) -> Document:
    """Split and parse front matter. Raises ContentError with line-numbered findings."""
    if not text.strip():
        raise ContentError([Finding(path, 1, "the file is empty — start it with front matter "
                                    "between two `---` lines (copy an existing procedure)",
                                    code="empty")])
    all_lines = text.split("\n")
    if all_lines[0].rstrip() != "---":
        raise ContentError([Finding(path, 1, "no front matter — the file must start with a line "
                                    "`---`, then `id:`, `title:` … and another `---` line",
                                    code="no-front-matter")])
    end = next((i for i, ln in enumerate(all_lines[1:], start=1) if ln.rstrip() in ("---", "...")), None)
    if end is None:
        raise ContentError([Finding(path, 1, "the front matter that starts on line 1 is never "
                                    "closed — add a line `---` after the last key",
                                    code="unterminated")])
    yaml_text = "\n".join(all_lines[1:end])
    meta, lines = load_yaml(path, yaml_text, offset=2)  # YAML line 0 is file line 2
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ContentError([Finding(path, 2, "the front matter must be a list of `key: value` "
                                    "lines, for example `title: Neglect`", code="yaml")])
    body = "\n".join(all_lines[end + 1:])
    return Document(path, meta, lines, body, body_line=end + 2, end_line=end + 1)


def read(path: str, raw: bytes) -> Document:
    return parse(path, decode(path, raw))

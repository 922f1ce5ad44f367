"""Hostile content, by class of attack: data files, front matter, Markdown bodies, malformed
YAML and resource exhaustion. Every input is either rejected with `path:line: message` (the
build fails, no traceback, within 60 s) or shown as inert text in the built site, which is
parsed and checked file by file (see hostile_payloads.scan_site).

To stay fast, one build carries many hostile values; values the build rejects at their own
line are put back and the build repeated, and each parametrised case then judges its own
values in the shared result.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from hostile_payloads import (
    BY_ID, PAYLOADS, PAYLOAD_IDS, Instance, Markers, Mutations, Payload, Template, build,
    build_problems, container_spans, copy_minimal, copy_real, describe, leaked, literal_problems,
    marked, run_mutations, scan_site, walk_nodes, yaml_nodes, yq,
)

# --- shared projects -------------------------------------------------------------------------

_CACHE: dict = {}


@pytest.fixture(scope="session")
def templates(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("hostile-templates")
    return {"real": copy_real(base / "real"), "minimal": copy_minimal(base / "minimal")}


def fresh(templates: dict[str, Path], kind: str, dest: Path) -> Path:
    shutil.copytree(templates[kind], dest, symlinks=True)
    return dest


@pytest.mark.parametrize("kind", ["real", "minimal"])
def test_unmodified_projects_build_and_pass_every_site_check(kind, templates, tmp_path):
    """The checks themselves: the untouched sites must pass them (no false alarms)."""
    project = fresh(templates, kind, tmp_path / kind)
    b = build(project)
    assert b.ok and not b.traceback, b.summary()
    report = scan_site(project / "site")
    assert report.violations == [], "\n".join(map(str, report.violations[:20]))


def _payload_of(markers: dict[str, tuple[Payload, Instance]]):
    return lambda m: markers[m][0] if m in markers else None


def judge_values(runs, payload_id: str | None, rich_fields: set[str] = frozenset()) -> list[str]:
    """Failures for one payload's values across `runs` [(Run, {marker: (Payload, Instance)})],
    or (payload_id None) the build-level failures no single value is to blame for."""
    failures: list[str] = []
    for run, markers in runs:
        report = run.report
        of = _payload_of(markers)
        if payload_id is None:
            failures += run.problems
            if run.stuck:
                failures.append("the build failed with errors that no hostile value was reported at "
                                "(so none could be put back):\n  " + "\n  ".join(run.stuck[:12]))
            for v in report.violations:
                m = v.marker(of)
                if m is None or m not in markers:
                    failures.append(f"unsafe output not traceable to one value: {v}")
            if not report.pages:
                failures.append("no site was produced at all\n" + describe(run))
            continue
        for marker, (p, inst) in markers.items():
            if p.id != payload_id:
                continue
            where = f"{inst.path}:{inst.line} ({inst.field})"
            if marker in run.rejected_elsewhere:
                lines = sorted({ln for ln, _ in run.rejected_elsewhere[marker]})
                failures.append(f"{where}: rejected, but the message names line(s) {lines}, not the "
                                f"value's line: {run.rejected_elsewhere[marker][0][1][:160]}")
            for v in report.violations:
                if v.marker(of) == marker:
                    failures.append(f"{where}: UNSAFE OUTPUT ({'strict' if run.inspected_strict else 'non-strict'} "
                                    f"build): {v}")
            if run.accepted(marker) and not (p.rich and inst.field in rich_fields):
                for problem in literal_problems(report, marker, p):
                    failures.append(f"{where}: accepted but not shown as typed: {problem}")
    return failures


def _groups(slots: int, n_payloads: int) -> list[list[int]]:
    """Payload indices for each of `slots` values: one each when there are enough values;
    otherwise several share a value, the 3000-character one alone (so the others are not
    refused for length alone)."""
    if slots >= n_payloads:
        return [[s % n_payloads] for s in range(slots)]
    long_idx = next(i for i, p in enumerate(PAYLOADS) if p.id == "long-3000")
    if slots == 1:
        return [list(range(n_payloads))]
    others = [i for i in range(n_payloads) if i != long_idx]
    groups: list[list[int]] = [[] for _ in range(slots - 1)]
    for j, i in enumerate(others):
        groups[j % (slots - 1)].append(i)
    return groups + [[long_idx]]


def spread(muts: Mutations, path: str, fields: dict[str, list[tuple[int, int]]], build_no: int,
           builds: int, marks: Markers, registry: dict) -> None:
    """Give every instance of every field payloads, so that over `builds` builds each field
    gets every payload (several payloads share a value where a field occurs only a few times)."""
    for fname, spans in fields.items():
        n = len(spans)
        groups = _groups(n * builds, len(PAYLOADS))
        for j, (start, end) in enumerate(spans):
            idx = groups[build_no * n + j]
            parts, keys = [], []
            for k in idx:
                m = marks.next()
                parts.append(marked(PAYLOADS[k], m))
                keys.append(m)
            value = yq(" ".join(parts))
            for k, m in zip(idx, keys):
                inst = muts.add(Instance(m, PAYLOADS[k].id, fname, path, start, end, value,
                                         group=tuple(x for x in keys if x != m)))
                registry[m] = (PAYLOADS[k], inst)


# --- class 1: every text field of every data file ----------------------------------------------

def _threshold(path, is_key):
    if is_key or not path:
        return None
    if path[0] == "document" and len(path) == 2 and path[1] in ("title", "owner", "approved_by"):
        return "document." + path[1]
    if path[0] == "domains" and len(path) == 3 and path[2] in ("title", "description"):
        return "domain." + path[2]
    if path[0] == "levels" and len(path) == 3 and path[2] in ("name", "summary", "who", "who_leads"):
        return "level." + path[2]
    if path[0] == "levels" and len(path) == 4 and path[2] == "what_to_do":
        return "level.what_to_do"
    if path[0] == "levels" and len(path) >= 5 and path[2] == "indicators" and (len(path) == 5 or path[5] == "text"):
        return "indicator.text"
    if path[0] == "levels" and len(path) == 5 and path[2] == "examples" and path[4] in ("title", "situation", "response"):
        return "example." + path[4]
    return None


def _glossary(path, is_key):
    if is_key or len(path) < 2:
        return None
    if len(path) == 2 and path[1] in ("term", "abbr", "definition"):
        return path[1]
    if len(path) == 3 and path[1] == "aliases":
        return "aliases"
    return None


def _documents(path, is_key):
    if is_key or len(path) < 2:
        return None
    if len(path) == 2 and path[1] in ("title", "owner", "approved_by"):
        return path[1]
    if len(path) == 4 and path[1] == "amendments" and path[3] == "summary":
        return "amendment.summary"
    return None


def _structure(path, is_key):
    if is_key or not path:
        return None
    if path in (("title",), ("summary",)):
        return path[0]
    if path[0] == "nodes" and path[-1] in ("label", "note"):
        return "node." + path[-1]
    if path[0] == "links" and len(path) == 3 and path[2] == "label":
        return "link.label"
    return None


def _report(path, is_key):
    if not path:
        return None
    if is_key:
        return "category" if len(path) == 6 and path[0] == "charts" and path[4] == "values" else None
    if path == ("title",):
        return "report.title"
    if path[0] == "charts" and len(path) == 3 and path[2] in ("title", "description", "unit", "source"):
        return "chart." + path[2]
    if path[0] == "charts" and len(path) == 5 and path[2] == "series" and path[4] == "name":
        return "series.name"
    return None


def _thesaurus(path, is_key):
    if is_key or len(path) < 2:
        return None
    if len(path) == 3 and path[1] in ("phrases", "means"):
        return path[1]
    if len(path) == 2 and path[1] == "note":
        return "note"
    return None


EXTRA_DOCUMENTS = "".join(f"""
- id: hostile-doc-{i:02d}
  title: Document {i}
  owner: Owner {i}
  approved_by: Approver {i}{chr(10) + '  url: index.md' if i % 2 else ''}
  last_reviewed: 2025-03-31
  review_every: 24
  amendments:
    - date: 2025-04-01
      summary: Amendment {i}
""" for i in range(1, 16))

DATA_FILES = {
    "threshold": ("threshold.yml", _threshold,
                  {"level.who", "level.what_to_do", "level.who_leads", "example.situation", "example.response"}),
    "glossary": ("glossary.yml", _glossary, {"definition"}),
    "documents": ("documents.yml", _documents, set()),
    "structure": ("arrangements-structure.yml", _structure, set()),
    "annual-report": ("annual-report-2024-25.yml", _report, set()),
    "thesaurus": ("thesaurus.yml", _thesaurus, set()),
}
BUILDS_PER_FILE = {"annual-report": 3}  # enough values that each gets one payload; 2 elsewhere


def _data_runs(name: str, templates, tmp_path_factory):
    key = ("data", name)
    if key in _CACHE:
        return _CACHE[key]
    filename, classify, _rich = DATA_FILES[name]
    project = fresh(templates, "real", tmp_path_factory.mktemp(f"data-{name}") / "p")
    rel = f"docs/_data/{filename}"
    text = (project / rel).read_text(encoding="utf-8")
    if name == "documents":
        text = text.rstrip("\n") + "\n" + EXTRA_DOCUMENTS
    root = yaml_nodes(text)
    fields: dict[str, list[tuple[int, int]]] = {}
    for path, node, is_key in walk_nodes(root):
        f = classify(path, is_key)
        if f and isinstance(node, yaml.ScalarNode):
            fields.setdefault(f, []).append((node.start_mark.index, node.end_mark.index))
    marks = Markers(0)
    runs = []
    builds = BUILDS_PER_FILE.get(name, 2)
    for b in range(builds):
        muts = Mutations()
        muts.add_template(Template(rel, text, container_spans(root, text)))
        registry: dict = {}
        spread(muts, rel, fields, b, builds, marks, registry)
        runs.append((run_mutations(project, muts), registry))
    _CACHE[key] = (runs, fields)
    return _CACHE[key]


@pytest.mark.parametrize("payload", [*PAYLOAD_IDS, "(build)"])
@pytest.mark.parametrize("data_file", list(DATA_FILES))
def test_data_file_text_fields_reject_or_show_inert(data_file, payload, templates, tmp_path_factory):
    """Class 1: every text field of docs/_data/*.yml fed every payload (real repository copy)."""
    runs, fields = _data_runs(data_file, templates, tmp_path_factory)
    failures = judge_values(runs, None if payload == "(build)" else payload, DATA_FILES[data_file][2])
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures[:25])


# --- class 2: procedure front matter and _section.yml --------------------------------------------

FM_FIELDS = ["title", "summary", "owner", "approved_by", "keywords", "legislation", "amendment.summary",
             "version", "section.title", "section.description"]


def _front_matter_runs(templates, tmp_path_factory):
    key = ("front-matter",)
    if key in _CACHE:
        return _CACHE[key]
    project = fresh(templates, "minimal", tmp_path_factory.mktemp("front-matter") / "p")
    muts = Mutations()
    marks = Markers(5000)
    registry: dict = {}
    n = len(PAYLOADS)
    for i in range(n):
        folder = f"procedures/hostile-{i:02d}"
        ph = {f: f"@@{f}-{i}@@" for f in FM_FIELDS}
        section = (f'title: "{ph["section.title"]}"\ndescription: "{ph["section.description"]}"\n'
                   f"order: {10 + i}\n")
        proc = (f'---\nid: hostile-{i:02d}\ntitle: "{ph["title"]}"\nsummary: "{ph["summary"]}"\n'
                f'status: approved\nowner: "{ph["owner"]}"\napproved_by: "{ph["approved_by"]}"\n'
                f"approved_on: 2025-04-01\nlast_reviewed: 2025-06-01\nversion: \"{ph['version']}\"\n"
                f'keywords: ["{ph["keywords"]}"]\nlegislation: ["{ph["legislation"]}"]\n'
                f'amendments: [{{date: 2025-06-01, summary: "{ph["amendment.summary"]}"}}]\n---\n\n'
                f"# Procedure {i}\n\nBody of procedure {i}.\n")
        for path, text in ((f"{folder}/_section.yml", section), (f"{folder}/hostile-{i:02d}.md", proc)):
            benign = text
            for f, token in ph.items():
                benign = benign.replace(token, f"Benign {f} {i}")
            muts.add_template(Template(path, benign))
        for fi, f in enumerate(FM_FIELDS):
            p = PAYLOADS[(i + fi) % n]
            path = f"{folder}/_section.yml" if f.startswith("section.") else f"{folder}/hostile-{i:02d}.md"
            t = muts.templates[path].text
            benign_value = f'"Benign {f} {i}"'
            start = t.index(benign_value)
            m = marks.next()
            inst = muts.add(Instance(m, p.id, f, path, start, start + len(benign_value), yq(marked(p, m))))
            registry[m] = (p, inst)
    run = run_mutations(project, muts)
    _CACHE[key] = [(run, registry)]
    return _CACHE[key]


@pytest.mark.parametrize("payload", [*PAYLOAD_IDS, "(build)"])
def test_front_matter_and_section_fields_reject_or_show_inert(payload, templates, tmp_path_factory):
    """Class 2: title, summary, owner, approved_by, keywords, legislation, amendment summary,
    version and _section.yml title/description, each fed every payload (minimal fixture)."""
    runs = _front_matter_runs(templates, tmp_path_factory)
    failures = judge_values(runs, None if payload == "(build)" else payload)
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures[:25])


# --- class 3: Markdown body constructs ----------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89" + b"\0" * 16
S = "<script>alert(1)</script>"
# (id, body, expect, visible-as-text, visible-inside-code). expect: "reject" (must be refused),
# "either" (refused, or accepted with the `visible` strings shown as text), "inert" (accepted
# or refused; if accepted only the safety checks apply). `IMG` is the case's own images folder.
MD_CASES = [
    ("raw-script", S, "either", [S], []),
    ("raw-img-onerror", "<img src=x onerror=alert(1)>", "either", ["<img src=x onerror=alert(1)>"], []),
    ("raw-svg-onload", "<svg onload=alert(1)>", "either", ["<svg onload=alert(1)>"], []),
    ("raw-iframe", '<iframe src="https://evil.example"></iframe>', "either", ["<iframe"], []),
    ("raw-object", '<object data="https://evil.example/x.swf"></object>', "either", ["<object"], []),
    ("raw-embed", '<embed src="https://evil.example/x.swf">', "either", ["<embed"], []),
    ("raw-form-formaction", '<form action="https://evil.example"><button formaction="javascript:alert(1)">Go</button></form>', "either", ["<form"], []),
    ("raw-meta-refresh", '<meta http-equiv="refresh" content="0;url=https://evil.example">', "either", ["<meta"], []),
    ("raw-base", '<base href="https://evil.example/">', "either", ["<base"], []),
    ("raw-style", "<style>body{background:url(https://evil.example/x.png)}</style>", "either", ["<style>"], []),
    ("raw-entity-javascript", '<a href="&#106;avascript:alert(1)">x</a>', "either", ["<a href"], []),
    ("raw-tab-javascript", '<a href="java&#x09;script:alert(1)">x</a>', "either", ["<a href"], []),
    ("raw-vbscript", '<a href="vbscript:msgbox(1)">x</a>', "either", ["<a href"], []),
    ("raw-data-html", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>', "either", ["<a href"], []),
    ("raw-uppercase", '<A HREF="JaVaScRiPt:alert(1)" OnClick="alert(1)">x</A>', "either", ["<A HREF"], []),
    ("raw-md-in-html", f'<div markdown="1">\n{S}\n</div>', "either", [S], []),
    ("raw-unquoted-handler", "<span title=x onmouseover=alert(1)>x</span>", "either", ["onmouseover"], []),
    ("raw-after-comment", f"<!-- x -->{S}", "either", [S], []),
    ("raw-conditional-comment", f"<!--[if IE]>{S}<![endif]-->", "inert", [], []),
    ("raw-split-tag", "<scr<script>ipt>alert(1)</script>", "either", ["<scr<script>"], []),
    ("raw-noscript-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>', "either", ["<noscript>"], []),
    ("raw-math-xlink", '<math><mi xlink:href="javascript:alert(1)">x</mi></math>', "either", ["<math>"], []),
    ("raw-template", f"<template>{S}</template>", "either", ["<template>"], []),
    ("raw-md-in-html-handler", '<div markdown="1" onclick="alert(1)">x</div>', "either", ["onclick"], []),
    ("attr-link-onclick", '[x](https://example.org){ onclick="alert(1)" }', "either", ['onclick="alert(1)"'], []),
    ("attr-image-onerror", '![pic](IMG/a.png){ onerror="alert(1)" }', "either", ['onerror="alert(1)"'], []),
    ("attr-paragraph-onclick", 'A paragraph.\n{: onclick="alert(1)" }', "either", ['onclick="alert(1)"'], []),
    ("attr-heading-onclick", '## Heading { onclick="alert(1)" }', "either", ['onclick="alert(1)"'], []),
    ("attr-href-javascript", '[x](https://example.org){ href="javascript:alert(1)" }', "either", ['href="javascript:alert(1)"'], []),
    ("attr-src-remote", '![pic](IMG/a.png){ src="https://evil.example/a.png" }', "reject", [], []),
    ("attr-style-remote", 'Styled.\n{: style="background:url(https://evil.example/x.png)" }', "either", ["style="], []),
    ("attr-unquoted-handler", "[x](https://example.org){: onmouseover=alert(1) }", "either", ["onmouseover=alert(1)"], []),
    ("attr-mixed-case", '[x](https://example.org){ OnClick="alert(1)" }', "either", ["OnClick"], []),
    ("attr-formaction", '[x](https://example.org){ data-x="1" formaction="javascript:alert(1)" }', "either", ["formaction"], []),
    ("attr-id-config", "## Heading {#__config}", "inert", [], []),
    ("attr-reserved-class", "Fake exit button.\n{: .md-header .wf-exit }", "inert", [], []),
    ("ref-javascript", "[x][r]\n\n[r]: javascript:alert(1)", "either", ["javascript:alert(1)"], []),
    ("ref-javascript-angle", "[x][r]\n\n[r]: <javascript:alert(1)>", "either", ["javascript:alert(1)"], []),
    ("ref-javascript-entity", "[x][r]\n\n[r]: &#106;avascript:alert(1)", "either", ["avascript:alert(1)"], []),
    ("ref-javascript-next-line", "[x][r]\n\n[r]:\n    javascript:alert(1)", "either", ["javascript:alert(1)"], []),
    ("ref-javascript-indented", "[x][r]\n\n   [r]: javascript:alert(1)", "either", ["javascript:alert(1)"], []),
    ("ref-collapsed", "[r][]\n\n[r]: javascript:alert(1)", "either", ["javascript:alert(1)"], []),
    ("ref-image-remote", "![x][img]\n\n[img]: https://evil.example/a.png", "reject", [], []),
    ("link-entity", "[x](&#106;avascript:alert(1))", "either", ["avascript:alert(1)"], []),
    ("link-hex-entity", "[x](&#x6A;avascript:alert(1))", "either", ["avascript:alert(1)"], []),
    ("link-named-entity-colon", "[x](javascript&colon;alert(1))", "either", ["alert(1)"], []),
    ("link-tab", "[x](\tjavascript:alert(1))", "either", ["javascript:alert(1)"], []),
    ("link-control-char", "[x](\x01javascript:alert(1))", "reject", [], []),
    ("link-angle-space", "[x](< javascript:alert(1)>)", "either", ["javascript:alert(1)"], []),
    ("link-vbscript", "[x](vbscript:msgbox(1))", "either", ["vbscript:msgbox(1)"], []),
    ("link-data-html", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "either", ["data:text/html"], []),
    ("link-title-breakout", '[x](https://example.org "t\\" onclick=\\"alert(1)")', "inert", [], []),
    ("link-html-autolink", "<javascript:alert(1)>", "either", ["<javascript:alert(1)>"], []),
    ("link-in-reference-text", "[[[neglect]]](javascript:alert(1))", "either", ["javascript:alert(1)"], []),
    ("image-remote", "![x](https://evil.example/a.png)", "reject", [], []),
    ("image-remote-protocol-relative", "![x](//evil.example/a.png)", "reject", [], []),
    ("image-remote-upper-case", "![x](HTTPS://evil.example/a.png)", "reject", [], []),
    ("image-remote-spaces", "![x]( https://evil.example/a.png )", "reject", [], []),
    ("image-remote-angle", "![x](<https://evil.example/a.png>)", "reject", [], []),
    ("image-remote-slash-backslash", "![x](/\\evil.example/a.png)", "reject", [], []),
    ("image-remote-html", '<img src="https://evil.example/a.png" alt="x">', "reject", [], []),
    ("image-remote-html-backslash", '<img src="/\\evil.example/a.png" alt="x">', "reject", [], []),
    ("image-remote-srcset", '<img src="IMG/a.png" srcset="https://evil.example/a.png 2x" alt="x">', "reject", [], []),
    ("image-data-svg", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)", "either", ["data:image/svg+xml"], []),
    ("code-unclosed-fence", f"```\n{S}\n[[neglect]]", "either", [S, "[[neglect]]"], []),
    ("code-tilde-closed-by-backticks", f"~~~\n{S}\n[[neglect]]\n```\n\nAfter the fence.", "either", [S, "[[neglect]]"], []),
    ("code-fence-indented-2", f"  ```\n{S}\n[[neglect]]\n  ```", "either", [S, "[[neglect]]"], []),
    ("code-fence-indented-4", f"Intro.\n\n    ```\n    {S}\n    [[neglect]]\n    ```", "either", [], [S, "[[neglect]]"]),
    ("code-indented-block", f"Intro.\n\n    {S}\n    [[neglect]]", "either", [], [S, "[[neglect]]"]),
    ("code-fence-in-list", f"1. Step\n\n    ```\n    {S}\n    [[neglect]]\n    ```", "either", [], [S, "[[neglect]]"]),
    ("code-longer-closing-fence", f"```\n{S}\n````\n[[neglect]]\n```", "either", [S, "[[neglect]]"], []),
    ("code-fence-attrs", '``` { onclick="alert(1)" }\ncode\n```', "either", ["onclick"], []),
    ("code-inline-double", f"``[[neglect]] {S}``", "either", [], [S, "[[neglect]]"]),
    ("code-inline-unclosed", f"`[[neglect]] {S}", "either", [S], []),
    ("code-fence-script-closer", f"```\n</code></pre>{S}\n```", "either", [], [f"</code></pre>{S}"]),
    ("abbr-definition-title", f'*[HTML]: "><img src=x onerror=alert(1)>\n\nSome HTML here.', "inert", [], []),
    ("admonition-title", f'!!! note "{S}"\n    Body.', "either", [S], []),
    ("entity-double", "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;", "either", ["&lt;script&gt;alert(1)&lt;/script&gt;"], []),
    ("reference-label-html", "[[neglect|<img src=x onerror=alert(1)>]]", "either", ["<img src=x onerror=alert(1)>"], []),
    ("docs-raw-script", S, "either", [S], []),
    ("docs-attr-link-onclick", '[x](https://example.org){ onclick="alert(1)" }', "either", ['onclick="alert(1)"'], []),
    ("docs-image-remote", "![x](https://evil.example/a.png)", "reject", [], []),
]
MD_IDS = [c[0] for c in MD_CASES]


def _md_case_file(i: int, case) -> tuple[str, str, int, int, str]:
    """(path, text, first and last line of the construct, page URL)."""
    cid, body = case[0], case[1]
    pid = f"md-{i:02d}"
    body = body.replace("IMG", f"{pid}-images")
    if cid.startswith("docs-"):
        head = f"# Case {cid}\n\nCase {cid} starts.\n\n"
        path, url = f"docs/{pid}.md", f"{pid}/"
    else:
        head = (f"---\nid: {pid}\ntitle: Case {cid}\nsummary: Case {cid}.\nstatus: approved\n"
                "approved_on: 2025-04-01\nlast_reviewed: 2025-06-01\n---\n\n"
                f"# Case {cid}\n\nCase {cid} starts.\n\n")
        path, url = f"procedures/core/{pid}.md", f"procedures/core/{pid}/"
    first = head.count("\n") + 1
    text = head + body + "\n\nCase ends here.\n"
    return path, text, first, first + body.count("\n"), url


def _markdown_runs(templates, tmp_path_factory):
    key = ("markdown",)
    if key in _CACHE:
        return _CACHE[key]
    project = fresh(templates, "minimal", tmp_path_factory.mktemp("markdown") / "p")
    muts = Mutations()
    meta = {}
    for i, case in enumerate(MD_CASES):
        path, text, first, last, url = _md_case_file(i, case)
        images = project / "procedures/core" / f"md-{i:02d}-images"
        images.mkdir(parents=True, exist_ok=True)
        (images / "a.png").write_bytes(PNG)
        muts.add_template(Template(path, ""))
        inst = muts.add(Instance(case[0], case[0], "body", path, 0, 0, text))
        inst.last_line = text.count("\n") + 1
        meta[case[0]] = (path, first, last, url, inst)
    run = run_mutations(project, muts)
    _CACHE[key] = (run, meta)
    return _CACHE[key]


@pytest.mark.parametrize("case", MD_IDS)
def test_markdown_body_constructs_reject_or_show_inert(case, templates, tmp_path_factory):
    """Class 3: raw HTML, attr_list, reference links, encoded schemes, remote images and code
    fences in a procedure (or hand-written page) body."""
    run, meta = _markdown_runs(templates, tmp_path_factory)
    cid, _body, expect, visible, in_code = next(c for c in MD_CASES if c[0] == case)
    path, first, last, url, _inst = meta[case]
    failures = [p for p in run.problems if "Traceback" in p or "60 s" in p]
    messages = run.rejected.get(case, [])
    if messages:
        lines = sorted({ln for ln, _ in messages})
        if not any(first <= ln <= last for ln in lines):
            failures.append(f"rejected at {path}:{lines}, not at the construct's line(s) {first}-{last}: "
                            f"{messages[0][1][:200]}")
    else:
        if expect == "reject":
            failures.append(f"{path}: NOT rejected (the build accepted it)")
        report = run.report
        page = report.page(url)
        if page is None:
            failures.append(f"{path}: accepted, but no page at {url} (build: {describe(run)})")
        else:
            for v in report.violations:
                if v.file == page.file or url.rstrip("/") in v.file:
                    failures.append(f"UNSAFE OUTPUT in {v}")
            for needle in visible:
                want = " ".join(needle.split())
                if want not in page.text:
                    failures.append(f"{path}: accepted, but {needle!r} is not shown as text on the page "
                                    f"(silently dropped or interpreted)")
            for needle in in_code:
                if needle not in page.code:
                    failures.append(f"{path}: accepted, but {needle!r} is not shown inside code "
                                    f"(code text: {page.code[:200]!r})")
            if "[[neglect]]" in (visible + in_code) and re.search(r'href="[^"]*neglect/?"', page.raw.split("md-content", 1)[-1].split("md-footer", 1)[0]):
                failures.append(f"{path}: [[neglect]] inside code became a link")
    assert not failures, f"[{cid}] " + "\n".join(failures)


# --- class 7: malformed YAML and resource exhaustion ------------------------------------------

FM_HEAD = ("---\nid: {id}\ntitle: Case {id}\nsummary: Case.\nstatus: approved\n"
           "approved_on: 2025-04-01\nlast_reviewed: 2025-06-01\n")


def fm(pid: str, extra: str = "", body: str = "# Case\n\nText.\n", replace: dict | None = None) -> str:
    head = FM_HEAD.format(id=pid)
    for k, v in (replace or {}).items():
        head = re.sub(rf"(?m)^{k}:.*$", lambda _m: f"{k}: {v}" if v is not None else "", head)
        head = head.replace("\n\n", "\n")
    return head + extra + "---\n\n" + body


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


BOMB = "[&a lol, &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c], " \
       "&e [*d,*d,*d,*d,*d,*d,*d,*d,*d], &f [*e,*e,*e,*e,*e,*e,*e,*e,*e], &g [*f,*f,*f,*f,*f,*f,*f,*f,*f], " \
       "&h [*g,*g,*g,*g,*g,*g,*g,*g,*g], &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]]"
DEEP_FLOW = "[" * 10_000 + "x" + "]" * 10_000
GLOSSARY_OK = "- term: Fine term\n  definition: A fine definition.\n"
DOC_OK = ("- id: fine-doc\n  title: Fine\n  owner: Owner\n  approved_by: Approver\n  last_reviewed: 2025-03-31\n"
          "  review_every: 24\n")
REPORT_HEAD = "title: Report\ncharts:\n  - id: big\n    title: Big\n    description: Big numbers.\n    series:\n      - name: S\n"
PWNED = "hostile-pwned-marker"


class Case:
    """One malformed input: files to write (path -> text or bytes; None deletes), where the
    rejection must be reported, and whether a refusal is required."""

    def __init__(self, cid, files, path, lines=None, expect="reject", base="minimal", solo=False,
                 edit=None, absent=()):
        self.id, self.files, self.path, self.lines = cid, files, path, lines
        self.expect, self.base, self.solo, self.edit, self.absent = expect, base, solo, edit, absent

    def apply(self, project: Path) -> None:
        for rel, content in self.files.items():
            target = project / rel
            if content is None:
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        if self.edit:
            self.edit(project)


def _sub_file(rel: str, pattern: str, replacement: str, count: int = 1):
    def edit(project: Path) -> None:
        f = project / rel
        text = f.read_text(encoding="utf-8")
        new = re.sub(pattern, replacement, text, count=count, flags=re.M)
        assert new != text, (rel, pattern)
        f.write_text(new, encoding="utf-8")
    return edit


def _threshold_line(pattern: str) -> int:
    from hostile_payloads import REPO
    text = (REPO / "docs/_data/threshold.yml").read_text(encoding="utf-8")
    return next(n for n, ln in enumerate(text.splitlines(), 1) if re.search(pattern, ln))


def _cases(tmp_root: Path) -> list[Case]:
    c = []
    t = fm("c-bomb", f"legislation: {BOMB}\n")
    c.append(Case("front-matter-alias-bomb", {"procedures/core/c-bomb.md": t}, "procedures/core/c-bomb.md",
                  {line_of(t, "legislation:")}, solo=True))
    t = GLOSSARY_OK + f"- term: Bomb\n  definition: Boom.\n  aliases: {BOMB}\n"
    c.append(Case("data-file-alias-bomb", {"docs/_data/glossary.yml": t}, "docs/_data/glossary.yml",
                  {line_of(t, "aliases:")}, solo=True))
    t = fm("c-binary", replace={"title": "!!binary aGVsbG8="})
    c.append(Case("front-matter-binary-tag", {"procedures/core/c-binary.md": t}, "procedures/core/c-binary.md",
                  {line_of(t, "title:")}))
    cmd = f'["touch {tmp_root}/{PWNED}"]'
    t = fm("c-pyobj", replace={"summary": f"!!python/object/apply:os.system {cmd}"})
    c.append(Case("front-matter-python-object", {"procedures/core/c-pyobj.md": t}, "procedures/core/c-pyobj.md",
                  {line_of(t, "summary:")}))
    t = GLOSSARY_OK + f"- term: Obj\n  definition: !!python/object/apply:os.system {cmd}\n"
    c.append(Case("data-file-python-object", {"docs/_data/glossary.yml": t}, "docs/_data/glossary.yml",
                  {line_of(t, "definition: !!")}))
    t = "title: Sec\ndefaults:\n  owner: !!python/object/new:os.system " + cmd + "\n"
    c.append(Case("section-file-python-object", {"procedures/sec-pyobj/_section.yml": t,
                                                 "procedures/sec-pyobj/c-sec.md": fm("c-sec")},
                  "procedures/sec-pyobj/_section.yml", {3}))
    t = fm("c-digits", "review_every: " + "1" * 5000 + "\n")
    c.append(Case("review-every-5000-digits", {"procedures/core/c-digits.md": t}, "procedures/core/c-digits.md",
                  {line_of(t, "review_every:")}, solo=True))
    t = "title: Sec\ndefaults:\n  review_every: " + "9" * 5000 + "\n"
    c.append(Case("section-review-every-5000-digits", {"procedures/sec-digits/_section.yml": t,
                                                       "procedures/sec-digits/c-sd.md": fm("c-sd")},
                  "procedures/sec-digits/_section.yml", {3}, solo=True))
    t = REPORT_HEAD + '        values: {"A": ' + "7" * 400 + "}\n"
    c.append(Case("chart-value-400-digits", {"docs/_data/annual-report-2024-25.yml": t},
                  "docs/_data/annual-report-2024-25.yml", {line_of(t, "values:")}))
    t = REPORT_HEAD + '        values: {"A": 1.0e400, "B": .nan}\n'
    c.append(Case("chart-value-inf-nan", {"docs/_data/annual-report-2024-25.yml": t},
                  "docs/_data/annual-report-2024-25.yml", {line_of(t, "values:")}))
    t = fm("c-deep", f"keywords: {DEEP_FLOW}\n")
    c.append(Case("front-matter-10000-nested-lists", {"procedures/core/c-deep.md": t}, "procedures/core/c-deep.md",
                  {line_of(t, "keywords:")}, solo=True))
    t = GLOSSARY_OK + f"- term: Deep\n  definition: Deep.\n  aliases: {DEEP_FLOW}\n"
    c.append(Case("data-file-10000-nested-lists", {"docs/_data/glossary.yml": t}, "docs/_data/glossary.yml",
                  {line_of(t, "aliases:")}, solo=True))
    block = "keywords:\n" + "".join("  " * k + "-\n" for k in range(1, 600)) + "  " * 600 + "- x\n"
    t = fm("c-deepblock", block)
    c.append(Case("front-matter-600-nested-block-lists", {"procedures/core/c-deepblock.md": t},
                  "procedures/core/c-deepblock.md", None, solo=True))
    t = fm("c-quote", body="# Deep\n\n" + ">" * 5000 + " deep quote\n")
    c.append(Case("body-5000-nested-blockquotes", {"procedures/core/c-quote.md": t}, "procedures/core/c-quote.md",
                  None, expect="either", solo=True))
    t = fm("c-list", body="# Deep\n\n" + "".join("    " * k + "- item\n" for k in range(500)))
    c.append(Case("body-500-nested-lists", {"procedures/core/c-list.md": t}, "procedures/core/c-list.md",
                  None, expect="either", solo=True))
    t = fm("c-mixed", body="# Deep\n\n" + "> - " * 2500 + "x\n")
    c.append(Case("body-2500-nested-quote-list", {"procedures/core/c-mixed.md": t}, "procedures/core/c-mixed.md",
                  None, expect="either", solo=True))
    t = fm("c-y9999", replace={"last_reviewed": "9999-12-31"})
    c.append(Case("date-year-9999", {"procedures/core/c-y9999.md": t}, "procedures/core/c-y9999.md",
                  {line_of(t, "last_reviewed:")}))
    t = fm("c-y1", replace={"approved_on": "0001-01-01"})
    c.append(Case("date-year-1", {"procedures/core/c-y1.md": t}, "procedures/core/c-y1.md",
                  {line_of(t, "approved_on:")}))
    t = fm("c-next9999", "next_review: 9999-12-31\n")
    c.append(Case("next-review-year-9999", {"procedures/core/c-next9999.md": t}, "procedures/core/c-next9999.md",
                  {line_of(t, "next_review:")}))
    t = fm("c-amend1", "amendments:\n  - date: 0001-01-01\n    summary: Ancient.\n")
    c.append(Case("amendment-year-1", {"procedures/core/c-amend1.md": t}, "procedures/core/c-amend1.md",
                  {line_of(t, "amendments:"), line_of(t, "  - date")}))
    t = DOC_OK.replace("2025-03-31", "9999-12-31")
    c.append(Case("documents-year-9999", {"docs/_data/documents.yml": t}, "docs/_data/documents.yml",
                  {line_of(t, "last_reviewed:")}))
    t = fm("c-nul", replace={"title": "Neg\x00lect"})
    c.append(Case("nul-in-front-matter", {"procedures/core/c-nul.md": t}, "procedures/core/c-nul.md",
                  {line_of(t, "title:")}))
    t = fm("c-nulbody", body="# Case\n\nText with a \x00 NUL.\n")
    c.append(Case("nul-in-body", {"procedures/core/c-nulbody.md": t}, "procedures/core/c-nulbody.md",
                  {line_of(t, "Text with")}))
    t = GLOSSARY_OK + "- term: Nul\x00term\n  definition: x.\n"
    c.append(Case("nul-in-data-file", {"docs/_data/glossary.yml": t}, "docs/_data/glossary.yml",
                  {line_of(t, "Nul")}))
    t = "---\ntitle: Nul\x00page\n---\n\n# Page\n"
    c.append(Case("nul-in-page-front-matter", {"docs/c-nulpage.md": t}, "docs/c-nulpage.md", {2}))
    t = fm("c-multi", replace={"title": "|\n  Line one\n  Line two"})
    c.append(Case("multi-line-title", {"procedures/core/c-multi.md": t}, "procedures/core/c-multi.md",
                  {line_of(t, "title:")}))
    t = "---\ntitle: |\n  Line one\n  </title><script>alert(1)</script>\n---\n\n# Page\n"
    c.append(Case("multi-line-page-title", {"docs/c-multipage.md": t}, "docs/c-multipage.md", {2}))
    t = GLOSSARY_OK + "- term: |\n    Line one\n    Line two\n  definition: x.\n"
    c.append(Case("multi-line-glossary-term", {"docs/_data/glossary.yml": t}, "docs/_data/glossary.yml",
                  {line_of(t, "- term: |")}))
    t = "title: |\n  Line one\n  Line two\ndescription: [a, b]\n"
    c.append(Case("section-title-multi-line-and-description-list", {"procedures/sec-multi/_section.yml": t,
                                                                    "procedures/sec-multi/c-sm.md": fm("c-sm")},
                  "procedures/sec-multi/_section.yml", None, expect="either", solo=True))
    ln = _threshold_line(r"^\s+- id: developmental-needs")
    c.append(Case("threshold-list-where-id-expected", {}, "docs/_data/threshold.yml", {ln}, base="real",
                  edit=_sub_file("docs/_data/threshold.yml", r"^(\s+- id: )developmental-needs$",
                                 r"\1[developmental-needs, other]")))
    ln = _threshold_line(r"^\s+family-and-environment:$")
    c.append(Case("threshold-string-where-indicators-expected", {}, "docs/_data/threshold.yml", {ln}, base="real",
                  edit=_sub_file("docs/_data/threshold.yml", r"^(\s+family-and-environment:)$",
                                 r'\1 "just one string"\n\1_unused_:')))
    ln = _threshold_line(r"^\s+- level: 3$")
    c.append(Case("threshold-level-5", {}, "docs/_data/threshold.yml", {ln}, base="real",
                  edit=_sub_file("docs/_data/threshold.yml", r"^(\s+- level: )3$", r"\g<1>5")))
    t = DOC_OK + "- just a string\n"
    c.append(Case("documents-item-not-a-mapping", {"docs/_data/documents.yml": t}, "docs/_data/documents.yml",
                  {line_of(t, "- just a string")}))
    t = "term: Not a list\ndefinition: x\n"
    c.append(Case("glossary-not-a-list", {"docs/_data/glossary.yml": t}, "docs/_data/glossary.yml", {1}))
    t = "---\ntemplate: ../../../etc/passwd\n---\n\n# Page\n"
    c.append(Case("page-template-traversal", {"docs/c-template.md": t}, "docs/c-template.md", {2}))
    t = fm("glossary")
    c.append(Case("id-shadows-glossary", {"procedures/core/glossary.md": t}, "procedures/core/glossary.md",
                  {line_of(t, "id:")}))
    t = fm("level-3")
    c.append(Case("id-shadows-level-3", {"procedures/core/level-3.md": t}, "procedures/core/level-3.md",
                  {line_of(t, "id:")}))
    t = fm("contact")
    c.append(Case("id-shadows-contact", {"procedures/core/contact.md": t}, "procedures/core/contact.md",
                  {line_of(t, "id:")}))
    t = fm("by-agency-proc")
    c.append(Case("procedure-at-by-agency", {"procedures/by-agency.md": t}, "procedures/by-agency.md", None))
    t = fm("c-space")
    c.append(Case("section-folder-with-space", {"procedures/my section/c-space.md": t}, "procedures/my section", None))
    c.append(Case("procedure-upper-case-MD", {"procedures/core/upper.MD": fm("c-upper")}, "procedures/core/upper.MD", None))
    c.append(Case("procedure-dot-markdown", {"procedures/core/other.markdown": fm("c-other")},
                  "procedures/core/other.markdown", None))
    c.append(Case("docs-page-upper-case-MD", {"docs/notes.MD": "---\nstatus: draft\n---\n\n# Notes\n\nHOSTILE-MD-UPPER draft text.\n"}, "docs/notes.MD",
                  None, absent=("HOSTILE-MD-UPPER",)))
    c.append(Case("docs-page-dot-markdown", {"docs/other.markdown": "# Other\n\nHOSTILE-DOT-MARKDOWN text.\n"},
                  "docs/other.markdown", None))
    t = "# Refs\n\nSee [[neglect#]] here.\n"
    c.append(Case("reference-empty-anchor", {"docs/c-ref1.md": t}, "docs/c-ref1.md", {3}))
    t = "# Refs\n\nSee [[neglect|]] here.\n"
    c.append(Case("reference-empty-text", {"docs/c-ref2.md": t}, "docs/c-ref2.md", {3}))
    t = "# Refs\n\nSee [[contact:]] here.\n"
    c.append(Case("reference-empty-contact", {"docs/c-ref3.md": t}, "docs/c-ref3.md", {3}))
    t = "# Refs\n\nSee [[ neglect ]] here.\n"
    c.append(Case("reference-with-spaces", {"docs/c-ref4.md": t}, "docs/c-ref4.md", {3}, expect="either"))
    t = "---\nid: c-open\ntitle: Open\n\n# Never closed\n"
    c.append(Case("front-matter-never-closed", {"procedures/core/c-open.md": t}, "procedures/core/c-open.md", {1}))
    c.append(Case("invalid-utf8", {"procedures/core/c-utf.md": fm("c-utf").encode() + b"\xff\xfe bad\n"},
                  "procedures/core/c-utf.md", {fm("c-utf").count("\n") + 1}))
    t = fm("c-dup", "title: Again\n")
    c.append(Case("duplicate-key", {"procedures/core/c-dup.md": t}, "procedures/core/c-dup.md", {line_of(t, "title: Again")}))
    t = fm("c-tab", "keywords:\n\t- tabbed\n")
    c.append(Case("tab-indentation", {"procedures/core/c-tab.md": t}, "procedures/core/c-tab.md",
                  {line_of(t, "\t- tabbed"), line_of(t, "keywords:")}))
    t = fm("c-big", body="# Big\n\n" + ("word " * 20 + "\n") * 11000)
    c.append(Case("file-over-1-MB", {"procedures/core/c-big.md": t}, "procedures/core/c-big.md", {1}))
    t = fm("c-status", replace={"status": "[approved]"})
    c.append(Case("status-as-list", {"procedures/core/c-status.md": t}, "procedures/core/c-status.md",
                  {line_of(t, "status:")}))
    t = fm("c-float", "review_every: 1e3\nversion: .inf\n")
    c.append(Case("review-every-float-version-inf", {"procedures/core/c-float.md": t}, "procedures/core/c-float.md",
                  {line_of(t, "review_every:"), line_of(t, "version:")}, expect="either"))
    t = fm("c-feb30", replace={"approved_on": "2025-02-30"})
    c.append(Case("impossible-date", {"procedures/core/c-feb30.md": t}, "procedures/core/c-feb30.md",
                  {line_of(t, "approved_on:")}))
    t = fm("c-keymap", "? [a, b]\n: complex key\n")
    c.append(Case("complex-mapping-key", {"procedures/core/c-keymap.md": t}, "procedures/core/c-keymap.md",
                  {line_of(t, "? [a, b]")}))
    t = fm("c-manyitems", "keywords: [" + ", ".join(f"k{i}" for i in range(60_000)) + "]\n")
    c.append(Case("front-matter-60000-items", {"procedures/core/c-manyitems.md": t},
                  "procedures/core/c-manyitems.md", {line_of(t, "keywords:")}, solo=True))
    return c


def _case_ids() -> list[str]:
    return [x.id for x in _cases(Path("/nonexistent"))]


def _judge_case(case: Case, b, project: Path, tmp_root: Path, solo: bool) -> list[str]:
    failures = build_problems(b) if solo else []
    messages = b.at(case.path)
    if case.lines is None:
        found = messages
    else:
        found = [(ln, msg) for ln, msg in messages if ln in case.lines]
    if (tmp_root / PWNED).exists():
        failures.append("the YAML ran a command (the marker file was created)")
    if found:
        return failures
    if messages and case.lines:
        failures.append(f"rejected at {case.path}:{sorted({ln for ln, _ in messages})}, expected line "
                        f"{sorted(case.lines)}: {messages[0][1][:200]}")
        return failures
    if case.expect == "reject" or not b.ok:
        if b.ok and (project / "site").is_dir():
            failures += leaked(scan_site(project / "site"), case.absent)
        if not b.ok:
            failures.append(f"the build failed without a `{case.path}:line:` message:\n{b.summary()}")
        else:
            failures.append(f"{case.path}: NOT reported — the build succeeded")
        return failures
    report = scan_site(project / "site")
    failures += [f"UNSAFE OUTPUT: {v}" for v in report.violations]
    failures += leaked(report, case.absent)
    return failures


def _malformed_results(templates, tmp_path_factory) -> dict[str, list[str]]:
    key = ("malformed",)
    if key in _CACHE:
        return _CACHE[key]
    root = tmp_path_factory.mktemp("malformed")
    cases = _cases(root)
    results: dict[str, list[str]] = {}
    pending: list[Case] = []
    # batches: cases on the same base whose files do not overlap, dangerous ones alone
    for base in ("minimal", "real"):
        todo = [x for x in cases if x.base == base and not x.solo and x.expect == "reject"]
        while todo:
            batch, used = [], set()
            for x in list(todo):
                files = set(x.files) | ({"docs/_data/threshold.yml"} if x.edit else set())
                if not files & used:
                    batch.append(x)
                    used |= files
                    todo.remove(x)
            batches = _CACHE.setdefault("batches", [0])
            batches[0] += 1
            project = fresh(templates, base, root / f"batch-{base}-{batches[0]}")
            for x in batch:
                x.apply(project)
            b = build(project)
            batch_ok = not b.traceback and not b.timed_out
            for x in batch:
                verdict = _judge_case(x, b, project, root, solo=False)
                if batch_ok and not verdict:
                    results[x.id] = []
                else:
                    pending.append(x)
    pending += [x for x in cases if x.solo or x.expect != "reject"]
    for x in pending:
        project = fresh(templates, x.base, root / f"solo-{x.id}")
        x.apply(project)
        b = build(project)
        results[x.id] = _judge_case(x, b, project, root, solo=True)
    _CACHE[key] = results
    return results


@pytest.mark.parametrize("case", _case_ids())
def test_malformed_and_oversized_input_is_reported_at_its_file(case, templates, tmp_path_factory):
    """Class 7: alias bombs, YAML tags, huge numbers and nesting, impossible dates, NUL bytes,
    wrong shapes, reserved names and unread file kinds — each a `path:line:` message, never a
    traceback or a hang (or, where marked "either", a site that is still inert)."""
    failures = _malformed_results(templates, tmp_path_factory)[case]
    assert not failures, "\n".join(failures)

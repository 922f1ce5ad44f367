"""Hostile configuration, files and drafts, by class of attack: mkdocs.yml's contacts, exit
address and plugin settings; files of the wrong kind or from outside the repository; drafts
that must never be published (including through the parse cache). Every build either fails
with `path:line: message` naming the hostile file (no traceback, within 60 s) or produces a
site that passes hostile_payloads.scan_site.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from hostile_payloads import (
    PAYLOADS, PAYLOAD_IDS, REPO, Instance, Markers, Mutations, Template, build, build_problems,
    copy_minimal, describe, leaked, literal_problems, marked, run_mutations, scan_site, yq,
)

_CACHE: dict = {}


@pytest.fixture(scope="session")
def minimal_template(tmp_path_factory) -> Path:
    return copy_minimal(tmp_path_factory.mktemp("hostile-site-template") / "minimal")


def fresh(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest, symlinks=True)
    return dest


def line_in(text: str, pattern: str) -> int:
    return next(n for n, ln in enumerate(text.splitlines(), 1) if re.search(pattern, ln))


def _replace_contacts(config: str, block: str) -> str:
    """The minimal fixture's mkdocs.yml with its `contacts:` block replaced."""
    start = config.index("  contacts:\n")
    end = config.index("markdown_extensions:")
    return config[:start] + block + config[end:]


# --- class 4: configuration ------------------------------------------------------------------

SHOWN_SAFE = [p for p in PAYLOADS if "<" not in p.text and ">" not in p.text and len(p.text) < 150]
SLOTS = 8  # contacts shown by the theme in every page's "Worried about a child?" bar


def _contacts_runs(template: Path, tmp_path_factory):
    if "contacts" in _CACHE:
        return _CACHE["contacts"]
    project = fresh(template, tmp_path_factory.mktemp("contacts") / "p")
    config0 = (project / "mkdocs.yml").read_text(encoding="utf-8")
    index0 = (project / "docs/index.md").read_text(encoding="utf-8")
    marks = Markers(7000)
    runs = []
    builds = -(-len(SHOWN_SAFE) // SLOTS)
    for b in range(builds):
        registry: dict = {}
        lines = ["  contacts:\n", '    business-team: {label: Business team, value: team@example.org, kind: email}\n',
                 "    lado: {label: LADO, kind: phone}\n"]
        values: list[tuple[str, str, object, str]] = []  # (key, field, payload, kind)
        shown = SHOWN_SAFE[b * SLOTS:(b + 1) * SLOTS]
        keys = ["mach", "single-contact-form", "out-of-hours", "emergency"]
        for j, p in enumerate(shown):
            values.append((keys[j % 4], "label" if j < 4 else "value", p, "shown"))
        for i, p in enumerate(PAYLOADS):
            values.append((f"label-{i:02d}", "label", p, "markdown"))
            values.append((f"value-{i:02d}", "value", p, "markdown"))
        by_key: dict[str, dict] = {}
        for key, fld, p, route in values:
            by_key.setdefault(key, {"label": None, "value": None})[fld] = p
        spans = []
        text = "".join(lines)
        for key, fields in by_key.items():
            kind = "url" if key == "single-contact-form" and fields["value"] is None else \
                "phone" if fields["value"] is None else "text"
            benign_value = {"url": "https://example.org/form", "phone": "0300 123 4567", "text": "Benign value"}[kind]
            block_start = len(text)
            text += f"    {key}:\n"
            for fld in ("label", "value"):
                placeholder = yq(f"Benign {fld} {key}") if fields[fld] is not None else \
                    (yq(f"Benign {fld} {key}") if fld == "label" else yq(benign_value))
                text += f"      {fld}: "
                start = len(text)
                text += placeholder + "\n"
                if fields[fld] is not None:
                    spans.append((key, fld, fields[fld], start, start + len(placeholder)))
            text += f"      kind: {kind}\n"
            spans_key = (block_start, len(text))
            by_key[key]["span"] = spans_key
        config = _replace_contacts(config0, text)
        offset = config.index("  contacts:\n")
        key_lines = {}
        for key, fields in by_key.items():
            s, e = fields["span"]
            key_lines[config.count("\n", 0, offset + s) + 1] = (offset + s, offset + e)
        refs = "".join(f"\n- {key}: [[contact:{key}]]" for key in by_key)
        muts = Mutations()
        muts.add_template(Template("mkdocs.yml", config, lambda ln, kl=key_lines: [kl[ln]] if ln in kl else []))
        muts.add_template(Template("docs/index.md", index0 + "\nContacts:\n" + refs + "\n"))
        for key, fld, p, start, end in spans:
            m = marks.next()
            inst = muts.add(Instance(m, p.id, f"contact.{fld} ({key})", "mkdocs.yml", offset + start, offset + end,
                                     yq(marked(p, m))))
            registry[m] = (p, inst)
        runs.append((run_mutations(project, muts), registry))
    _CACHE["contacts"] = runs
    return runs


@pytest.mark.parametrize("payload", [*PAYLOAD_IDS, "(build)"])
def test_contact_labels_and_values_reject_or_show_inert(payload, minimal_template, tmp_path_factory):
    """Class 4a: every payload as a contact's label and as its value, shown through
    [[contact:KEY]] and (for the theme's four contacts) in every page's contact bar."""
    runs = _contacts_runs(minimal_template, tmp_path_factory)
    failures = []
    for run, registry in runs:
        of = lambda m: registry[m][0] if m in registry else None  # noqa: E731
        if payload == "(build)":
            failures += run.problems
            if run.stuck:
                failures.append("errors no contact was reported at:\n  " + "\n  ".join(run.stuck[:10]))
            failures += [f"unsafe output not traceable to one value: {v}" for v in run.report.violations
                         if v.marker(of) not in registry]
            continue
        for m, (p, inst) in registry.items():
            if p.id != payload:
                continue
            where = f"{inst.path}:{inst.line} ({inst.field})"
            for v in run.report.violations:
                if v.marker(of) == m:
                    failures.append(f"{where}: UNSAFE OUTPUT: {v}")
            if run.accepted(m):
                failures += [f"{where}: accepted but not shown as typed: {x}" for x in literal_problems(run.report, m, p)]
    assert not failures, "\n".join(failures[:25])


EXIT = "  exit_page_url: {}\n"


def _config_cases():
    """(id, edit(config) -> config, line pattern of the expected message, expect)."""
    contact = lambda key, body: lambda c: _replace_contacts(  # noqa: E731
        c, "  contacts:\n    emergency: {label: Emergency, value: \"999\", kind: phone}\n"
           "    mach: {label: Children's hub, kind: phone}\n" f"    {key}: {body}\n")
    extra = lambda line: lambda c: c.replace("extra:\n", "extra:\n" + line, 1)  # noqa: E731
    plugin = lambda line: lambda c: c.replace('      today: "2026-11-22"\n', '      today: "2026-11-22"\n' + line, 1)  # noqa: E731
    top = lambda old, new: lambda c: re.sub(old, new, c, count=1, flags=re.M)  # noqa: E731
    cases = [
        ("contacts-as-list", lambda c: _replace_contacts(c, "  contacts:\n    - {label: Emergency, value: \"999\", kind: phone}\n"),
         r"^\s+contacts:", "reject"),
        ("contact-unknown-kind", contact("fax", "{label: Fax, value: \"0300 123\", kind: fax}"), r"^\s+fax:", "reject"),
        ("contact-url-javascript", contact("form", "{label: Form, value: \"javascript:alert(1)\", kind: url}"), r"^\s+form:", "reject"),
        ("contact-url-javascript-padded", contact("form", "{label: Form, value: \" JaVaScRiPt:alert(1)\", kind: url}"), r"^\s+form:", "reject"),
        ("contact-url-data", contact("form", "{label: Form, value: \"data:text/html,<script>alert(1)</script>\", kind: url}"), r"^\s+form:", "reject"),
        ("contact-url-http", contact("form", "{label: Form, value: \"http://example.org/form\", kind: url}"), r"^\s+form:", "reject"),
        ("contact-url-protocol-relative", contact("form", "{label: Form, value: \"//evil.example/form\", kind: url}"), r"^\s+form:", "reject"),
        ("contact-url-quote-breakout", contact("form", "{label: Form, value: 'https://example.org/\" onclick=\"alert(1)', kind: url}"), r"^\s+form:", "reject"),
        ("contact-phone-breakout", contact("tel", "{label: Tel, value: '999\" onclick=\"alert(1)', kind: phone}"), r"^\s+tel:", "reject"),
        ("contact-email-breakout", contact("mail", "{label: Mail, value: 'a@example.org?subject=\"><script>alert(1)</script>', kind: email}"), r"^\s+mail:", "reject"),
        ("contact-bad-key", contact("'<script>'", "{label: X, value: \"999\", kind: phone}"), r"<script>", "reject"),
        ("contact-label-list", contact("lst", "{label: [a, b], value: \"999\", kind: phone}"), r"^\s+lst:", "reject"),
        ("contact-not-a-mapping", contact("plain", "\"just a string\""), r"^\s+plain:", "reject"),
        ("exit-javascript", extra(EXIT.format("javascript:alert(1)")), r"exit_page_url:", "reject"),
        ("exit-javascript-upper-padded", extra(EXIT.format('" JAVASCRIPT:alert(1)"')), r"exit_page_url:", "reject"),
        ("exit-data-html", extra(EXIT.format('"data:text/html,<script>alert(1)</script>"')), r"exit_page_url:", "reject"),
        ("exit-relative", extra(EXIT.format("/exit")), r"exit_page_url:", "reject"),
        ("exit-protocol-relative", extra(EXIT.format("//evil.example/")), r"exit_page_url:", "reject"),
        ("exit-http", extra(EXIT.format("http://www.bbc.co.uk/weather")), r"exit_page_url:", "reject"),
        ("exit-quote-breakout", extra(EXIT.format("'https://www.bbc.co.uk/\" onclick=\"alert(1)'")), r"exit_page_url:", "reject"),
        ("exit-backslash-host", extra(EXIT.format('"https:\\\\\\\\evil.example"')), r"exit_page_url:", "reject"),
        ("exit-list", extra(EXIT.format("[https://www.bbc.co.uk/weather]")), r"exit_page_url:", "reject"),
        ("exit-no-dot-host", extra(EXIT.format("https://localhost/")), r"exit_page_url:", "reject"),
        ("plugin-procedures-dir-outside", plugin("      procedures_dir: ../../../etc\n"), r"procedures_dir:", "reject"),
        ("plugin-procedures-dir-absolute", plugin("      procedures_dir: /etc\n"), r"procedures_dir:", "reject"),
        ("plugin-preview-dir-is-site", plugin("      preview_dir: site\n"), r"preview_dir:", "reject"),
        ("plugin-preview-dir-outside", plugin("      preview_dir: ../elsewhere\n"), r"preview_dir:", "reject"),
        ("plugin-due-within-negative", plugin("      due_within: -5\n"), r"due_within:", "reject"),
        ("plugin-today-not-a-date", plugin(""), r"today:", "reject"),
        ("plugin-agencies-payloads", plugin("      agencies: [All practitioners, Health, " + ", ".join(yq(p.text) for p in PAYLOADS[:20]) + "]\n"),
         r"agencies:", "either"),
        ("plugin-docs-edit-prefix-javascript", plugin('      docs_edit_prefix: "javascript:alert(1)//"\n'), r"docs_edit_prefix:", "either"),
        ("partnership-names-payloads", top(r"^    short_name: ESP$", "    short_name: " + yq('</title><script>alert(1)</script>') +
                                           "\n    name: " + yq('"><img src=x onerror=alert(1)>')), r"short_name:", "either"),
        # beyond the settings the guarantee lists, but still mkdocs.yml
        ("repo-url-javascript", top(r"^repo_url: .*$", "repo_url: javascript://example.org/%0aalert(1)"), r"^repo_url:", "either"),
        ("site-url-javascript", top(r"^site_url: .*$", "site_url: javascript://example.org/%0aalert(1)"), r"^site_url:", "either"),
        ("edit-uri-javascript", top(r"^edit_uri: .*$", 'edit_uri: "javascript:alert(1)//"'), r"^edit_uri:", "either"),
        ("site-name-payload", lambda c: "site_name: " + yq("</title><script>alert(1)</script>") + "\n" + c.split("\n", 1)[1],
         r"^site_name:", "either"),
    ]
    return cases


CONFIG_CASES = _config_cases()


def _fix_today(case_id: str, config: str) -> str:
    return config.replace('today: "2026-11-22"', 'today: "yesterday"') if case_id == "plugin-today-not-a-date" else config


def _config_results(template: Path, tmp_path_factory) -> dict[str, list[str]]:
    if "config" in _CACHE:
        return _CACHE["config"]
    root = tmp_path_factory.mktemp("config")
    results = {}
    for cid, edit, pattern, expect in CONFIG_CASES:
        project = fresh(template, root / cid)
        config = _fix_today(cid, edit((project / "mkdocs.yml").read_text(encoding="utf-8")))
        (project / "mkdocs.yml").write_text(config, encoding="utf-8")
        line = line_in(config, pattern)
        b = build(project)
        failures = build_problems(b, ["mkdocs.yml"])
        at = b.at("mkdocs.yml")
        if at:
            if line not in {ln for ln, _ in at}:
                failures.append(f"rejected at mkdocs.yml:{sorted({ln for ln, _ in at})}, expected line {line}: {at[0][1][:200]}")
        elif b.ok:
            if expect == "reject":
                failures.append("NOT rejected — the build succeeded")
            report = scan_site(project / "site")
            failures += [f"UNSAFE OUTPUT: {v}" for v in report.violations]
        elif not b.traceback and not b.timed_out:
            lax = build(project, strict=False)  # what a build without --strict would publish
            if (project / "site").is_dir():
                failures += [f"UNSAFE OUTPUT (non-strict build): {v}" for v in scan_site(project / "site").violations[:5]]
        results[cid] = failures
    _CACHE["config"] = results
    return results


@pytest.mark.parametrize("case", [c[0] for c in CONFIG_CASES])
def test_config_values_are_refused_at_their_mkdocs_yml_line(case, minimal_template, tmp_path_factory):
    """Class 4b: contacts given as a list, unknown kinds, script and non-https addresses, bad
    exit addresses and plugin settings: `mkdocs.yml:LINE:` (or, where marked, an inert site)."""
    failures = _config_results(minimal_template, tmp_path_factory)[case]
    assert not failures, f"[{case}] " + "\n".join(failures)


# --- class 5: files ---------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89" + b"\0" * 16
PROC = ("---\nid: {id}\ntitle: {mark} title\nsummary: {mark} summary.\nstatus: approved\n"
        "approved_on: 2025-04-01\nlast_reviewed: 2025-06-01\n---\n\n# {mark}\n\n{mark} body.\n")
# (id, path the message must name (a prefix for folders), markers that must not be published)
FILE_CASES = [
    ("html-file-in-docs", "docs/evil.html", ["HOSTILE-HTML-MARK"]),
    ("js-file-in-docs", "docs/evil.js", ["HOSTILE-JS-MARK"]),
    ("js-file-shadowing-the-sites-own", "docs/assets/javascripts/manual.js", ["HOSTILE-SHADOW-MARK"]),
    ("svg-with-script", "docs/evil.svg", ["HOSTILE-SVG-MARK"]),
    ("png-that-is-html", "docs/fake.png", ["HOSTILE-FAKEPNG-MARK"]),
    ("pdf-that-is-html", "docs/fake.pdf", ["HOSTILE-FAKEPDF-MARK"]),
    ("jpg-that-is-png", "docs/wrong.jpg", []),
    ("css-file-in-docs", "docs/style.css", ["HOSTILE-CSS-MARK"]),
    ("page-symlink-outside", "docs/leak.md", ["OUTSIDE-PAGE-MARK"]),
    ("docs-folder-symlink-to-etc", "docs/etc", ["root:x:0:0"]),
    ("docs-folder-symlink-outside", "docs/outside-dir", ["OUTSIDE-DIR-MARK"]),
    ("data-file-symlink-outside", "docs/_data/glossary.yml", ["OUTSIDE-GLOSSARY-MARK"]),
    ("images-folder-symlink-to-etc", "procedures/core/neglect-images", ["root:x:0:0"]),
    ("image-symlink-to-etc-passwd", "procedures/core/early-help-images/passwd.png", ["root:x:0:0"]),
    ("image-symlink-outside", "procedures/core/early-help-images/outside.png", ["OUTSIDE-PNG-MARK"]),
    ("markdown-in-images-folder", "procedures/core/early-help-images/notes.md", ["HOSTILE-IMAGES-MD-MARK"]),
    ("procedure-symlink-outside", "procedures/core/leak.md", ["OUTSIDE-PROC-MARK"]),
    ("section-folder-symlink-outside", "procedures/linked", ["OUTSIDE-LINKED-SECTION-MARK"]),
    ("section-file-symlink-outside", "procedures/core/_section.yml", ["OUTSIDE-SECTION-MARK"]),
]


def _files_run(template: Path, tmp_path_factory):
    if "files" in _CACHE:
        return _CACHE["files"]
    root = tmp_path_factory.mktemp("files")
    outside = root / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "page.md").write_text("# Outside\n\nOUTSIDE-PAGE-MARK text.\n")
    (outside / "secret.md").write_text(PROC.format(id="leak", mark="OUTSIDE-PROC-MARK"))
    (outside / "secret.png").write_bytes(PNG + b"OUTSIDE-PNG-MARK")
    (outside / "glossary.yml").write_text("- term: OUTSIDE-GLOSSARY-MARK\n  abbr: OGM\n  definition: Outside.\n")
    (outside / "section.yml").write_text("title: OUTSIDE-SECTION-MARK\ndefaults:\n  review_every: 12\n")
    (outside / "dir" / "pic.png").write_bytes(PNG + b"OUTSIDE-DIR-MARK")
    (outside / "dir" / "linked-proc.md").write_text(PROC.format(id="linked-proc", mark="OUTSIDE-LINKED-SECTION-MARK"))
    (outside / "dir" / "_section.yml").write_text("title: OUTSIDE-LINKED-SECTION-MARK\n")
    p = fresh(template, root / "p")
    cfg = p / "mkdocs.yml"  # as the real site does: pages load the site's own manual.js
    cfg.write_text(cfg.read_text() + "extra_javascript:\n  - assets/javascripts/manual.js\n")
    docs, core = p / "docs", p / "procedures/core"
    (docs / "evil.html").write_text("<html><body><script>alert('HOSTILE-HTML-MARK')</script></body></html>")
    (docs / "evil.js").write_text("alert('HOSTILE-JS-MARK')")
    (docs / "assets/javascripts").mkdir(parents=True)
    (docs / "assets/javascripts/manual.js").write_text("alert('HOSTILE-SHADOW-MARK')")
    (docs / "evil.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert("HOSTILE-SVG-MARK")</script></svg>')
    (docs / "fake.png").write_text("<html><script>alert('HOSTILE-FAKEPNG-MARK')</script></html>")
    (docs / "fake.pdf").write_text("<html><script>alert('HOSTILE-FAKEPDF-MARK')</script></html>")
    (docs / "wrong.jpg").write_bytes(PNG)
    (docs / "style.css").write_text("body{background:url(https://evil.example/x.png)} /* HOSTILE-CSS-MARK */")
    (docs / "leak.md").symlink_to(outside / "page.md")
    (docs / "etc").symlink_to("/etc")
    (docs / "outside-dir").symlink_to(outside / "dir")
    (docs / "_data").mkdir()
    (docs / "_data/glossary.yml").symlink_to(outside / "glossary.yml")
    (core / "neglect-images").symlink_to("/etc")
    images = core / "early-help-images"
    images.mkdir()
    (images / "passwd.png").symlink_to("/etc/passwd")
    (images / "outside.png").symlink_to(outside / "secret.png")
    (images / "notes.md").write_text("# Notes\n\nHOSTILE-IMAGES-MD-MARK text.\n")
    (images / "ok.png").write_bytes(PNG)
    (core / "leak.md").symlink_to(outside / "secret.md")
    (p / "procedures/linked").symlink_to(outside / "dir")
    (core / "_section.yml").unlink()
    (core / "_section.yml").symlink_to(outside / "section.yml")
    strict = build(p)
    lax = build(p, strict=False)
    report = scan_site(p / "site") if (p / "site").is_dir() else None
    _CACHE["files"] = (p, strict, lax, report)
    return _CACHE["files"]


@pytest.mark.parametrize("case", [c[0] for c in FILE_CASES] + ["(site)"])
def test_files_of_the_wrong_kind_or_from_outside_are_refused_and_never_published(case, minimal_template, tmp_path_factory):
    """Class 5: .html/.js/.svg files, pictures that are not pictures, and links to files or
    folders outside the repository (/etc among them), all in one project: the strict build must
    name each, and the site a build without --strict writes must hold none of them."""
    project, strict, lax, report = _files_run(minimal_template, tmp_path_factory)
    if case == "(site)":
        failures = build_problems(strict) + [f"(non-strict build) {x}" for x in build_problems(lax)]
        failures += [f"SITE CHECK: {v}" for v in (report.violations if report else [])]
        assert not failures, "\n".join(failures[:30])
        return
    _cid, path, absent = next(c for c in FILE_CASES if c[0] == case)
    failures = []
    if strict.ok:
        failures.append("the strict build succeeded")
    named = [e for e in strict.errors() if re.search(r"(?:^|\s)" + re.escape(path) + r"(?:/[^:]*)?:\d+: ", e)]
    if not named:
        failures.append(f"no `{path}:line:` message (a site built without --strict publishes what it accepts)")
    if report is None:
        failures.append("the non-strict build produced no site\n" + lax.summary())
    else:
        failures += [f"PUBLISHED: {x}" for x in leaked(report, absent)]
        site_path = path.removeprefix("docs/")
        if case != "js-file-shadowing-the-sites-own" and any(  # that one must be the site's own: below
                f == site_path or f.startswith(site_path.rstrip("/") + "/") for f in report.files):
            failures.append(f"PUBLISHED: {site_path} is in the site")
        if case == "js-file-shadowing-the-sites-own":
            own = (REPO / "overrides/assets/javascripts/manual.js").read_bytes()
            served = project / "site/assets/javascripts/manual.js"
            if not served.is_file() or served.read_bytes() != own:
                failures.append("site/assets/javascripts/manual.js is not the site's own script")
        if case == "markdown-in-images-folder" and any("early-help-images/notes" in f for f in report.files):
            failures.append("the .md in the images folder was rendered")
        if case == "image-symlink-outside" and not (project / "site/procedures/core/early-help-images/ok.png").is_file():
            failures.append("(control) the genuine picture beside it was not published")
    assert not failures, f"[{case}] " + "\n".join(failures)


# --- class 6: drafts ---------------------------------------------------------------------------

def _proc(pid: str, mark: str, status: str = "draft", extra: str = "") -> str:
    return (f"---\nid: {pid}\ntitle: {mark} title\nsummary: {mark} summary.\nstatus: {status}\n"
            f"approved_on: 2025-04-01\nlast_reviewed: 2025-06-01\nkeywords: [{mark} keyword]\n"
            f"amendments:\n  - date: 2025-06-01\n    summary: {mark} amendment.\n{extra}---\n\n"
            f"# {mark} heading\n\n{mark} body text.\n")


def _page(mark: str, status: str) -> str:
    return f"---\ntitle: {mark} title\nstatus: {status}\n---\n\n# {mark} heading\n\n{mark} body text.\n"


DOCUMENTS = """- id: approved-doc
  title: Approved document
  url: index.md
  owner: Owner
  approved_by: Approver
  last_reviewed: 2025-03-31
  review_every: 24
- id: draft-doc
  title: DRAFT-DOC-MARK title
  status: {status}
  owner: DRAFT-DOC-MARK owner
  approved_by: DRAFT-DOC-MARK approver
  last_reviewed: 2025-03-31
  review_every: 24
  amendments:
    - date: 2025-04-01
      summary: DRAFT-DOC-MARK amendment
"""

# (id, files, mkdocs.yml edit, markers that must appear nowhere, expected message path or None)
DRAFT_CASES = [
    ("draft-procedure", {"procedures/core/draft-one.md": _proc("draft-one", "DRAFT-PROC-MARK"),
                         "procedures/core/draft-one-images/pic.png": PNG + b"DRAFT-IMAGE-MARK"},
     None, ["DRAFT-PROC-MARK", "DRAFT-IMAGE-MARK", "draft-one"], None),
    ("archived-procedure", {"procedures/core/archived-one.md": _proc("archived-one", "ARCHIVED-PROC-MARK", "archived")},
     None, ["ARCHIVED-PROC-MARK"], None),
    ("procedure-status-Draft-capitalised", {"procedures/core/draft-cap.md": _proc("draft-cap", "DRAFT-PROCCAP-MARK", "Draft")},
     None, ["DRAFT-PROCCAP-MARK"], None),
    ("draft-page-out-of-nav", {"docs/draft-out.md": _page("DRAFT-PAGE-OUT-MARK", "draft")}, None, ["DRAFT-PAGE-OUT-MARK"], None),
    ("draft-page-in-nav", {"docs/draft-nav.md": _page("DRAFT-PAGE-NAV-MARK", "draft")},
     lambda c: c + "nav:\n  - index.md\n  - draft-nav.md\n", ["DRAFT-PAGE-NAV-MARK"], "docs/draft-nav.md"),
    ("page-status-Draft-capitalised", {"docs/draft-cap.md": _page("DRAFT-PAGE-CAP-MARK", "Draft")}, None,
     ["DRAFT-PAGE-CAP-MARK"], "docs/draft-cap.md"),
    ("page-status-padded", {"docs/draft-pad.md": _page("DRAFT-PAGE-PAD-MARK", '" draft "')}, None,
     ["DRAFT-PAGE-PAD-MARK"], "docs/draft-pad.md"),
    ("page-status-archived", {"docs/archived-page.md": _page("ARCHIVED-PAGE-MARK", "archived")}, None, ["ARCHIVED-PAGE-MARK"], None),
    ("draft-document-entry", {"docs/_data/documents.yml": DOCUMENTS.format(status="draft")}, None, ["DRAFT-DOC-MARK"], None),
    ("draft-document-entry-capitalised", {"docs/_data/documents.yml": DOCUMENTS.format(status="DRAFT")}, None,
     ["DRAFT-DOC-MARK"], "docs/_data/documents.yml"),
    ("link-to-draft-page", {"docs/draft-linked.md": _page("DRAFT-LINKED-MARK", "draft"),
                            "docs/index.md": "# Home\n\nSee [the draft](draft-linked.md).\n"},
     None, ["DRAFT-LINKED-MARK"], "docs/index.md"),
    ("reference-to-draft-procedure", {"procedures/core/draft-ref.md": _proc("draft-ref", "DRAFT-REF-MARK"),
                                      "docs/index.md": "# Home\n\nSee [[draft-ref]].\n"},
     None, ["DRAFT-REF-MARK"], "docs/index.md"),
    ("related-draft-procedure", {"procedures/core/draft-rel.md": _proc("draft-rel", "DRAFT-REL-MARK")},
     None, ["DRAFT-REL-MARK"], "procedures/core/neglect.md"),
    ("glossary-points-to-draft", {"procedures/core/draft-gl.md": _proc("draft-gl", "DRAFT-GL-MARK"),
                                  "docs/_data/glossary.yml": "- term: Glossed\n  definition: Defined.\n  procedure: draft-gl\n"},
     None, ["DRAFT-GL-MARK"], "docs/_data/glossary.yml"),
]
BATCHED = {"draft-procedure", "archived-procedure", "procedure-status-Draft-capitalised", "draft-page-out-of-nav",
           "page-status-archived", "draft-document-entry"}


def _related_edit(project: Path) -> None:
    f = project / "procedures/core/neglect.md"
    f.write_text(f.read_text().replace("related: [early-help]", "related: [early-help, draft-rel]"))


def _apply(project: Path, files: dict, config_edit) -> None:
    for rel, content in files.items():
        target = project / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content) if isinstance(content, bytes) else target.write_text(content, encoding="utf-8")
    if config_edit:
        cfg = project / "mkdocs.yml"
        cfg.write_text(config_edit(cfg.read_text(encoding="utf-8")), encoding="utf-8")


def _judge_draft(b, project: Path, absent, path) -> list[str]:
    failures = build_problems(b, [path] if path else [])
    site = project / "site"
    if not b.ok:
        if path is None or not b.at(path):
            failures.append("the build failed:\n" + b.summary())
        lax = build(project, strict=False)  # what a build without --strict would publish
        failures += [f"(non-strict build) {x}" for x in build_problems(lax)]
    report = scan_site(site) if site.is_dir() else None
    if report is None:
        failures.append("no site was built")
    else:
        failures += [f"PUBLISHED{'' if b.ok else ' (by a non-strict build)'}: {x}" for x in leaked(report, absent)]
    return failures


def _draft_results(template: Path, tmp_path_factory) -> dict[str, list[str]]:
    if "drafts" in _CACHE:
        return _CACHE["drafts"]
    root = tmp_path_factory.mktemp("drafts")
    results: dict[str, list[str]] = {}
    batch = [c for c in DRAFT_CASES if c[0] in BATCHED]
    project = fresh(template, root / "batch")
    for _cid, files, edit, _absent, _path in batch:
        _apply(project, files, edit)
    b = build(project)
    if b.ok:
        report = scan_site(project / "site")
        for cid, _files, _edit, absent, _path in batch:
            results[cid] = [f"PUBLISHED: {x}" for x in leaked(report, absent)] + build_problems(b)
    for cid, files, edit, absent, path in DRAFT_CASES:
        if cid in results:
            continue
        project = fresh(template, root / cid)
        _apply(project, files, edit)
        if cid == "related-draft-procedure":
            _related_edit(project)
        b = build(project)
        results[cid] = _judge_draft(b, project, absent, path)
    _CACHE["drafts"] = results
    return results


def _cache_flip(template: Path, tmp_path_factory) -> dict[str, list[str]]:
    """Approved, built; then changed to draft with the same size and modification time."""
    if "flip" in _CACHE:
        return _CACHE["flip"]
    project = fresh(template, tmp_path_factory.mktemp("flip") / "p")
    files = {
        "cache-flip-procedure": ("procedures/core/flip-proc.md", _proc("flip-proc", "FLIP-PROC-MARK", "approved")),
        "cache-flip-page": ("docs/flip-page.md", _page("FLIP-PAGE-MARK", "approved")),
        "cache-flip-document": ("docs/_data/documents.yml", DOCUMENTS.format(status="approved").replace("DRAFT-DOC-MARK", "FLIP-DOC-MARK")),
    }
    marks = {"cache-flip-procedure": "FLIP-PROC-MARK", "cache-flip-page": "FLIP-PAGE-MARK", "cache-flip-document": "FLIP-DOC-MARK"}
    for rel, text in files.values():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text, encoding="utf-8")
    first = build(project)
    before = scan_site(project / "site") if first.ok else None
    for rel, text in files.values():
        f = project / rel
        st = f.stat()
        flipped = text.replace("status: approved", "status: draft   ")
        assert len(flipped) == len(text)
        f.write_text(flipped, encoding="utf-8")
        os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns
    second = build(project)
    after = scan_site(project / "site") if (project / "site").is_dir() else None
    results = {}
    for cid, mark in marks.items():
        failures = build_problems(first) + build_problems(second)
        if not first.ok or before is None:
            failures.append("(setup) the first build, with the page approved, failed:\n" + first.summary())
        elif not before.containing(mark):
            failures.append(f"(setup) {mark} was not published while approved")
        if not second.ok:
            failures.append("the second build failed:\n" + second.summary())
        if after is not None:
            failures += [f"STILL PUBLISHED after the change to draft: {x}" for x in leaked(after, [mark])]
        results[cid] = failures
    _CACHE["flip"] = results
    return results


@pytest.mark.parametrize("case", [c[0] for c in DRAFT_CASES] + ["cache-flip-procedure", "cache-flip-page", "cache-flip-document"])
def test_drafts_are_never_published(case, minimal_template, tmp_path_factory):
    """Class 6: draft procedures, hand-written pages (in and out of the nav) and documents
    appear nowhere in the site — pages, search index, sitemap, feed, reviews.json, pictures —
    including after an approved page becomes a draft with its size and time unchanged."""
    if case.startswith("cache-flip"):
        failures = _cache_flip(minimal_template, tmp_path_factory)[case]
    else:
        failures = _draft_results(minimal_template, tmp_path_factory)[case]
    assert not failures, f"[{case}] " + "\n".join(failures)

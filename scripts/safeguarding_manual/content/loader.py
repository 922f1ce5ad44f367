"""Load the manual from disk: sections and their defaults, procedures, validation.

Folder defaults are matched by path segment (procedures/ops never leaks into
procedures/ops-archive), nearest folder wins, the page's own front matter last, and a list
in a nearer place replaces (never appends to) one further out.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable

from . import frontmatter, references, schema
from .cache import FileCache, Unsupported, lines_from_data, lines_to_data, to_data
from .findings import ContentError, Finding, did_you_mean
from .model import IMAGES_SUFFIX, Amendment, Manual, Procedure, Section, merged_defaults

SECTION_FILE = "_section.yml"
SECTION_KEYS = ("title", "description", "order", "defaults")
FILE_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\.md$")
# Keys a section may default: everything that is not page-specific.
DEFAULTABLE = tuple(n for n in schema.FIELD_NAMES if n not in ("id", "title", "summary"))


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def load_section(root: Path, folder: Path, procedures_dir: Path) -> tuple[Section, list[Finding]]:
    rel_folder = folder.relative_to(procedures_dir).as_posix()
    rel_folder = "" if rel_folder == "." else rel_folder
    default_title = (rel_folder.rsplit("/", 1)[-1] or "Procedures").replace("-", " ").capitalize()
    section = Section(rel_folder, default_title)
    source = folder / SECTION_FILE
    if not source.is_file():
        return section, []
    path = _rel(root, source)
    section.path = path
    if not _inside(root, source):
        return section, [Finding(path, 1, "this section file is a link to a file outside the repository "
                                 "— copy the file in instead of linking it", code="symlink")]
    try:
        data, lines = frontmatter.load_yaml(path, frontmatter.decode(path, source.read_bytes()))
    except ContentError as exc:
        return section, exc.findings
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return section, [Finding(path, 1, "a section file must hold `title:`, `description:`, "
                                 "`order:` and `defaults:` — see another section's _section.yml")]
    findings: list[Finding] = []
    for key in data:
        if key not in SECTION_KEYS:
            findings.append(Finding(path, lines.get((key,), 1), f"`{key}` is not a section setting"
                                    f"{did_you_mean(str(key), SECTION_KEYS)} — use one of: "
                                    + ", ".join(SECTION_KEYS), code="unknown-key"))
    for key in ("title", "description"):
        if data.get(key) is None:
            continue
        try:
            value = schema.BY_NAME["title"].check(data[key])
        except schema.Invalid as exc:
            findings.append(Finding(path, lines.get((key,), 1), f"{key}: {exc}"))
            continue
        setattr(section, key, value)
    order = data.get("order", 100)
    if isinstance(order, int) and not isinstance(order, bool):
        section.order = order
    else:
        findings.append(Finding(path, lines.get(("order",), 1), f'order "{order}" must be a whole '
                                "number — sections are listed from the lowest"))
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        findings.append(Finding(path, lines.get(("defaults",), 1), "`defaults:` must be a list "
                                "of `key: value` lines indented under it"))
        defaults = {}
    for key, value in defaults.items():
        line = lines.get(("defaults", key), 1)
        if key not in DEFAULTABLE:
            hint = did_you_mean(str(key), DEFAULTABLE) or (
                " — ids, titles and summaries belong to each procedure" if key in schema.FIELD_NAMES else "")
            findings.append(Finding(path, line, f"`{key}` cannot be a section default{hint}",
                                    code="unknown-key"))
            continue
        try:
            section.defaults[key] = schema.BY_NAME[key].check(value)
        except schema.Invalid as exc:
            findings.append(Finding(path, line, f"{key}: {exc}"))
    return section, findings


def build_procedure(doc: frontmatter.Document, chain: list[Section], section: str,
                    agencies: Iterable[str]) -> tuple[Procedure | None, list[Finding]]:
    """Apply folder defaults to a parsed document and validate it against the schema."""
    path, meta = doc.path, doc.meta
    findings: list[Finding] = []
    for key in meta:
        if key not in schema.BY_NAME:
            hint = did_you_mean(str(key), schema.FIELD_NAMES) or \
                " — see the front-matter reference in the editors' guide for the keys you can use"
            findings.append(Finding(path, doc.line_of(key), f"`{key}` is not a front-matter key{hint}",
                                    code="unknown-key"))
    merged = merged_defaults(chain)
    if "next_review" in meta and "review_every" not in meta:
        merged.pop("review_every", None)  # a page's own date beats an inherited cycle
    values: dict[str, Any] = dict(merged)
    for key, value in meta.items():
        if key not in schema.BY_NAME:
            continue
        try:
            values[key] = schema.BY_NAME[key].check(value)
        except schema.Invalid as exc:
            line = doc.line_of(key, exc.index) if exc.index is not None else doc.line_of(key)
            findings.append(Finding(path, line, f"{key}: {exc}"))
            values.pop(key, None)
    bad = {f.message.split(":", 1)[0] for f in findings}
    for f in schema.FIELDS:
        if f.required and f.name not in values and f.name not in bad:
            findings.append(Finding(path, doc.end_line, f"`{f.name}` is missing — add a line "
                                    f"such as `{f.name}: {f.example}` to the front matter "
                                    "(before the closing `---`)", code="missing"))
    if "review_every" not in values and "next_review" not in values \
            and not {"review_every", "next_review"} & bad:
        findings.append(Finding(path, doc.end_line, "no review date — add `review_every: 24` "
                                "(months) or `next_review: YYYY-MM-DD` to the front matter",
                                code="missing"))
    if "review_every" in meta and "next_review" in meta:
        findings.append(Finding(path, doc.line_of("next_review"), "give `review_every` or "
                                "`next_review`, not both — delete one of them"))
    last, nxt = values.get("last_reviewed"), values.get("next_review")
    if last and nxt and nxt <= last:
        findings.append(Finding(path, doc.line_of("next_review"), f"next_review {nxt} is not after "
                                f"last_reviewed {last} — the next review must come later"))
    allowed = tuple(agencies)
    for i, agency in enumerate(values.get("applies_to", [])):
        if agency not in allowed:
            hint = did_you_mean(agency, allowed) or " — use one of: " + ", ".join(allowed)
            findings.append(Finding(path, doc.line_of("applies_to", i),
                                    f'applies_to: "{agency}" is not on the agency list{hint}'))
    if values.get("status") == "approved":
        for key in ("approved_by", "approved_on"):
            if key not in values and key not in bad:
                findings.append(Finding(path, doc.line_of("status"), f"status is approved but `{key}` is "
                                        "missing — a procedure is approved only once the partnership has "
                                        f"recorded its approval: add `{key}:` then, or use `status: "
                                        "consultation` until it has", code="approval"))
    elif values.get("status") == "consultation":
        for key in ("approved_on",):
            if key in meta:
                findings.append(Finding(path, doc.line_of(key), f"`{key}` is given but the status is "
                                        f"{values['status']} — record an approval only when the partnership "
                                        "has given it, together with `status: approved`", code="approval"))
    if values.get("consultation_ends") and values.get("status") != "consultation":
        findings.append(Finding(path, doc.line_of("consultation_ends"), "`consultation_ends` is only for "
                                "a procedure whose status is consultation — remove it", code="approval"))
    if values.get("status") == "approved":
        for key in ("summary", "owner", "approved_by"):
            if "TODO" in str(values.get(key, "")):
                findings.append(Finding(path, doc.line_of(key) if key in meta else doc.end_line,
                                        f"{key} still says TODO — replace it with the real text "
                                        "before approving the procedure", code="placeholder"))
    if findings:
        return None, findings
    procedure = Procedure(
        id=values["id"], title=values["title"], path=path, owner=values["owner"],
        approved_by=values.get("approved_by"), last_reviewed=values["last_reviewed"],
        review_every=values.get("review_every"), next_review_on=values.get("next_review"),
        status=values["status"], site_path=path, line=doc.line_of("id"),
        amendments=sorted((Amendment(**a) for a in values.get("amendments", [])),
                          key=lambda a: a.date, reverse=True),
        summary=values["summary"], approved_on=values.get("approved_on"),
        consultation_ends=values.get("consultation_ends"),
        version=values.get("version"), applies_to=values.get("applies_to", []),
        threshold_levels=sorted(set(values.get("threshold_levels", []))),
        related=values.get("related", []), keywords=values.get("keywords", []),
        legislation=values.get("legislation", []), section=section, body=doc.body,
        body_line=doc.body_line, lines=doc.lines, anchors=doc.headings or {},
    )
    return procedure, []


FOLDER_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MARKDOWN_LIKE = re.compile(r"\.(md|markdown|mdown|mkd|mkdn|mdwn|mdtxt|text)$", re.I)


def _walk(procedures_dir: Path, findings: list[Finding], root: Path) -> Iterable[tuple[Path, list[str], list[str]]]:
    for folder, dirs, files in os.walk(procedures_dir, followlinks=False):
        keep = []
        for d in sorted(dirs):
            path = Path(folder) / d
            if d.startswith((".", "_")):
                continue
            if d.endswith(IMAGES_SUFFIX):
                continue  # a procedure's pictures (checked by the build), never a section
            if path.is_symlink():
                findings.append(Finding(_rel(root, path), 1, "this folder is a link to another "
                                        "folder — sections must be real folders inside the "
                                        "repository; copy the files in instead", code="symlink"))
                continue
            if not FOLDER_NAME.match(d):
                fixed = re.sub(r"[^a-z0-9]+", "-", d.lower()).strip("-") or "section"
                findings.append(Finding(_rel(root, path), 1, f'the folder name "{d}" must use only '
                                        "lower-case letters, digits and hyphens (it becomes the web "
                                        f"address) — rename it to `{fixed}`", code="file-name"))
                continue
            keep.append(d)
        dirs[:] = keep
        yield Path(folder), dirs, sorted(files)


def load_manual(root: str | os.PathLike, procedures_dir: str = "procedures",
                agencies: Iterable[str] = schema.DEFAULT_AGENCIES) -> Manual:
    """Everything the build, the checks and the tests need; problems become findings."""
    root_path = Path(root).resolve()
    base = root_path / procedures_dir
    manual = Manual(str(root_path))
    if not base.is_dir():
        manual.findings.append(Finding(procedures_dir, 1, "the procedures folder does not exist — "
                                       "create it, with one folder per section"))
        return manual
    agencies = tuple(agencies)
    cache = FileCache(root_path, encode=_document_data, decode=_document_from_data)
    for folder, _dirs, files in _walk(base, manual.findings, root_path):
        if folder != base and SECTION_FILE not in files and not any(f.endswith(".md") for f in files):
            continue  # e.g. a procedure's images folder: not a section
        section, problems = load_section(root_path, folder, base)
        manual.sections[section.folder] = section
        manual.findings.extend(problems)
        chain = manual.chain(section.folder)
        for name in files:
            file = folder / name
            if name.startswith((".", "_")):
                continue
            rel = _rel(root_path, file)
            if not name.endswith(".md"):
                if MARKDOWN_LIKE.search(name):
                    fixed = re.sub(r"[^a-z0-9]+", "-", MARKDOWN_LIKE.sub("", name).lower()).strip("-") + ".md"
                    manual.findings.append(Finding(rel, 1, f'"{name}" is not read: procedures must '
                                                   f"end in `.md` — rename it to `{fixed}`",
                                                   code="file-name"))
                continue
            if file.is_symlink() and not _inside(root_path, file):
                manual.findings.append(Finding(rel, 1, "this is a link to a file outside the "
                                               "repository — copy the file in instead of linking it",
                                               code="symlink"))
                continue
            if not FILE_NAME.match(name):
                fixed = re.sub(r"[^a-z0-9]+", "-", name[:-3].lower()).strip("-") + ".md"
                manual.findings.append(Finding(rel, 1, f'the file name "{name}" must use only '
                                               "lower-case letters, digits and hyphens (it becomes "
                                               f"the web address) — rename it to `{fixed}`",
                                               code="file-name"))
                continue
            raw = file.read_bytes()
            doc = cache.get(rel, raw)
            if doc is None:
                try:
                    doc = frontmatter.read(rel, raw)
                except ContentError as exc:
                    manual.findings.extend(exc.findings)
                    continue
                doc.headings = references.headings(doc.body)
                cache.put(rel, raw, doc)
            procedure, problems = build_procedure(doc, chain, section.folder, agencies)
            manual.findings.extend(problems)
            if procedure is None and isinstance(doc.meta.get("id"), str):
                manual.invalid_ids[doc.meta["id"]] = rel
            if procedure:
                manual.procedures.append(procedure)
    cache.save()
    _check_unique_ids(manual)
    manual.index()
    return manual


def _document_data(doc: frontmatter.Document) -> dict:
    """A parsed file as plain data for the cache (cache.py)."""
    return {"path": doc.path, "meta": to_data(doc.meta), "lines": lines_to_data(doc.lines),
            "body": doc.body, "body_line": doc.body_line, "end_line": doc.end_line,
            "headings": to_data(doc.headings)}


def _document_from_data(data: Any) -> frontmatter.Document:
    if type(data) is not dict:
        raise Unsupported("document")
    meta, headings, lines = data["meta"], data["headings"], lines_from_data(data["lines"])
    if type(meta) is not dict or not (headings is None or (type(headings) is dict and all(
            type(v) is str for v in headings.values()))) or type(data["body"]) is not str or not (
            type(data["path"]) is str and type(data["body_line"]) is int and type(data["end_line"]) is int):
        raise Unsupported("document")
    return frontmatter.Document(path=data["path"], meta=meta, lines=lines, body=data["body"],
                                body_line=data["body_line"], end_line=data["end_line"], headings=headings)


def _check_unique_ids(manual: Manual) -> None:
    seen: dict[str, Procedure] = {}
    keep = []
    for p in manual.procedures:
        first = seen.get(p.id.lower())
        if first is not None:
            manual.findings.append(Finding(p.path, p.line_of("id"), f"id `{p.id}` is already used "
                                           f"by {first.path} — every procedure needs its own id",
                                           code="duplicate-id"))
            continue
        seen[p.id.lower()] = p
        keep.append(p)
    manual.procedures = keep

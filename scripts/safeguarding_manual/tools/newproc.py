"""Start a new draft procedure: `scripts/new_procedure.py "Title" --section FOLDER`.

The new file has complete front matter and the standard headings, and is validated with the
same loader and schema as the build *before* it is written, so an editor never starts from a
file the checks reject. The Word importer (importdocx.py) shares everything here except the body.

Exit codes: 0 written, 1 refused (the file or the id already exists, or the result would not
validate), 2 usage error (unknown section, bad arguments, no manual in --root).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Sequence

import yaml

from ..content import data, frontmatter, safety, schema
from ..content.findings import ContentError, did_you_mean
from ..content.loader import FILE_NAME, build_procedure, load_manual
from ..content.model import Manual, Section, images_folder, merged_defaults

PREVIEW_COMMAND = "MANUAL_PREVIEW=1 .venv/bin/mkdocs serve"
PREVIEW_BASE = "http://127.0.0.1:8000"
SUMMARY_PLACEHOLDER = "TODO: one sentence on the scope of this procedure"
MAX_ID_LENGTH = 60  # ids become web addresses; long titles give a shorter, still-readable id
MAX_TITLE_LENGTH = 200  # a title is a heading and a line in every index, not a paragraph
# Written only when neither the section nor the command line gives a value: they validate,
# so the draft previews, and they say plainly what to replace.
OWNER_PLACEHOLDER = "TODO: the role or group responsible (never a person's name)"
DEFAULT_REVIEW_EVERY = 24

# The house headings, in order, each with a line or two of guidance for the author.
STANDARD_HEADINGS: tuple[tuple[str, str], ...] = (
    ("Scope", "Say in two or three sentences what this procedure covers, and what it does not "
     "(point to the procedure that does)."),
    ("Who this applies to", "Name the practitioners and agencies who must follow it. Keep "
     "`applies_to:` in the settings above in step with this list."),
    ("What to do", "Write the steps in the order a practitioner takes them, one action per "
     "step, in plain words.\n\n1. First step.\n1. Next step."),
    ("Timescales", "Give each timescale and where it comes from (law, statutory guidance or a "
     "local expectation).\n\n| What | Timescale | Basis |\n|---|---|---|\n| First action | "
     "Within 1 working day | Local expectation |"),
    ("Related procedures", "List related procedures by id, for example `[[responding-to-concerns]]`, "
     "and add their ids to `related:` in the settings above."),
    ("Legislation and guidance", "List the legislation and statutory guidance this procedure "
     "rests on, and add the main items to `legislation:` above."),
)
STANDARD_NAMES = tuple(name for name, _ in STANDARD_HEADINGS)
OPTIONAL_LISTS = (
    ("applies_to", "applies_to: []        # agencies, for example [All practitioners] or [Police, Health]"),
    ("threshold_levels", "threshold_levels: []  # Threshold of Need levels, for example [3, 4]"),
    ("related", "related: []           # ids of related procedures, for example [early-help]"),
    ("keywords", "keywords: []          # words and old names readers search for"),
    ("legislation", "legislation: []       # for example [Children Act 1989, section 47]"),
)


class Refused(Exception):
    """A plain-English reason to stop, and the exit code (1 refused, 2 usage)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2 with a plain sentence, never a traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {message}\n")


def _date(text: str) -> dt.date:
    try:
        return schema.parse_date(text)
    except schema.Invalid as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--section", required=True, metavar="FOLDER",
                        help="the section folder under procedures/, for example core")
    parser.add_argument("--owner", help="the owning role or group, if not the section's default")
    parser.add_argument("--root", default=".", help="the manual's folder (with procedures/); default: here")
    parser.add_argument("--today", type=_date, default=None,
                        help="the approval and review date to write, YYYY-MM-DD (default: today)")


# --- where the new procedure goes ------------------------------------------------------------

def make_id(title: str) -> str:
    """The id (and file name) for a title: `data.slug`, after folding accents (é → e) and
    dropping apostrophes (children's → childrens), at most MAX_ID_LENGTH characters."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’‘]", "", text)
    ident = data.slug(text)
    if len(ident) > MAX_ID_LENGTH:
        ident = ident[:MAX_ID_LENGTH + 1].rsplit("-", 1)[0] if "-" in ident[:MAX_ID_LENGTH + 1] \
            else ident[:MAX_ID_LENGTH]
    return ident.strip("-")


# Characters a one-line text must not carry: control characters and line separators (they
# would break the line or the terminal), lone surrogates (undecodable bytes on the command
# line) and the two non-characters YAML refuses. They become spaces.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
# Invisible characters that only hide or reorder what is shown (soft hyphen, zero-width
# spaces, direction overrides, byte-order mark). They are dropped.
_INVISIBLE = re.compile("[\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean_title(title: str) -> str:
    """One line of plain text: unsafe characters become spaces, runs of spaces one space."""
    title = _INVISIBLE.sub("", _UNSAFE.sub(" ", title))
    return re.sub(r"\s+", " ", title.replace("\xa0", " ")).strip()


@dataclass
class Plan:
    """Everything decided before anything is written."""

    root: Path
    procedures_dir: str
    agencies: tuple[str, ...]
    section: Section
    chain: list[Section]
    title: str
    id: str
    today: dt.date
    owner: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def rel_path(self) -> str:
        return PurePosixPath(self.procedures_dir, self.section.folder, f"{self.id}.md").as_posix()

    @property
    def path(self) -> Path:
        return self.root / self.rel_path

    @property
    def images_rel(self) -> str:
        """The images folder, relative to the Markdown file."""
        return images_folder(self.id)

    @property
    def url(self) -> str:
        return f"{PREVIEW_BASE}/{self.procedures_dir}/{self.section.folder}/{self.id}/"

    @property
    def defaults(self) -> dict[str, Any]:
        return merged_defaults(self.chain)


def _settings(root: Path) -> tuple[str, tuple[str, ...]]:
    """The procedures folder and agency list from mkdocs.yml, if there is one."""
    if not (root / "mkdocs.yml").is_file():
        return "procedures", schema.DEFAULT_AGENCIES
    from ..content.corpus import Settings
    try:
        settings = Settings.from_mkdocs_yml(root)
    except (yaml.YAMLError, OSError, AttributeError, TypeError) as exc:
        raise Refused(f"mkdocs.yml in {root} cannot be read ({exc.__class__.__name__}) — "
                      "fix it, or pass --root with the manual's folder", 2) from None
    return settings.procedures_dir.strip("/") or "procedures", tuple(settings.agencies)


def real_sections(manual: Manual, procedures_dir: str) -> list[str]:
    """Section folders (the loader already skips folders such as `neglect-images/`)."""
    return sorted(folder for folder in manual.sections if folder)


def _taken(manual: Manual, root: Path, procedures_dir: str) -> dict[str, str]:
    """id (lower case) -> the file that holds it: every procedure, valid or not, draft or not,
    and every procedure file name (a file whose settings are broken still owns its name)."""
    taken: dict[str, str] = {}
    base = root / procedures_dir
    if base.is_dir():
        for file in sorted(base.rglob("*.md")):
            if not any(part.startswith((".", "_")) for part in file.relative_to(base).parts):
                taken.setdefault(file.stem.lower(), file.relative_to(root).as_posix())
    for pid, path in manual.invalid_ids.items():
        taken[pid.strip().lower()] = path
    for p in manual.procedures:
        taken[p.id.lower()] = p.path
    return taken


@dataclass
class Where:
    """The manual and the section a new procedure goes into."""

    root: Path
    procedures_dir: str
    agencies: tuple[str, ...]
    manual: Manual
    section: Section
    chain: list[Section]  # the section and the folders above it, outermost first


def locate(root_arg: str, section_arg: str) -> Where:
    """Load the manual and find the section folder; Refused (exit 2) if either is missing."""
    root = Path(root_arg)
    procedures_dir, agencies = _settings(root)
    if not (root / procedures_dir).is_dir():
        raise Refused(f"there is no {procedures_dir}/ folder in {root.resolve()} — run this from "
                      "the manual's folder, or pass --root with it", 2)
    manual = load_manual(root, procedures_dir, agencies)
    sections = real_sections(manual, procedures_dir)
    folder = section_arg.strip().replace("\\", "/").strip("/")
    if folder.startswith(procedures_dir + "/"):
        folder = folder[len(procedures_dir) + 1:]  # forgive `--section procedures/core`
    if folder not in sections:
        listing = ", ".join(sections) if sections else "none yet — create a folder with a _section.yml"
        hint = did_you_mean(folder, sections) or "."
        raise Refused(f'there is no section "{section_arg}"{hint} The sections are: {listing}', 2)
    return Where(root, procedures_dir, agencies, manual, manual.sections[folder], manual.chain(folder))


def plan(where: Where, title: str, today: dt.date | None, owner: str | None) -> Plan:
    """Check everything else that could stop us, before anything is written."""
    title = clean_title(title)
    if not title:
        raise Refused("the title is empty — give the procedure's title in quotes, for example "
                      '"Children missing from education"', 2)
    if len(title) > MAX_TITLE_LENGTH:
        raise Refused(f"the title is {len(title)} characters long, more than the {MAX_TITLE_LENGTH} "
                      "allowed — give a shorter title (with --title when importing a Word "
                      "document)", 2)
    ident = make_id(title)
    if not ident or not schema.SLUG.match(ident):
        raise Refused(f'the title "{title}" gives no usable id — use a title with letters a–z '
                      "or digits", 2)
    if owner is not None and not clean_title(owner):
        raise Refused("--owner is empty — give the owning role or group, or leave --owner out", 2)
    result = Plan(where.root, where.procedures_dir, where.agencies, where.section, where.chain,
                  title, ident, today or dt.date.today(), clean_title(owner) if owner else None)
    if result.path.exists():
        raise Refused(f"{result.rel_path} already exists — this never overwrites a file. Edit "
                      "that file, or choose a different title")
    taken = _taken(where.manual, where.root, where.procedures_dir)
    if ident.lower() in taken:
        raise Refused(f'the id "{ident}" (made from the title) is already used by '
                      f"{taken[ident.lower()]} — every procedure needs its own id. Choose a "
                      f'more specific title, for example "{title} (pre-birth)", or edit that file')
    return result


# --- the file ----------------------------------------------------------------------------------

def _scalar(text: str) -> str:
    """A YAML string, plain when YAML reads it back unchanged, else double-quoted (JSON's
    escapes are YAML's), which editors find easier to read than YAML's single quotes. Plain
    only if PyYAML's standard reader agrees as well as ours (which keeps dates as text), so
    `2025-01-01` or `yes` is quoted for other tools too."""
    try:
        line = f"v: {text}"
        if "\n" not in text and \
                frontmatter.load_yaml("-", line)[0] == {"v": text} == yaml.safe_load(line):
            return text
    except (ContentError, yaml.YAMLError, ValueError, OverflowError):  # 2025-02-30: ValueError
        pass
    return json.dumps(text, ensure_ascii=False)


def front_matter(p: Plan) -> str:
    defaults = p.defaults
    lines = ["---", f"id: {_scalar(p.id)}", f"title: {_scalar(p.title)}", f'summary: "{SUMMARY_PLACEHOLDER}"',
             "status: draft"]
    # Only what the section's _section.yml does not already say, so a change of owner or
    # review cycle for the whole section still reaches this procedure.
    if p.owner and p.owner != defaults.get("owner"):
        lines.append(f"owner: {_scalar(p.owner)}")
    elif not p.owner and "owner" not in defaults:
        lines.append(f'owner: "{OWNER_PLACEHOLDER}"')
        p.notes.append("owner is a placeholder — pass --owner, or add `owner:` to the section's "
                       "_section.yml defaults")
    # No approved_by / approved_on: a new procedure is a draft; they are added only when the
    # partnership records its approval (with `status: approved`).
    lines += [f"last_reviewed: {p.today.isoformat()}"]
    if "review_every" not in defaults and "next_review" not in defaults:
        lines.append(f"review_every: {DEFAULT_REVIEW_EVERY}")
    # Empty lists for the author to fill in, each with an example; never one the section
    # already gives (a list here would replace the section's, not add to it).
    lines += [line for key, line in OPTIONAL_LISTS if key not in defaults]
    return "\n".join([*lines, "---"]) + "\n"


_ESCAPE = re.compile(r"([\\`*\[\]{}])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|<|&(?=#[0-9xX]|[A-Za-z0-9]+;)")


def escape_markdown(text: str) -> str:
    """Text that Markdown shows as written: emphasis marks, brackets (and so `[[…]]`
    references), attribute braces and raw HTML are escaped; an underscore inside a word
    (first_name) is left alone, as Markdown leaves it."""
    def sub(m: re.Match) -> str:
        ch = m.group(0)
        return {"<": "&lt;", "&": "&amp;"}.get(ch, "\\" + ch)
    return _ESCAPE.sub(sub, text)


# Every character Markdown (and the site's extensions) could read as syntax somewhere in a
# heading. Backslash escapes, except < > & (HTML) and | (escapable only with the tables
# extension), which become entities, so a title is always text whatever the extensions.
_TITLE_BACKSLASH = set("\\`*_{}[]()#+-.!")
_TITLE_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "|": "&#124;"}


def escape_title(text: str) -> str:
    """A title as Markdown text that shows exactly as written and can never become markup."""
    return "".join(_TITLE_ENTITY.get(ch) or ("\\" + ch if ch in _TITLE_BACKSLASH else ch)
                   for ch in clean_title(text))


def heading_line(level: int, text: str) -> str:
    return f"{'#' * level} {escape_title(text)}"


def template_body(title: str) -> str:
    out = [heading_line(1, title), ""]
    for name, guidance in STANDARD_HEADINGS:
        out += [f"## {name}", "", guidance, ""]
    return "\n".join(out)


def validate(p: Plan, text: str) -> list[str]:
    """The same checks as the build, run on the text before it is written."""
    try:
        doc = frontmatter.read(p.rel_path, text.encode("utf-8"))  # with the loader's size limit
    except ContentError as exc:
        return [str(f) for f in exc.findings]
    problems = []
    if not FILE_NAME.match(p.path.name):
        problems.append(f"{p.rel_path}:1: the file name is not a valid procedure file name")
    _proc, findings = build_procedure(doc, p.chain, p.section.folder, p.agencies)
    problems += [str(f) for f in findings]
    problems += [str(f) for f in safety.check_markdown(p.rel_path, doc.body, doc.body_line)]
    return problems


def write(p: Plan, text: str, images: Sequence[tuple[str, bytes]] = ()) -> None:
    """Write the images (if any) and then the procedure, never replacing anything; on failure
    remove what this call created."""
    problems = validate(p, text)
    if problems:
        raise Refused("the new procedure would not pass the checks, so nothing was written "
                      "(please report this):\n" + "\n".join(problems))
    created: list[Path] = []
    try:
        if images:
            folder = p.path.parent / p.images_rel
            folder.mkdir()  # FileExistsError if something is already there: never mix files
            created.append(folder)
            for name, content in images:
                target = folder / name
                with open(target, "xb") as fh:
                    created.insert(0, target)
                    fh.write(content)
        with open(p.path, "x", encoding="utf-8", newline="\n") as fh:
            created.insert(0, p.path)
            fh.write(text)
    except FileExistsError as exc:
        _undo(created)
        raise Refused(f"{_show(p.root, exc.filename or p.path)} already exists — this never "
                      "overwrites a file. Move it away, or choose a different title") from None
    except OSError as exc:
        _undo(created)
        raise Refused(f"could not write {p.rel_path}: {exc.strerror or exc}") from None


def _show(root: Path, path: str | os.PathLike) -> str:
    """A path as the editor thinks of it: relative to the manual's folder when inside it."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _undo(created: list[Path]) -> None:
    for path in created:
        try:
            path.rmdir() if path.is_dir() else path.unlink()
        except OSError:
            pass


def report(p: Plan, out=None) -> None:
    out = out or sys.stdout
    print(f"Created {p.rel_path} (status: draft)", file=out)
    for note in p.notes:
        print(f"note: {note}", file=out)
    where = "" if p.root.resolve() == Path.cwd().resolve() else f" (in {p.root})"
    print(f"Preview it with: {PREVIEW_COMMAND}{where}", file=out)
    print(f"then open {p.url}", file=out)


def run(argv: Sequence[str] | None, parser: argparse.ArgumentParser, body) -> int:
    """Parse, plan, build and write, turning every expected problem into a message."""
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (exit 2) and --help (exit 0) return, for callers
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return body(args)
    except Refused as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return exc.code
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"{parser.prog}: could not read or write a file{where}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 — an editor's tool ends with a sentence, not a traceback
        print(f"{parser.prog}: something unexpected went wrong ({exc.__class__.__name__}: {exc}) — "
              "please report this to the developers with the command you ran", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="new_procedure.py", description="Start a new draft procedure with "
                     "complete settings and the standard headings. Exit 0 written, 1 refused "
                     "(the file or id already exists), 2 usage error.")
    parser.add_argument("title", help='the procedure\'s title, in quotes: "Children missing from education"')
    add_common_arguments(parser)

    def body(args) -> int:
        p = plan(locate(args.root, args.section), args.title, args.today, args.owner)
        text = front_matter(p) + "\n" + template_body(p.title)
        write(p, text)
        report(p)
        return 0

    return run(argv, parser, body)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

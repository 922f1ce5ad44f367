"""Structured content kept as YAML under docs/_data: the Threshold of Need, the glossary,
reviewable documents, the arrangements' structure chart and the annual report's figures.

Each loader validates shape and returns (value, findings) so a typo in a data file is a
`path:line:` message like any other, never a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import frontmatter, schema
from .findings import ContentError, Finding, did_you_mean
from .model import Amendment, Reviewable

DATA_DIR = "_data"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Reader:
    """Small helper that walks a data file and records findings with line numbers."""

    def __init__(self, path: str, data: Any, lines: dict[tuple, int]):
        self.path, self.data, self.lines = path, data, lines
        self.findings: list[Finding] = []

    def line(self, *keys: Any) -> int:
        while keys and keys not in self.lines:
            keys = keys[:-1]
        return self.lines.get(keys, 1)

    def error(self, keys: tuple, message: str) -> None:
        self.findings.append(Finding(self.path, self.line(*keys), message))

    def text(self, obj: dict, key: str, keys: tuple, required: bool = True) -> str:
        value = obj.get(key) if isinstance(obj, dict) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(keys, f"`{key}` is missing or empty — add `{key}: …`")
            return ""
        if not isinstance(value, (str, int, float)):
            self.error((*keys, key), f"`{key}` must be text")
            return ""
        return str(value).strip()

    def items(self, obj: Any, key: str, keys: tuple) -> list:
        value = obj.get(key) if isinstance(obj, dict) else None
        if value is None:
            return []
        if not isinstance(value, list):
            self.error((*keys, key), f"`{key}` must be a list of items starting with `- `")
            return []
        return value


def read_yaml(root: Path, rel: str) -> tuple[Any, dict[tuple, int], list[Finding]]:
    file = root / rel
    if not file.is_file():
        return None, {}, []
    try:
        data, lines = frontmatter.load_yaml(rel, frontmatter.decode(rel, file.read_bytes()))
    except ContentError as exc:
        return None, {}, exc.findings
    return data, lines, []


# --- Threshold of Need -------------------------------------------------------------------

@dataclass
class Indicator:
    text: str
    level: int
    domain: str
    procedure: str | None = None
    line: int = 1


@dataclass
class Example:
    title: str
    situation: str
    response: str


@dataclass
class Level:
    level: int
    name: str
    summary: str
    who: str
    indicators: dict[str, list[Indicator]]
    what_to_do: list[str]
    who_leads: str
    examples: list[Example]

    @property
    def id(self) -> str:
        return f"level-{self.level}"

    @property
    def title(self) -> str:
        return f"Level {self.level}: {self.name}"


@dataclass
class Domain:
    id: str
    title: str
    description: str


@dataclass
class Threshold:
    path: str
    document: Reviewable | None
    domains: list[Domain]
    levels: list[Level]

    @property
    def indicators(self) -> list[Indicator]:
        return [i for lv in self.levels for d in self.domains for i in lv.indicators.get(d.id, [])]


def _reviewable(r: _Reader, obj: Any, keys: tuple, id_: str, site_path: str) -> Reviewable | None:
    if not isinstance(obj, dict):
        r.error(keys, "this must be a block of `key: value` lines (title, owner, approved_by, "
                "last_reviewed, and review_every or next_review)")
        return None
    values: dict[str, Any] = {}
    for key in ("owner", "approved_by", "last_reviewed", "review_every", "next_review", "approved_on"):
        if key in obj:
            try:
                values[key] = schema.BY_NAME[key].check(obj[key])
            except schema.Invalid as exc:
                r.error((*keys, key), f"{key}: {exc}")
    allowed = ("id", "title", "owner", "approved_by", "approved_on", "last_reviewed",
               "review_every", "next_review", "url", "amendments", "status")
    for key in obj:
        if key not in allowed:
            r.error((*keys, key), f"`{key}` is not a document setting{did_you_mean(str(key), allowed)}")
    for key in ("owner", "approved_by", "last_reviewed"):
        if key not in obj:
            r.error(keys, f"`{key}` is missing — add it (for example `{key}: "
                    f"{schema.BY_NAME[key].example}`)")
    if "review_every" not in values and "next_review" not in values:
        r.error(keys, "no review date — add `review_every: 24` or `next_review: YYYY-MM-DD`")
    amendments = []
    for i, a in enumerate(r.items(obj, "amendments", keys)):
        try:
            amendments.append(Amendment(**schema.BY_NAME["amendments"].check([a])[0]))
        except schema.Invalid as exc:
            r.error((*keys, "amendments", i), f"amendments: {exc}")
    if r.findings:
        return None
    return Reviewable(
        id=str(obj.get("id") or id_), title=r.text(obj, "title", keys), path=r.path,
        owner=values["owner"], approved_by=values["approved_by"],
        last_reviewed=values["last_reviewed"], review_every=values.get("review_every"),
        next_review_on=values.get("next_review"), site_path=str(obj.get("url") or site_path),
        line=r.line(*keys), amendments=sorted(amendments, key=lambda a: a.date, reverse=True))


def load_threshold(docs: Path, rel: str = f"{DATA_DIR}/threshold.yml",
                   site_path: str = "threshold/index.md") -> tuple[Threshold | None, list[Finding]]:
    data, lines, problems = read_yaml(docs, rel)
    if problems or data is None:
        return None, problems
    path = f"docs/{rel}"
    r = _Reader(path, data, lines)
    if not isinstance(data, dict):
        r.error((), "the threshold file must have `document:`, `domains:` and `levels:`")
        return None, r.findings
    document = _reviewable(r, data.get("document"), ("document",), "threshold", site_path)
    domains = []
    for i, d in enumerate(r.items(data, "domains", ())):
        keys = ("domains", i)
        domains.append(Domain(r.text(d, "id", keys), r.text(d, "title", keys),
                              r.text(d, "description", keys, required=False)))
    domain_ids = [d.id for d in domains]
    if len(domains) != 3:
        r.error(("domains",), f"there must be three domains (the Assessment Framework's), found {len(domains)}")
    levels = []
    for i, lv in enumerate(r.items(data, "levels", ())):
        keys = ("levels", i)
        if not isinstance(lv, dict):
            r.error(keys, "each level must be a block with `level:`, `name:`, `indicators:` …")
            continue
        number = lv.get("level")
        if number not in (1, 2, 3, 4) or isinstance(number, bool):
            r.error((*keys, "level"), f'level "{number}" must be a whole number from 1 to 4')
            continue
        indicators: dict[str, list[Indicator]] = {d: [] for d in domain_ids}
        raw = lv.get("indicators") or {}
        if not isinstance(raw, dict):
            r.error((*keys, "indicators"), "`indicators:` must list each domain id with its indicators")
            raw = {}
        for dom, entries in raw.items():
            if dom not in domain_ids:
                r.error((*keys, "indicators", dom), f"`{dom}` is not a domain{did_you_mean(str(dom), domain_ids)}"
                        " — use one of: " + ", ".join(domain_ids))
                continue
            for j, entry in enumerate(entries or []):
                ik = (*keys, "indicators", dom, j)
                if isinstance(entry, str):
                    entry = {"text": entry}
                if not isinstance(entry, dict) or not str(entry.get("text") or "").strip():
                    r.error(ik, "each indicator needs `text:` (and optionally `procedure:`)")
                    continue
                indicators[dom].append(Indicator(str(entry["text"]).strip(), number, dom,
                                                 entry.get("procedure"), r.line(*ik)))
        examples = []
        for j, ex in enumerate(r.items(lv, "examples", keys)):
            ek = (*keys, "examples", j)
            examples.append(Example(r.text(ex, "title", ek), r.text(ex, "situation", ek),
                                    r.text(ex, "response", ek)))
        levels.append(Level(number, r.text(lv, "name", keys), r.text(lv, "summary", keys),
                            r.text(lv, "who", keys), indicators,
                            [str(x) for x in r.items(lv, "what_to_do", keys)],
                            r.text(lv, "who_leads", keys, required=False), examples))
    if sorted(lv.level for lv in levels) != [1, 2, 3, 4]:
        r.error(("levels",), "the threshold must describe levels 1, 2, 3 and 4, once each")
    if r.findings:
        return None, r.findings
    return Threshold(path, document, domains, sorted(levels, key=lambda lv: lv.level)), []


# --- Glossary ----------------------------------------------------------------------------

@dataclass
class Term:
    term: str
    definition: str
    abbr: str | None = None
    procedure: str | None = None
    aliases: list[str] = field(default_factory=list)
    line: int = 1

    @property
    def anchor(self) -> str:
        return slug(self.abbr or self.term)

    @property
    def heading(self) -> str:
        return f"{self.abbr} — {self.term}" if self.abbr else self.term


def load_glossary(docs: Path, rel: str = f"{DATA_DIR}/glossary.yml") -> tuple[list[Term], list[Finding]]:
    data, lines, problems = read_yaml(docs, rel)
    if problems or data is None:
        return [], problems
    r = _Reader(f"docs/{rel}", data, lines)
    if not isinstance(data, list):
        r.error((), "the glossary must be a list of entries starting with `- term:`")
        return [], r.findings
    terms: list[Term] = []
    seen: dict[str, int] = {}
    for i, e in enumerate(data):
        keys = (i,)
        t = Term(r.text(e, "term", keys), r.text(e, "definition", keys),
                 r.text(e, "abbr", keys, required=False) or None,
                 r.text(e, "procedure", keys, required=False) or None,
                 [str(a) for a in r.items(e, "aliases", keys)], r.line(*keys))
        if t.anchor in seen:
            r.error(keys, f"`{t.abbr or t.term}` is already defined on line {seen[t.anchor]} — "
                    "merge the two entries")
        seen[t.anchor] = t.line
        terms.append(t)
    return sorted(terms, key=lambda t: (t.abbr or t.term).lower()), r.findings


# --- Reviewable documents, structure chart, annual report ----------------------------------

def load_documents(docs: Path, rel: str = f"{DATA_DIR}/documents.yml") -> tuple[list[Reviewable], list[Finding]]:
    data, lines, problems = read_yaml(docs, rel)
    if problems or data is None:
        return [], problems
    r = _Reader(f"docs/{rel}", data, lines)
    out = []
    for i, d in enumerate(data if isinstance(data, list) else []):
        doc = _reviewable(r, d, (i,), str((d or {}).get("id", f"document-{i}")), "")
        if doc:
            out.append(doc)
    return out, r.findings


def load_yaml_data(docs: Path, rel: str) -> tuple[Any, list[Finding]]:
    data, _lines, problems = read_yaml(docs, rel)
    return data, problems

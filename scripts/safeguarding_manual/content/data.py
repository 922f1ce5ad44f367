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

from . import assets, frontmatter, schema
from .cache import FileCache, Unsupported, lines_from_data, lines_to_data, to_data
from .markup import one_line
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

    def text(self, obj: dict, key: str, keys: tuple, required: bool = True,
             multiline: bool = False, limit: int = 5000) -> str:
        value = obj.get(key) if isinstance(obj, dict) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(keys, f"`{key}` is missing or empty — add `{key}: …`")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error((*keys, key), f"`{key}` must be text, not a list or block")
            return ""
        text = str(value).strip()
        if "\n" in text and not multiline:
            self.error((*keys, key), f"`{key}` must be one line — join its lines into one")
            return ""
        if len(text) > limit:
            self.error((*keys, key), f"`{key}` is {len(text):,} characters long; keep it under {limit:,}")
            return ""
        return text

    def slug(self, obj: dict, key: str, keys: tuple, required: bool = True) -> str:
        value = self.text(obj, key, keys, required)
        if value and not schema.SLUG.match(value):
            self.error((*keys, key), f'`{key}: {value[:40]}` must use only lower-case letters, digits '
                       f"and hyphens — for example `{slug(value) or 'my-id'}`")
            return ""
        return value

    def entries(self, allowed: tuple[str, ...], what: str, shape: str):
        """(keys, entry) for each block of a list file; an item that is not a block, and a key
        not among `allowed`, are reported at their line."""
        for i, e in enumerate(self.data):
            keys = (i,)
            if not isinstance(e, dict):
                self.error(keys, f"each {what} entry must be a block: {shape}")
                continue
            self.unknown(e, keys, allowed, what)
            yield keys, e

    def unknown(self, obj: dict, keys: tuple, allowed, what: str) -> None:
        """Each key of `obj` not among `allowed`, reported at its line with a suggestion."""
        for key in obj:
            if key not in allowed:
                self.error((*keys, key), f"`{key}` is not a {what} setting{did_you_mean(str(key), allowed)}")

    def items(self, obj: Any, key: str, keys: tuple, kind: type | None = None) -> list:
        """A list under `key`; with `kind`, items of another type are reported and left out."""
        value = obj.get(key) if isinstance(obj, dict) else None
        if value is None:
            return []
        if not isinstance(value, list):
            self.error((*keys, key), f"`{key}` must be a list of items starting with `- `")
            return []
        if kind is None:
            return value
        out = []
        for i, item in enumerate(value):
            if kind is str and isinstance(item, (str, int, float)) and not isinstance(item, bool) \
                    and str(item).strip():
                out.append(str(item).strip())
            elif kind is dict and isinstance(item, dict):
                out.append(item)
            else:
                what = "a line of text" if kind is str else "a block of `key: value` lines"
                self.error((*keys, key, i), f"item {i + 1} of `{key}` must be {what}")
        return out


def read_yaml(root: Path, rel: str, prefix: str = "docs") -> tuple[Any, dict[tuple, int], list[Finding]]:
    """`prefix` is the docs folder as editors see it, so messages name the repository path
    (docs/_data/glossary.yml)."""
    file = root / rel
    path = f"{prefix}/{rel}"
    if file.is_symlink() and not assets.inside(root, file):
        return None, {}, [Finding(path, 1, "this data file is a link to a file outside the repository — "
                                  "copy the file in instead of linking it", code="symlink")]
    if not file.is_file():
        return None, {}, []
    raw = file.read_bytes()
    cache = _data_cache(root)
    hit = cache.get(rel, raw)
    if hit is not None:
        return hit[0], hit[1], []
    try:
        data, lines = frontmatter.load_yaml(path, frontmatter.decode(path, raw))
    except ContentError as exc:
        return None, {}, exc.findings
    cache.put(rel, raw, (data, lines))
    cache.save()  # written only when something was parsed
    return data, lines, []


_DATA_CACHES: dict[str, FileCache] = {}


def _data_cache(root: Path) -> FileCache:
    """Parsed data files (cache.py), one cache per docs folder for the life of the process."""
    key = str(Path(root).resolve())
    if key not in _DATA_CACHES:
        _DATA_CACHES[key] = FileCache(Path(root), "data-files.json", encode=_yaml_data, decode=_yaml_from_data)
    return _DATA_CACHES[key]


def _yaml_data(value: tuple[Any, dict[tuple, int]]) -> dict:
    data, lines = value
    return {"data": to_data(data), "lines": lines_to_data(lines)}


def _yaml_from_data(value: Any) -> tuple[Any, dict[tuple, int]]:
    if type(value) is not dict or "data" not in value:
        raise Unsupported("data file")
    return value["data"], lines_from_data(value.get("lines"))


def _open(docs: Path, rel: str, prefix: str, kind: type, message: str) -> tuple["_Reader | None", list[Finding]]:
    """A data file's reader, or (None, findings) when it is missing, unreadable or not of the
    expected shape (a block of `key: value` lines, or a list)."""
    data, lines, problems = read_yaml(docs, rel, prefix)
    if problems or data is None:
        return None, problems
    r = _Reader(f"{prefix}/{rel}", data, lines)
    if not isinstance(data, kind):
        r.error((), message)
        return None, r.findings
    return r, []


# --- Threshold of Need -------------------------------------------------------------------

LEVEL_KEYS = ("level", "name", "summary", "who", "indicators", "what_to_do", "who_leads", "examples")

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
    texts: list[tuple[int, str]] = field(default_factory=list)  # (line, text) with [[references]]

    @property
    def indicators(self) -> list[Indicator]:
        return [i for lv in self.levels for d in self.domains for i in lv.indicators.get(d.id, [])]


SITE_PATH = re.compile(r"^[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)*\.md$")


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
    r.unknown(obj, keys, allowed, "document")
    required = ("owner", "last_reviewed", "approved_by") if obj.get("status", "approved") == "approved" \
        else ("owner", "last_reviewed")
    for key in required:
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
            where = (*keys, "amendments", i, "summary") if "summary" in str(exc) or "characters" in str(exc) \
                else (*keys, "amendments", i)
            r.error(where, f"amendments: {exc}")
    status = "approved"
    if "status" in obj:
        try:
            status = schema.BY_NAME["status"].check(obj["status"])
        except schema.Invalid as exc:
            r.error((*keys, "status"), f"status: {exc}")
    url = obj.get("url")
    if url is not None and (not isinstance(url, str) or not SITE_PATH.match(url)):
        r.error((*keys, "url"), f'url "{str(url)[:60]}" must be the path of a page of this site, '
                "such as arrangements/index.md")
    if r.findings:
        return None
    return Reviewable(status=status, 
        id=str(obj.get("id") or id_), title=r.text(obj, "title", keys), path=r.path,
        owner=values["owner"], approved_by=values.get("approved_by"),
        last_reviewed=values["last_reviewed"], review_every=values.get("review_every"),
        next_review_on=values.get("next_review"), site_path=str(obj.get("url") or site_path),
        line=r.line(*keys), amendments=sorted(amendments, key=lambda a: a.date, reverse=True))


def load_threshold(docs: Path, rel: str = f"{DATA_DIR}/threshold.yml",
                   site_path: str = "threshold/index.md", prefix: str = "docs") -> tuple[Threshold | None, list[Finding]]:
    r, problems = _open(docs, rel, prefix, dict, "the threshold file must have `document:`, `domains:` and `levels:`")
    if r is None:
        return None, problems
    data = r.data
    path = r.path
    document = _reviewable(r, data.get("document"), ("document",), "threshold", site_path)
    domains = []
    for i, d in enumerate(r.items(data, "domains", (), dict)):
        keys = ("domains", i)
        domains.append(Domain(r.slug(d, "id", keys), r.text(d, "title", keys),
                              r.text(d, "description", keys, required=False)))
    domain_ids = [d.id for d in domains]
    texts: list[tuple[int, str]] = []  # (line, text) of texts that may hold [[references]]
    if len(domains) != 3:
        r.error(("domains",), f"there must be three domains (the Assessment Framework's), found {len(domains)}")
    levels = []
    for i, lv in enumerate(r.items(data, "levels", ())):
        keys = ("levels", i)
        if not isinstance(lv, dict):
            r.error(keys, "each level must be a block with `level:`, `name:`, `indicators:` …")
            continue
        r.unknown(lv, keys, LEVEL_KEYS, "level")
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
            if entries is not None and not isinstance(entries, list):
                r.error((*keys, "indicators", dom), f"the indicators under `{dom}` must be a list, each "
                        "starting with `- text:`")
                continue
            for j, entry in enumerate(entries or []):
                ik = (*keys, "indicators", dom, j)
                if isinstance(entry, str):
                    entry = {"text": entry}
                if not isinstance(entry, dict) or set(entry) - {"text", "procedure"}:
                    r.error(ik, "each indicator needs `text:` (and optionally `procedure:`), nothing else")
                    continue
                text = r.text(entry, "text", ik)
                procedure = r.slug(entry, "procedure", ik, required=False) or None
                if text:
                    indicators[dom].append(Indicator(text, number, dom, procedure, r.line(*ik)))
        examples = []
        for j, ex in enumerate(r.items(lv, "examples", keys, dict)):
            ek = (*keys, "examples", j)
            examples.append(Example(r.text(ex, "title", ek), r.text(ex, "situation", ek, multiline=True),
                                    r.text(ex, "response", ek, multiline=True)))
        levels.append(Level(number, r.text(lv, "name", keys), r.text(lv, "summary", keys),
                            r.text(lv, "who", keys, multiline=True), indicators,
                            r.items(lv, "what_to_do", keys, str),
                            r.text(lv, "who_leads", keys, required=False), examples))
        texts += [(r.line(*keys, "who"), levels[-1].who), (r.line(*keys, "who_leads"), levels[-1].who_leads)]
        texts += [(r.line(*keys, "what_to_do", j), t) for j, t in enumerate(levels[-1].what_to_do)]
        texts += [(r.line(*keys, "examples", j), f"{ex.situation} {ex.response}") for j, ex in enumerate(examples)]
    if sorted(lv.level for lv in levels) != [1, 2, 3, 4]:
        r.error(("levels",), "the threshold must describe levels 1, 2, 3 and 4, once each")
    if r.findings:
        return None, r.findings
    return Threshold(path, document, domains, sorted(levels, key=lambda lv: lv.level), texts), []


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
        s = slug(self.abbr or self.term)
        return s if s[:1].isalpha() else f"term-{s}"

    @property
    def heading(self) -> str:
        return f"{self.abbr} — {self.term}" if self.abbr else self.term


TERM_KEYS = ("term", "abbr", "definition", "procedure", "aliases")


def load_glossary(docs: Path, rel: str = f"{DATA_DIR}/glossary.yml", prefix: str = "docs") -> tuple[list[Term], list[Finding]]:
    r, problems = _open(docs, rel, prefix, list, "the glossary must be a list of entries starting with `- term:`")
    if r is None:
        return [], problems
    terms: list[Term] = []
    seen: dict[str, int] = {}
    for keys, e in r.entries(TERM_KEYS, "glossary", "`- term:` then `definition:`"):
        t = Term(r.text(e, "term", keys, limit=200), r.text(e, "definition", keys, multiline=True),
                 r.text(e, "abbr", keys, required=False, limit=30) or None,
                 r.slug(e, "procedure", keys, required=False) or None,
                 r.items(e, "aliases", keys, str), r.line(*keys))
        if not t.term:
            continue
        if t.anchor in seen:
            r.error(keys, f"`{t.abbr or t.term}` is already defined on line {seen[t.anchor]} — "
                    "merge the two entries")
        seen[t.anchor] = t.line
        terms.append(t)
    return sorted(terms, key=lambda t: (t.abbr or t.term).lower()), r.findings


# --- Reviewable documents, structure chart, annual report ----------------------------------

def load_documents(docs: Path, rel: str = f"{DATA_DIR}/documents.yml", prefix: str = "docs") -> tuple[list[Reviewable], list[Finding]]:
    r, problems = _open(docs, rel, prefix, list, "documents.yml must be a list of documents, each starting with `- id:`")
    if r is None:
        return [], problems
    data = r.data
    out = []
    for i, d in enumerate(data):
        before = len(r.findings)
        doc_id = r.slug(d, "id", (i,)) if isinstance(d, dict) else ""
        doc = _reviewable(r, d, (i,), doc_id or f"document-{i + 1}", "") if len(r.findings) == before else None
        if doc and doc.published:  # drafts and archived documents are not listed
            out.append(doc)
    return out, r.findings


# --- Structure chart and annual report: shape checked, so the figures trust what they get ---

MAX_FIGURE = 1e12
NODE_KEYS = ("id", "label", "note", "section", "children")


def load_structure(docs: Path, rel: str = f"{DATA_DIR}/arrangements-structure.yml", prefix: str = "docs") -> tuple[Any, list[Finding]]:
    r, problems = _open(docs, rel, prefix, dict, "the structure file must have `title:`, `summary:`, `nodes:` and `links:`")
    if r is None:
        return None, problems
    data = r.data
    ids: set[str] = set()

    def nodes(items: list, keys: tuple, depth: int) -> list[dict]:
        out = []
        for i, n in enumerate(items):
            nk = (*keys, i)
            if depth > 6:
                r.error(nk, "the chart is nested more than six levels deep — check the indentation")
                break
            if not isinstance(n, dict):
                r.error(nk, "each box must be a block: `- id:`, `label:` and optionally `note:`, `section:`, `children:`")
                continue
            r.unknown(n, nk, NODE_KEYS, "box")
            node = {"id": r.slug(n, "id", nk), "label": r.text(n, "label", nk, limit=200),
                    "note": r.text(n, "note", nk, required=False, multiline=True),
                    "section": r.slug(n, "section", nk, required=False),
                    "children": nodes(r.items(n, "children", nk), nk + ("children",), depth + 1)}
            if node["id"] in ids:
                r.error((*nk, "id"), f"the id `{node['id']}` is used twice — every box needs its own id")
            ids.add(node["id"])
            out.append(node)
        return out
    tree = nodes(r.items(data, "nodes", ()), ("nodes",), 1)
    links = []
    for i, link in enumerate(r.items(data, "links", (), dict)):
        lk = ("links", i)
        item = {"from": r.slug(link, "from", lk), "to": r.slug(link, "to", lk),
                "label": r.text(link, "label", lk, limit=300)}
        for end in ("from", "to"):
            if item[end] and item[end] not in ids:
                r.error((*lk, end), f"`{item[end]}` is not the id of a box{did_you_mean(item[end], ids)}")
        links.append(item)
    if r.findings:
        return None, r.findings
    return {"title": r.text(data, "title", ()), "summary": r.text(data, "summary", (), multiline=True),
            "nodes": tree, "links": links}, []


def load_report(docs: Path, rel: str = f"{DATA_DIR}/annual-report-2024-25.yml", prefix: str = "docs") -> tuple[Any, list[Finding]]:
    r, problems = _open(docs, rel, prefix, dict, "the report file must have `title:`, `period:` and `charts:`")
    if r is None:
        return None, problems
    data = r.data
    charts = []
    for i, c in enumerate(r.items(data, "charts", (), dict)):
        ck = ("charts", i)
        chart = {"id": r.slug(c, "id", ck), "title": r.text(c, "title", ck, limit=200),
                 "description": r.text(c, "description", ck, multiline=True),
                 "unit": r.text(c, "unit", ck, required=False, limit=40),
                 "source": r.text(c, "source", ck, required=False, limit=500), "series": []}
        for j, series in enumerate(r.items(c, "series", ck, dict)):
            sk = (*ck, "series", j)
            values = series.get("values")
            if not isinstance(values, dict) or not values:
                r.error(sk, "each series needs `values:` — a block of `category: number` pairs")
                continue
            clean = {}
            for cat, v in values.items():
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or abs(v) > MAX_FIGURE:
                    r.error((*sk, "values", cat), f"the value for `{str(cat)[:40]}` must be a number "
                            "(no more than a million million)")
                    continue
                clean[one_line(cat)[:200]] = v
            chart["series"].append({"name": r.text(series, "name", sk, limit=200), "values": clean})
        charts.append(chart)
    if r.findings:
        return None, r.findings
    return {"title": r.text(data, "title", ()), "period": r.text(data, "period", (), required=False),
            "charts": charts}, []



# --- Search thesaurus ---------------------------------------------------------------------

@dataclass
class Synonym:
    """People's words (`phrases`) for what the manual calls `means`."""

    phrases: list[str]
    means: list[str]
    line: int = 1


SYNONYM_KEYS = ("phrases", "means", "note")
PHRASE_RE = re.compile(r"^[^\W_](?:[\w' -]*[^\W_])?$")  # words, spaces, hyphens and apostrophes
TERM_RE = re.compile(r"^[^\W_](?:[\w' ,:()/-]*[\w)])?$")  # a page's words: titles may have : , ( ) /
PHRASE_LIMIT, SYNONYM_LIMIT = 60, 2000


def _phrase_list(r: _Reader, e: dict, key: str, keys: tuple, most: int, pattern: re.Pattern = PHRASE_RE) -> list[str]:
    out = []
    for i, item in enumerate(r.items(e, key, keys, str)):
        text = " ".join(item.split())
        where = (*keys, key, i)
        if len(text) > PHRASE_LIMIT:
            r.error(where, f"`{text[:40]}…` is {len(text)} characters long; keep each of `{key}` "
                    f"under {PHRASE_LIMIT} (a few words)")
        elif not pattern.match(text):
            allowed = "letters, digits, spaces, hyphens and apostrophes" if pattern is PHRASE_RE else \
                "letters, digits, spaces and - ' , : ( ) /"
            r.error(where, f"`{text[:40]}` in `{key}` may use only {allowed} — leave out other punctuation")
        else:
            out.append(text)
    if not out and not any(f.line == r.line(*keys, key) for f in r.findings):
        r.error(keys, f"`{key}` is missing or empty — add `{key}: [word, other words]`")
    if len(out) > most:
        r.error((*keys, key), f"`{key}` has {len(out)} items; keep it to {most} or fewer "
                "(split the entry in two)")
        out = out[:most]
    return out


def load_thesaurus(docs: Path, rel: str = f"{DATA_DIR}/thesaurus.yml", prefix: str = "docs") -> tuple[list[Synonym], list[Finding]]:
    """The search thesaurus: lay phrases -> the manual's terms. Search uses it when a reader
    types those words, and the A–Z of topics lists the phrases."""
    r, problems = _open(docs, rel, prefix, list,
                        "the thesaurus must be a list of entries, each starting with `- phrases:`")
    if r is None:
        return [], problems
    if len(r.data) > SYNONYM_LIMIT:
        r.error((), f"the thesaurus has {len(r.data):,} entries; keep it under {SYNONYM_LIMIT:,}")
        return [], r.findings
    out: list[Synonym] = []
    seen: dict[str, int] = {}
    for keys, e in r.entries(SYNONYM_KEYS, "thesaurus", "`- phrases: [...]` then `means: [...]`"):
        r.text(e, "note", keys, required=False, limit=300)
        phrases = _phrase_list(r, e, "phrases", keys, 40)
        means = _phrase_list(r, e, "means", keys, 5, TERM_RE)
        if not phrases or not means:
            continue
        line = r.line(*keys)
        for p in phrases:
            k = p.lower()
            if k in seen and seen[k] != line:
                r.error((*keys, "phrases"), f"`{p}` is already in the entry on line {seen[k]} — "
                        "keep each phrase in one entry")
            seen.setdefault(k, line)
        out.append(Synonym(phrases, means, line))
    return out, r.findings

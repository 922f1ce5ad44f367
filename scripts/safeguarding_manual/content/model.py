"""The content model: plain dataclasses for what the manual is made of."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from . import reviews
from .schema import PUBLISHED
from .findings import Finding


@dataclass
class Amendment:
    date: dt.date
    summary: str


@dataclass
class Reviewable:
    """Anything with an owner and a review date: a procedure, the arrangements, the threshold."""

    id: str
    title: str
    path: str  # repository-relative source file, for messages and edit links
    owner: str
    approved_by: str | None
    last_reviewed: dt.date
    review_every: int | None = None
    next_review_on: dt.date | None = None  # explicit date, wins over review_every
    status: str = "approved"
    kind: str = "document"
    site_path: str = ""  # the Markdown path inside the site (for links)
    line: int = 1
    amendments: list[Amendment] = field(default_factory=list)

    @property
    def next_review(self) -> dt.date:
        return reviews.next_review(self.last_reviewed, self.review_every, self.next_review_on)

    def review(self, today: dt.date, due_within: int = reviews.DEFAULT_DUE_WITHIN) -> reviews.ReviewStatus:
        return reviews.status(self.next_review, today, due_within)

    @property
    def published(self) -> bool:
        return self.status in PUBLISHED


@dataclass
class Procedure(Reviewable):
    summary: str = ""
    approved_on: dt.date | None = None
    consultation_ends: dt.date | None = None
    version: str | None = None
    applies_to: list[str] = field(default_factory=list)
    threshold_levels: list[int] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    legislation: list[str] = field(default_factory=list)
    section: str = ""  # folder under procedures/, e.g. "core"
    body: str = ""
    body_line: int = 1
    lines: dict[Any, int] = field(default_factory=dict)
    anchors: dict[str, str] = field(default_factory=dict)  # heading anchors in the body
    kind: str = "procedure"

    def line_of(self, *path: Any) -> int:
        return self.lines.get(path, self.lines.get(path[:1], self.line))


@dataclass
class Section:
    folder: str  # posix path under procedures/ ("" for the root)
    title: str
    description: str = ""
    order: int = 100
    defaults: dict[str, Any] = field(default_factory=dict)
    path: str | None = None  # the _section.yml, if any

    @property
    def slug(self) -> str:
        return self.folder.rsplit("/", 1)[-1]


@dataclass
class Manual:
    root: str
    procedures: list[Procedure] = field(default_factory=list)
    sections: dict[str, Section] = field(default_factory=dict)
    documents: list[Reviewable] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    preview: bool = False  # a reviewers' build: drafts are shown, with a DRAFT banner

    def __post_init__(self) -> None:
        self.by_id: dict[str, Procedure] = {}
        # ids of procedures that failed validation: their own error is reported once, and
        # references to them are not reported again as "unknown".
        self.invalid_ids: dict[str, str] = {}  # id -> file

    def index(self) -> None:
        self.by_id = {p.id: p for p in self.procedures}

    @property
    def published(self) -> list[Procedure]:
        """What the site shows: approved procedures (and drafts, in a reviewers' preview)."""
        return [p for p in self.procedures if p.published or (self.preview and p.status == "draft")]

    @property
    def reviewables(self) -> list[Reviewable]:
        return [*self.published, *self.documents]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def section_of(self, procedure: Procedure) -> Section:
        return self.sections[procedure.section]

    def chain(self, folder: str) -> list[Section]:
        """The sections from the root down to `folder`, matched by path segment, so
        `ops` never leaks into `ops-archive`."""
        parts = folder.split("/") if folder else []
        keys = [""] + ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        return [self.sections[k] for k in keys if k in self.sections]


def merged_defaults(chain: list[Section]) -> dict[str, Any]:
    """Folder defaults, outermost first so the nearest folder wins; a nearer list replaces."""
    merged: dict[str, Any] = {}
    for section in chain:
        merged.update(section.defaults)
    return merged


IMAGES_SUFFIX = "-images"


def images_folder(procedure_id: str) -> str:
    """Pictures of a procedure (e.g. from a Word import) live beside it in this folder."""
    return f"{procedure_id}{IMAGES_SUFFIX}"

"""What a procedure page shows, computed once: the template only presents it."""

from __future__ import annotations

from typing import Any, Callable

from ..content.corpus import Content, manual_dir
from ..content.model import Procedure
from .pages import Renderer


def procedure_view(p: Procedure, content: Content, renderer: Renderer,
                   url: Callable[[str], str], pdf_url: str = "") -> dict[str, Any]:
    """`url(site_path)` gives a site-root-relative URL (the template's `url` filter relativises).
    `pdf_url` is the procedure's PDF (site-root-relative) in a published build, else empty."""
    review = renderer.review(p)
    section = content.manual.sections.get(p.section)
    by_id = renderer.procedures  # published procedures by id, built once per build
    levels = {lv.level: lv for lv in (content.threshold.levels if content.threshold else [])}
    contacts = content.site.contacts
    return {
        "id": p.id, "title": p.title, "summary": p.summary, "status": p.status,
        "owner": p.owner, "approved_by": p.approved_by, "approved_on": p.approved_on,
        "consultation_ends": p.consultation_ends, "follow": content.settings.interim,
        "version": p.version, "last_reviewed": p.last_reviewed, "next_review": review.next_review,
        "review": review, "due_within": renderer.due_within, "applies_to": p.applies_to,
        "section": {"title": section.title if section else "",
                    "url": url(f"{manual_dir(content.settings)}/{p.section}/index.md")},
        "contents_url": url(f"{manual_dir(content.settings)}/index.md"),
        "levels": [{"level": n, "title": levels[n].title if n in levels else f"Level {n}",
                    "url": url(f"threshold/level-{n}.md")} for n in p.threshold_levels],
        "related": [{"title": by_id[r].title, "url": url(by_id[r].site_path)}
                    for r in p.related if r in by_id],
        "legislation": p.legislation,
        "amendments": p.amendments[:5],
        "contact": contacts.get("business-team"),
        "pdf_url": pdf_url,
    }

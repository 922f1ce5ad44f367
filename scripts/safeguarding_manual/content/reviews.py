"""Review status of a reviewable document, given a date ("today" is always a parameter)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal

State = Literal["ok", "due", "overdue"]
DEFAULT_DUE_WITHIN = 60  # days


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later; the 31st or 29 February falls back to the month's last day."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review(last_reviewed: dt.date, review_every: int | None, next_review: dt.date | None) -> dt.date:
    if next_review is not None:
        return next_review
    if review_every is None:
        raise ValueError("a review needs review_every or next_review")
    return add_months(last_reviewed, review_every)


@dataclass(frozen=True)
class ReviewStatus:
    state: State
    next_review: dt.date
    days: int  # days until due (negative: days overdue)

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days)

    @property
    def label(self) -> str:
        if self.state == "overdue":
            return f"overdue by {self.days_overdue} day{'s' if self.days_overdue != 1 else ''}"
        if self.state == "due":
            return "due today" if self.days == 0 else f"due in {self.days} day{'s' if self.days != 1 else ''}"
        return "in date"


def status(due: dt.date, today: dt.date, due_within: int = DEFAULT_DUE_WITHIN) -> ReviewStatus:
    """`overdue` once the due date has passed; `due` from `due_within` days before it up to and
    including the day itself; otherwise `ok`."""
    days = (due - today).days
    if days < 0:
        return ReviewStatus("overdue", due, days)
    if days <= due_within:
        return ReviewStatus("due", due, days)
    return ReviewStatus("ok", due, days)


def urgency(status: ReviewStatus, title: str) -> tuple[int, str]:
    """Most urgent first: the most overdue, then the soonest due (state follows the days)."""
    return status.days, title.lower()


def record(doc, status: ReviewStatus, url: str = "") -> dict:
    """One document's review as plain data (reviews.json, check_reviews.py)."""
    return {"id": doc.id, "title": doc.title, "kind": doc.kind, "path": doc.path, "url": url,
            "owner": doc.owner, "approved_by": doc.approved_by,
            "last_reviewed": doc.last_reviewed.isoformat(), "next_review": status.next_review.isoformat(),
            "status": status.state, "days": status.days, "days_overdue": status.days_overdue}

"""The procedure front-matter schema: one place, plain-English messages.

Each field knows how to check and normalise its value, what a correct example looks like
and how to explain itself, so the validator and the editors' reference page (generated from
FIELDS) can never drift apart.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

from .findings import did_you_mean

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STATUSES = ("draft", "consultation", "approved", "archived")
PUBLISHED = ("consultation", "approved")  # shown on the public site
DEFAULT_AGENCIES = (
    "All practitioners", "Children's social care", "Early help", "Police", "Health",
    "Education", "Early years", "Voluntary and community sector", "Probation and youth justice",
    "Housing", "Adult services",
)


class Invalid(ValueError):
    """A value is wrong; the message says why and how to fix it. `index` points into a list."""

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.index = index


FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_TEXT = 1000  # characters in one front-matter value
MAX_ITEMS = 100  # items in one front-matter list


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise Invalid(f'"{value}" is not a date in the form YYYY-MM-DD — for example 2025-04-01')
    if not DATE.match(text):
        raise Invalid(f'"{str(value)[:40]}" is not a date in the form YYYY-MM-DD — for example 2025-04-01')
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid(f'"{text}" is not a real date — use YYYY-MM-DD, for example 2025-02-28') from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Invalid(f"{text} is not a believable date — the year must be between {FIRST_YEAR} "
                      f"and {LAST_YEAR}")
    return day


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise Invalid("must be a line of text — for example: Safeguarding Accountability Meeting")
    text = str(value).strip()
    if not text:
        raise Invalid("is empty — write a line of text")
    if "\n" in text:
        raise Invalid("must be one line — join the lines into one (a long value can stay on one "
                      "line)")
    if len(text) > MAX_TEXT:
        raise Invalid(f"is {len(text):,} characters long; keep it under {MAX_TEXT:,}")
    return text


def _slug(value: Any) -> str:
    text = _text(value)
    if not SLUG.match(text):
        suggestion = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
        raise Invalid(f'"{text}" must use only lower-case letters, digits and hyphens — '
                      f"for example `{suggestion}`")
    return text


def _status(value: Any) -> str:
    text = _text(value).lower()
    if text not in STATUSES:
        raise Invalid(f'"{value}" is not a status — use one of: {", ".join(STATUSES)}'
                      + did_you_mean(str(value), STATUSES))
    return text


def _months(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f'"{value}" must be a whole number of months — for example 24')
    if not 1 <= value <= 60:
        raise Invalid(f"{value} months is outside 1–60 — most procedures use 12 or 24")
    return value


def _version(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return _text(value)


def _list_of(item: Callable[[Any], Any], example: str) -> Callable[[Any], list]:
    def check(value: Any) -> list:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]  # a single value is a one-item list: forgiving, and unambiguous
        if not isinstance(value, list):
            raise Invalid(f"must be a list — for example: {example}")
        if len(value) > MAX_ITEMS:
            raise Invalid(f"has {len(value)} items; keep it to {MAX_ITEMS} or fewer")
        out = []
        for i, v in enumerate(value):
            try:
                out.append(item(v))
            except Invalid as exc:
                raise Invalid(f"item {i + 1}: {exc}", index=i) from None
        return out
    return check


def _level(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        raise Invalid(f'"{value}" is not a threshold level — use whole numbers 1 to 4, '
                      "for example [3, 4]")
    return value


def _amendment(value: Any) -> dict:
    if not isinstance(value, dict) or set(value) - {"date", "summary"} or "date" not in value \
            or "summary" not in value:
        raise Invalid("each amendment needs exactly `date:` and `summary:` — for example "
                      "- {date: 2025-04-01, summary: First version}")
    return {"date": parse_date(value["date"]), "summary": _text(value["summary"])}


@dataclass(frozen=True)
class Field:
    name: str
    check: Callable[[Any], Any]
    required: bool
    description: str
    example: str
    # How the web editor (editor.py) shows it: text, id, choice, date, months, agencies,
    # levels, procedures, list or amendments. A new field needs only this to get a form input.
    kind: str = "text"
    choices: tuple[str, ...] = ()  # for kind "choice"


FIELDS: tuple[Field, ...] = (
    Field("id", _slug, True, "Stable identifier, unique in the manual. It survives renames and "
          "moves; references use it. Lower-case letters, digits and hyphens.", "neglect", kind="id"),
    Field("title", _text, True, "The procedure's title as readers see it.", "Neglect"),
    Field("summary", _text, True, "One sentence: the scope of this procedure, shown at the top.",
          "How to recognise and respond to neglect of children of any age."),
    Field("status", _status, True, "`draft` (not published), `consultation` (published as a draft "
          "for consultation, with a notice: not yet approved), `approved` (published; only once the "
          "partnership has recorded its approval) or `archived` (withdrawn).", "consultation",
          kind="choice", choices=STATUSES),
    Field("owner", _text, True, "The role or group responsible for it — never a person's name. "
          "Usually set for the whole section in `_section.yml`.",
          "WFSCP business team"),
    Field("approved_by", _text, False, "The body that approved it — only once the partnership has "
          "recorded its approval; required when `status` is `approved`.",
          "Safeguarding Accountability Meeting"),
    Field("approved_on", parse_date, False, "Date the approval was recorded (YYYY-MM-DD); required "
          "when `status` is `approved`.", "2025-04-01", kind="date"),
    Field("consultation_ends", parse_date, False, "For a `consultation` draft: the last day for "
          "comments, shown on the page.", "2027-01-31", kind="date"),
    Field("last_reviewed", parse_date, True, "Date of the last review (YYYY-MM-DD).", "2025-04-01", kind="date"),
    Field("review_every", _months, False, "Months between reviews (give this or `next_review`). "
          "Usually set for the whole section.", "24", kind="months"),
    Field("next_review", parse_date, False, "Date the next review is due (give this or "
          "`review_every`).", "2027-04-01", kind="date"),
    Field("version", _version, False, "Version label.", '"1.2"'),
    Field("applies_to", _list_of(_text, "[Police, Health]"), False,
          "Agencies this applies to, from the agency list.", "[Police, Health, Education]", kind="agencies"),
    Field("threshold_levels", _list_of(_level, "[3, 4]"), False,
          "Threshold of Need levels (1–4) at which this procedure applies.", "[3, 4]", kind="levels"),
    Field("related", _list_of(_slug, "[neglect, early-help]"), False,
          "Ids of related procedures.", "[early-help, child-in-need]", kind="procedures"),
    Field("keywords", _list_of(_text, "[missed appointments, DNA]"), False,
          "Words and old names readers search for.", "[missed appointments, did not attend]", kind="list"),
    Field("legislation", _list_of(_text, "[Children Act 1989, section 47]"), False,
          "Legislation and statutory guidance.", "[Children Act 1989, section 47]", kind="list"),
    Field("amendments", _list_of(_amendment, "[{date: 2025-04-01, summary: First version}]"), False,
          "What changed and when, newest first; feeds “What's changed” and the Atom feed.",
          "- {date: 2025-04-01, summary: First version}", kind="amendments"),
)

FIELD_NAMES = tuple(f.name for f in FIELDS)
BY_NAME = {f.name: f for f in FIELDS}

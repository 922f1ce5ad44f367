"""Review status: ok / due / overdue, with "today" always injected."""

import datetime as dt

import pytest

from safeguarding_manual.content.reviews import add_months, next_review, status

D = dt.date


@pytest.mark.parametrize("due, today, within, state, days", [
    (D(2026, 11, 22), D(2026, 11, 22), 60, "due", 0),        # due exactly today is not yet overdue
    (D(2026, 11, 21), D(2026, 11, 22), 60, "overdue", -1),   # the day after, it is
    (D(2027, 1, 21), D(2026, 11, 22), 60, "due", 60),        # the first day of the due window
    (D(2027, 1, 22), D(2026, 11, 22), 60, "ok", 61),         # one day before it
    (D(2025, 12, 1), D(2026, 11, 22), 60, "overdue", -356),  # the arrangements on the day of writing
    (D(2028, 2, 29), D(2028, 2, 29), 0, "due", 0),           # a leap-day review, due that day
    (D(2024, 3, 1), D(2024, 2, 29), 0, "ok", 1),             # leap day, window of 0
])
def test_status_boundaries(due, today, within, state, days):
    s = status(due, today, within)
    assert (s.state, s.days) == (state, days)


@pytest.mark.parametrize("start, months, expected", [
    (D(2024, 2, 29), 12, D(2025, 2, 28)),   # leap day + a year falls back to 28 February
    (D(2024, 2, 29), 48, D(2028, 2, 29)),   # … and four years later it exists again
    (D(2025, 1, 31), 1, D(2025, 2, 28)),
    (D(2025, 8, 31), 6, D(2026, 2, 28)),
    (D(2025, 11, 15), 2, D(2026, 1, 15)),   # across a year end
    (D(2025, 4, 1), 24, D(2027, 4, 1)),
])
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_an_explicit_next_review_wins_over_review_every():
    assert next_review(D(2025, 4, 1), 24, D(2025, 12, 1)) == D(2025, 12, 1)
    assert next_review(D(2025, 4, 1), 24, None) == D(2027, 4, 1)


def test_labels_read_naturally():
    assert status(D(2026, 11, 20), D(2026, 11, 22)).label == "overdue by 2 days"
    assert status(D(2026, 11, 23), D(2026, 11, 22)).label == "due in 1 day"
    assert status(D(2026, 11, 22), D(2026, 11, 22)).label == "due today"
    assert status(D(2027, 11, 22), D(2026, 11, 22)).label == "in date"

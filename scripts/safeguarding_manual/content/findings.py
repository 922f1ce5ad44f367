"""Findings: the one way every part of the manual reports a problem to an editor.

A finding always names a file and a line, says what is wrong and how to fix it, so the
build, the check scripts and the preview server print exactly the same words.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    message: str
    severity: Severity = "error"
    code: str = field(default="invalid", compare=False)

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "warning: "
        return f"{self.path}:{self.line}: {prefix}{self.message}"

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


class ContentError(Exception):
    """Raised for bad content; carries the findings so callers never show a traceback."""

    def __init__(self, findings: Iterable[Finding]):
        self.findings = list(findings)
        super().__init__("\n".join(str(f) for f in self.findings))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' — did you mean `x`?' when a close match exists, else ''."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f" — did you mean `{lowered[word.lower()]}`?"
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" — did you mean `{match[0]}`?" if match else ""


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def occurs(text: str, key: str, end: bool = True) -> bool:
    """`key` in `text` where it is not preceded (and, with `end`, not followed) by a-z or 0-9:
    what re.search(r"(?<![a-z0-9])" + re.escape(key) + r"(?![a-z0-9])", text) finds, without
    compiling a pattern for every word."""
    i = text.find(key)
    while i != -1:
        j = i + len(key)
        if (i == 0 or text[i - 1] not in _ALNUM) and (not end or j == len(text) or text[j] not in _ALNUM):
            return True
        i = text.find(key, i + 1)
    return False

"""The order a procedure is shown in: the action first.

Practitioners open a procedure to find out what to do, often on a phone. Like NHS.UK and
GOV.UK step-by-step pages, the site shows the "What to do" and "Timescales" sections first,
straight under the title and scope line, and the background (scope, who it applies to,
learning from reviews, legislation) after them. Editors keep writing in the house order; only
the page changes. Headings inside code are left alone.
"""

from __future__ import annotations

from markdown.extensions.toc import slugify

from .references import HEADING, prose_lines

FIRST = ("what-to-do", "timescales")


def action_first(markdown: str, first: tuple[str, ...] = FIRST) -> str:
    lines = markdown.split("\n")
    starts = []  # (line, anchor) of each level-2 heading outside code
    for n, line in prose_lines(markdown, "## "):
        if line.startswith("## "):
            m = HEADING.match(line)
            if m:
                starts.append((n, slugify(m.group(2), "-")))
    if not starts:
        return markdown
    bounds = [n for n, _ in starts] + [len(lines)]
    preamble = lines[:bounds[0]]
    sections = {i: lines[bounds[i]:bounds[i + 1]] for i in range(len(starts))}
    order = [i for anchor in first for i, (_n, a) in enumerate(starts) if a == anchor]
    if not order or order == list(range(len(order))):
        return markdown
    order += [i for i in range(len(starts)) if i not in order]
    out = list(preamble)
    for i in order:
        block = sections[i]
        if block and block[-1].strip():
            block = [*block, ""]
        out += block
    return "\n".join(out)

"""Accessible figures drawn from YAML: bar charts (SVG with title, description and the data
table beside it) and the partnership structure chart (nested lists styled as a tree, which
is both the diagram and its text equivalent).

Hand-written because no maintained MkDocs/pymdownx feature draws charts without shipping a
JavaScript library (Mermaid and friends would also need a CDN or a large bundle), and the
site must make no third-party requests.
"""

from __future__ import annotations

from html import escape
from typing import Any, Callable

WIDTH, BAR, GAP, LABEL_W = 640, 22, 6, 250
COLOURS = ("#1f5f8b", "#8a4b08", "#2e6b30", "#6b2e69")  # all ≥ 4.5:1 on white


def _fmt(value: float, unit: str) -> str:
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if unit.startswith("%"):
        return f"{text}%"
    if unit in ("£", "GBP", "pounds"):
        return f"£{text}"
    return text


def bar_chart(chart: dict[str, Any]) -> str:
    """A horizontal grouped bar chart as inline SVG plus its data table."""
    cid = escape(str(chart.get("id", "chart")))
    title = escape(str(chart.get("title", "")))
    desc = escape(str(chart.get("description", "")))
    unit = str(chart.get("unit", ""))
    series = [s for s in chart.get("series") or [] if isinstance(s, dict)]
    categories: list[str] = []
    for s in series:
        for k in (s.get("values") or {}):
            if k not in categories:
                categories.append(k)
    values = [float(v) for s in series for v in (s.get("values") or {}).values()
              if isinstance(v, (int, float))]
    top = max(values, default=1) or 1
    plot_w = WIDTH - LABEL_W - 90
    rows, y = [], 10
    for cat in categories:
        rows.append(f'<text x="0" y="{y + 14}" class="wf-chart__cat">{escape(str(cat))}</text>')
        for i, s in enumerate(series):
            v = (s.get("values") or {}).get(cat)
            if not isinstance(v, (int, float)):
                continue
            w = max(1.0, plot_w * float(v) / top)
            colour = COLOURS[i % len(COLOURS)]
            rows.append(f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR}" fill="{colour}"/>'
                        f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 16}" class="wf-chart__val">'
                        f'{escape(_fmt(v, unit))}</text>')
            y += BAR + 2
        y += GAP * 2
    legend = "".join(
        f'<rect x="{LABEL_W + i * 200}" y="{y + 2}" width="12" height="12" fill="{COLOURS[i % len(COLOURS)]}"/>'
        f'<text x="{LABEL_W + i * 200 + 16}" y="{y + 13}" class="wf-chart__cat">{escape(str(s.get("name", "")))}</text>'
        for i, s in enumerate(series))
    height = y + 24
    svg = (f'<svg class="wf-chart__svg" role="img" viewBox="0 0 {WIDTH} {height}" '
           f'aria-labelledby="{cid}-title {cid}-desc" xmlns="http://www.w3.org/2000/svg">'
           f'<title id="{cid}-title">{title}</title><desc id="{cid}-desc">{desc}</desc>'
           f'{"".join(rows)}{legend}</svg>')
    head = "".join(f'<th scope="col">{escape(str(s.get("name", "")))}</th>' for s in series)
    body = "".join(
        f'<tr><th scope="row">{escape(str(cat))}</th>'
        + "".join(f"<td>{escape(_fmt(v, unit)) if isinstance(v := (s.get('values') or {}).get(cat), (int, float)) else '–'}</td>"
                  for s in series) + "</tr>" for cat in categories)
    source = f'<p class="wf-chart__source">Source: {escape(str(chart["source"]))}</p>' if chart.get("source") else ""
    return (f'<figure class="wf-chart" id="chart-{cid}"><figcaption>{title}</figcaption>{svg}'
            f'<div class="wf-chart__table"><table><caption>{title} ({escape(unit)}): data</caption>'
            f'<thead><tr><th scope="col">Category</th>{head}</tr></thead><tbody>{body}</tbody></table></div>'
            f"{source}</figure>")


def _node(node: dict[str, Any], href: Callable[[str], str]) -> str:
    label = escape(str(node.get("label", "")))
    note = f'<span class="wf-org__note">{escape(str(node["note"]))}</span>' if node.get("note") else ""
    inner = f'<span class="wf-org__label">{label}</span>{note}'
    if node.get("section"):
        inner = f'<a class="wf-org__box" href="{escape(href(str(node["section"])))}">{inner}</a>'
    else:
        inner = f'<span class="wf-org__box">{inner}</span>'
    kids = [k for k in node.get("children") or [] if isinstance(k, dict)]
    sub = f'<ul>{"".join(_node(k, href) for k in kids)}</ul>' if kids else ""
    return f'<li id="org-{escape(str(node.get("id", "")))}">{inner}{sub}</li>'


def _names(nodes: list, out: dict[str, str]) -> dict[str, str]:
    for n in nodes:
        if isinstance(n, dict):
            out[str(n.get("id"))] = str(n.get("label", ""))
            _names(n.get("children") or [], out)
    return out


def structure_chart(structure: dict[str, Any], href: Callable[[str], str]) -> str:
    """The structure as a tree of nested lists, then the other working relationships."""
    nodes = [n for n in structure.get("nodes") or [] if isinstance(n, dict)]
    names = _names(nodes, {})
    tree = "".join(_node(n, href) for n in nodes)
    links = "".join(
        f'<li><a href="#org-{escape(str(link.get("from")))}">{escape(names.get(str(link.get("from")), ""))}</a> '
        f'→ <a href="#org-{escape(str(link.get("to")))}">{escape(names.get(str(link.get("to")), ""))}</a>: '
        f'{escape(str(link.get("label", "")))}</li>'
        for link in structure.get("links") or [] if isinstance(link, dict))
    title = escape(str(structure.get("title", "Structure")))
    summary = escape(str(structure.get("summary", "")))
    return (f'<figure class="wf-org" aria-labelledby="wf-org-caption">'
            f'<figcaption id="wf-org-caption">{title}</figcaption><p>{summary}</p>'
            f'<ul class="wf-org__tree">{tree}</ul>'
            + (f'<h2 id="working-relationships">Other working relationships</h2><ul class="wf-org__links">{links}</ul>' if links else "")
            + "</figure>")

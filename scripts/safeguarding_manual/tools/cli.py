"""Command-line checks: argument parsing and output formats only; the findings come from the
same content model as the build. Exit codes: 0 clean, 1 problems found, 2 usage error."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Sequence

from ..content import corpus as content_mod
from ..content.findings import Finding
from ..content.reviews import DEFAULT_DUE_WITHIN, record as review_record, urgency


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2 with a plain sentence
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {message}\n")


def _root_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", default=".", help="the manual's folder (with mkdocs.yml); default: here")
    parser.add_argument("--config", default="mkdocs.yml", help="the MkDocs configuration file")


def _load(args) -> content_mod.Content:
    root = Path(args.root)
    if not (root / args.config).is_file():
        print(f"{args.config}: not found in {root.resolve()} — run this from the manual's folder "
              "or pass --root", file=sys.stderr)
        raise SystemExit(2)
    return content_mod.load(content_mod.Settings.from_mkdocs_yml(root, args.config))


# --- check_xrefs ---------------------------------------------------------------------------

def xref_findings(content: content_mod.Content, external: bool = False) -> list[Finding]:
    findings = sorted(set(content.findings + content_mod.check_references(content)))
    return findings


def _gh_data(text: str) -> str:
    """A GitHub Actions workflow-command message: %, CR and LF escaped, so no value can end the
    annotation early or start another command."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(level: str, path: str, line: int, message: str, title: str = "") -> str:
    """`::error file=…,line=…,title=…::message`: shown by GitHub inline on the change, at the
    file and line."""
    props = f"file={_gh_property(path)},line={max(1, int(line))}"
    if title:
        props += f",title={_gh_property(title)}"
    return f"::{level} {props}::{_gh_data(message)}"


def check_xrefs_main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="check_xrefs.py", description="Check references, links and the "
                     "procedure graph. Exit 0 clean, 1 problems found, 2 usage error.")
    _root_args(parser)
    parser.add_argument("--format", choices=("text", "json", "github"), default="text",
                        help="github: one annotation per finding, shown inline on a pull request")
    parser.add_argument("--strict", action="store_true", help="warnings fail too")
    parser.add_argument("--external", action="store_true",
                        help="also check external links in the built site with LinkChecker (slow; needs network)")
    args = parser.parse_args(argv)
    content = _load(args)
    findings = xref_findings(content)
    if args.external:
        findings += external_links(Path(args.root))
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    if args.format == "json":
        print(json.dumps({"errors": len(errors), "warnings": len(warnings),
                          "findings": [f.as_dict() for f in findings]}, indent=2))
    elif args.format == "github":
        for f in findings:
            print(github_annotation(f.severity, f.path, f.line, f.message, f"check_xrefs: {f.code}"))
        print(f"{len(errors)} error{'s' * (len(errors) != 1)}, {len(warnings)} "
              f"warning{'s' * (len(warnings) != 1)}", file=sys.stderr)
    else:
        for f in findings:
            print(f)
        print(f"{len(errors)} error{'s' * (len(errors) != 1)}, {len(warnings)} "
              f"warning{'s' * (len(warnings) != 1)} in {len(content.manual.procedures)} procedures "
              f"and {len(content.pages)} pages", file=sys.stderr)
    return 1 if errors or (args.strict and warnings) else 0


def external_links(root: Path) -> list[Finding]:
    """External links are only checked on request: publishing must not depend on other sites."""
    import subprocess
    site = root / "site"
    if not (site / "index.html").is_file():
        return [Finding("site", 1, "build the site first (mkdocs build) to check external links")]
    out = subprocess.run([sys.executable, "-m", "linkcheck", "--check-extern", "--no-status",
                          "--output=csv", "--no-warnings", str(site / "index.html")],
                         capture_output=True, text=True)
    findings = []
    for row in csv.reader(line for line in out.stdout.splitlines() if line and not line.startswith("#")):
        if len(row) > 4 and row[0] != "urlname" and row[4] != "True":
            findings.append(Finding(row[1] or "site", 1, f"external link {row[0]} is broken: {row[3]}"))
    return findings


# --- check_reviews -------------------------------------------------------------------------

ORDER = {"overdue": 0, "due": 1, "ok": 2}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a date — use YYYY-MM-DD') from None


def review_rows(content: content_mod.Content, today: dt.date, due_within: int) -> list[dict]:
    reviewed = [(d, d.review(today, due_within)) for d in content.reviewables]
    reviewed.sort(key=lambda ds: urgency(ds[1], ds[0].title))
    return [review_record(d, s) for d, s in reviewed]


def _ics(rows: list[dict], today: dt.date, name: str) -> str:
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")

    def fold(line: str) -> str:  # RFC 5545: lines of at most 75 octets
        out, cur = [], ""
        for ch in line:
            if len((cur + ch).encode()) > 75:
                out.append(cur)
                cur = " " + ch
            else:
                cur += ch
        return "\r\n".join([*out, cur])
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{esc(name)}//Review schedule//EN",
             "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{esc(name)} reviews"]
    stamp = f"{today:%Y%m%d}T000000Z"
    for r in rows:
        day = dt.date.fromisoformat(r["next_review"])
        lines += ["BEGIN:VEVENT", f"UID:{r['kind']}-{r['id']}-{day:%Y%m%d}@review-schedule",
                  f"DTSTAMP:{stamp}", f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{esc('Review due: ' + r['title'])}",
                  "DESCRIPTION:" + esc("Owner: {owner}. Approved by: {approved_by}. Last reviewed "
                                       "{last_reviewed}. File: {path}".format(**r)),
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"


def check_reviews_main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="check_reviews.py", description="List every reviewable document with "
                     "its review status, most urgent first. Exit 0 clean, 1 problems found, 2 usage error.")
    _root_args(parser)
    parser.add_argument("--today", type=_date, default=None, help="YYYY-MM-DD (default: today)")
    parser.add_argument("--due-within", type=int, default=DEFAULT_DUE_WITHIN, metavar="DAYS",
                        help=f"days before the review date counted as due (default {DEFAULT_DUE_WITHIN})")
    parser.add_argument("--format", choices=("text", "json", "csv", "ics", "github"), default="text",
                        help="github: an annotation at each overdue (error) or due (warning) document")
    parser.add_argument("--fail-on", choices=("overdue", "due", "never"), default="overdue")
    args = parser.parse_args(argv)
    if args.due_within < 0:
        parser.error("--due-within must be 0 or more days")
    today = args.today or dt.date.today()
    content = _load(args)
    for f in content.errors:
        print(f, file=sys.stderr)
    rows = review_rows(content, today, args.due_within)
    if args.format == "json":
        print(json.dumps({"today": today.isoformat(), "due_within_days": args.due_within,
                          "documents": rows}, indent=2))
    elif args.format == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["id"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        print(buf.getvalue(), end="")
    elif args.format == "ics":
        sys.stdout.write(_ics(rows, today, "Procedures manual"))
    elif args.format == "github":
        # at the `last_reviewed:` line where the file says it, else the document's own line
        lines = {d.path + "#" + d.id: (getattr(d, "lines", None) or {}).get(("last_reviewed",), d.line)
                 for d in content.reviewables}
        for f in content.errors:
            print(github_annotation("error", f.path, f.line, f.message, "check_reviews"))
        for r in rows:
            if r["status"] == "ok":
                continue
            what = (f"overdue for review by {r['days_overdue']} days (next review was {r['next_review']})"
                    if r["status"] == "overdue" else f"due for review in {r['days']} days ({r['next_review']})")
            print(github_annotation("error" if r["status"] == "overdue" else "warning", r["path"],
                                    lines.get(r["path"] + "#" + r["id"], 1),
                                    f"{r['title']} is {what} — review it and update last_reviewed",
                                    "check_reviews"))
    else:
        width = max((len(r["title"]) for r in rows), default=10)
        for r in rows:
            state = {"overdue": f"OVERDUE by {r['days_overdue']} days", "due": f"due in {r['days']} days",
                     "ok": "ok"}[r["status"]]
            print(f"{r['title']:<{min(width, 60)}}  {r['next_review']}  {state:<22}  {r['owner']}  "
                  f"(approved by {r['approved_by']}; last reviewed {r['last_reviewed']})  {r['path']}")
        counts = {s: sum(r["status"] == s for r in rows) for s in ORDER}
        print(f"{counts['overdue']} overdue, {counts['due']} due within {args.due_within} days, "
              f"{counts['ok']} ok (as of {today})", file=sys.stderr)
    failing = {"overdue": {"overdue"}, "due": {"overdue", "due"}, "never": set()}[args.fail_on]
    return 1 if content.errors or any(r["status"] in failing for r in rows) else 0

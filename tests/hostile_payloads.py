"""Shared material for the hostile-input suites (test_hostile_content.py, test_hostile_site.py).

* PAYLOADS: the attack strings every class of test feeds in.
* build(): `mkdocs build` with a hard 60 s limit (the whole process group is killed).
* scan_site(): every .html file parsed with html.parser (never string matching alone) and
  judged against the site's guarantee; search/search_index.json, sitemap.xml, feed.xml and
  reviews.json are checked as well.
* Mutations / run_mutations(): many payloads put into one project at once; a value the build
  rejects (a `path:line:` message at its own line) is put back and the build repeated, so one
  build tests dozens of values and each rejection is attributed to the value that caused it.

Each value carries a marker (`zqx` and four digits) so what the built site shows can be traced
back to the value: a value the build accepts must appear in the page text exactly as typed.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Iterable
from xml.etree import ElementTree as ET

import yaml

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TIMEOUT = 60

# --- payloads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    id: str
    text: str
    marker: str = "suffix"  # where the tracing marker goes: after the text, or before it
    rich: bool = False  # uses the syntax data files' long texts interpret ([[ref]], **bold**)

    @property
    def norm(self) -> str:
        return " ".join(self.text.split())


LONG = ("Lorem ipsum <b>dolor</b> sit amet & co. " * 80)[:3000]
PAYLOADS: list[Payload] = [
    Payload("script", "<script>alert(1)</script>"),
    Payload("img-onerror", '"><img src=x onerror=alert(1)>'),
    Payload("quote-onmouseover", "' onmouseover='alert(1)"),
    Payload("javascript-url", "javascript:alert(1)"),
    Payload("escaped-bracket-link", "Title \\](javascript:alert(1))"),
    Payload("markdown-link", "[x](javascript:alert(1))"),
    Payload("attr-list", '{: onclick="alert(1)" }', marker="prefix"),
    Payload("svg-onload", "<svg onload=alert(1)>"),
    Payload("entity-script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    Payload("title-breakout", "</title><script>alert(1)</script>"),
    Payload("reference", "[[neglect]]", rich=True),
    Payload("emphasis", "**bold** _em_ `code`", rich=True),
    Payload("heading", "# heading"),
    Payload("bullet", "- list item"),
    Payload("numbered", "1. item"),
    Payload("table", "| a | b |"),
    Payload("comment", "<!-- comment -->"),
    Payload("meta-refresh", '<meta http-equiv="refresh" content="0;url=https://evil.example">'),
    Payload("iframe", "<iframe src=https://evil.example>"),
    Payload("entity-javascript-link", '<a href="&#106;avascript:alert(1)">x</a>'),
    Payload("long-3000", LONG),
    Payload("zero-width-rtl", "Safe\u200btext \u202eexe.txt"),
    # beyond the required list
    Payload("jinja", "{{ 7*191 }} {% raw %}"),
    Payload("data-url-link", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'),
    Payload("style-breakout", "</style><script>alert(1)</script>"),
    Payload("heading-attrs", "Heading {#__config .md-header onclick=alert(1)}", marker="prefix"),
    Payload("html-autolink", "<javascript:alert(1)>"),
    Payload("backslash-quote", '\\" onclick=\\"alert(1)'),
]
PAYLOAD_IDS = [p.id for p in PAYLOADS]
BY_ID = {p.id: p for p in PAYLOADS}
MARKER = re.compile(r"zqx\d{4}(?!\d)")


class Markers:
    def __init__(self, start: int = 0):
        self.n = start

    def next(self) -> str:
        self.n += 1
        return f"zqx{self.n:04d}"


def marked(p: Payload, marker: str) -> str:
    return f"{marker} {p.text}" if p.marker == "prefix" else f"{p.text} {marker}"


def yq(value: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(value)


# --- projects and builds -------------------------------------------------------------------

IGNORE = shutil.ignore_patterns("site", "site-preview", ".cache", ".venv", "node_modules", "__pycache__")


def copy_real(dest: Path) -> Path:
    """A copy of the real repository's content: mkdocs.yml, docs/, procedures/, overrides/."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    for name in ("docs", "procedures", "overrides"):
        shutil.copytree(REPO / name, dest / name, ignore=IGNORE, symlinks=True)
    return dest


def copy_minimal(dest: Path) -> Path:
    shutil.copytree(FIXTURES / "minimal", dest, ignore=IGNORE)
    shutil.copytree(REPO / "overrides", dest / "overrides", ignore=IGNORE)
    return dest


@dataclass
class Build:
    returncode: int | None
    output: str
    seconds: float
    timed_out: bool
    strict: bool = True

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.output

    def errors(self) -> list[str]:
        """The ERROR and WARNING lines (what fails a --strict build)."""
        return [m.group(1) for m in re.finditer(r"(?m)^(?:ERROR|WARNING)\s+-\s+(.*)$", self.output)] + \
            [m.group(1) for m in re.finditer(r"(?m)^Error: (.*)$", self.output)]

    def at(self, path: str) -> list[tuple[int, str]]:
        """(line, message) of every `path:line: message` naming this repo-relative file."""
        rx = re.compile(r"(?:^|[\s'\"(])" + re.escape(path) + r":(\d+): (.+)")
        return [(int(m.group(1)), m.group(2)) for e in self.errors() for m in [rx.search(e)] if m]

    def summary(self, limit: int = 1500) -> str:
        tail = "\n".join(e for e in self.errors())
        if self.timed_out:
            tail = f"TIMED OUT after {self.seconds:.0f}s\n" + tail
        if self.traceback:
            tail += "\n" + self.output[self.output.index("Traceback"):][:800]
        return tail[:limit] or self.output[-limit:]


def build(project: Path, *args: str, strict: bool = True, timeout: float = TIMEOUT,
          env: dict | None = None, site_dir: Path | None = None) -> Build:
    cmd = [sys.executable, "-m", "mkdocs", "build", *(["--strict"] if strict else []), *args]
    if site_dir is not None:
        cmd += ["-d", str(site_dir)]
    environ = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    environ.pop("MANUAL_PREVIEW", None) if not (env and "MANUAL_PREVIEW" in env) else None
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=environ, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # this build's own process group only
        out, _ = proc.communicate()
        timed_out = True
    return Build(proc.returncode if not timed_out else None, out or "", time.monotonic() - start,
                 timed_out, strict)


def build_problems(b: Build, hostile_paths: Iterable[str] = ()) -> list[str]:
    """What every build must satisfy: no traceback, done within 60 s, and a failure names one
    of the hostile files with `path:line:`."""
    out = []
    if b.timed_out or b.seconds > TIMEOUT:
        out.append(f"the build took more than {TIMEOUT} s")
    if b.traceback:
        out.append("the output contains a Python traceback:\n" + b.summary())
    paths = list(hostile_paths)
    if not b.ok and paths and not any(b.at(p) for p in paths):
        out.append(f"the build failed without a `path:line:` message for {', '.join(paths)}:\n" + b.summary())
    return out


# --- reading the built site ----------------------------------------------------------------

OWN_SCRIPT_SRC = re.compile(r"^(?:\.\./)*/?(?:\./)?assets/javascripts/([A-Za-z0-9._-]+\.js)$")
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
             "cite", "codebase", "manifest", "ping", "srcset", "longdesc", "lowsrc", "dynsrc"}
BAD_SCHEME = ("javascript:", "vbscript:", "data:text/html")
FORBIDDEN_TAGS = {"iframe", "object", "embed", "frame", "frameset", "applet", "base", "portal"}
BLOCK_TAGS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td",
              "th", "pre", "blockquote", "dt", "dd", "dl", "section", "article", "title", "br", "hr",
              "header", "footer", "nav", "main", "figure", "figcaption", "caption", "option", "select",
              "label", "form", "aside", "details", "summary", "body", "head", "html", "svg", "text",
              "desc", "button", "input", "tbody", "thead", "tfoot"}
RESOURCE_RELS = {"stylesheet", "icon", "shortcut", "preload", "prefetch", "modulepreload", "manifest",
                 "apple-touch-icon", "dns-prefetch", "preconnect", "prerender", "import"}
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|[/\\]{2})", re.I)  # after squash(): "/\\x" is "//x" to a browser
SEP = "\x00"  # stands between blocks in the flattened text


def squash(value: str) -> str:
    """A URL as a browser reads it: no whitespace or control characters, lower case."""
    return re.sub(r"[\x00-\x20\x7f-\x9f]+", "", value).lower()


@dataclass
class Violation:
    file: str  # site-relative
    pos: int  # offset in the file's text
    what: str
    before: str | None = None  # the nearest markers before and after it, to attribute it
    after: str | None = None

    def __str__(self) -> str:
        return f"{self.file}: {self.what}"

    def marker(self, payload_of: Callable[[str], Payload | None]) -> str | None:
        """The value this came from: a suffix-marked value's marker follows it, a prefix-marked
        one's precedes it."""
        a = payload_of(self.after) if self.after else None
        b = payload_of(self.before) if self.before else None
        if a is not None and a.marker == "suffix":
            return self.after
        if b is not None and b.marker == "prefix":
            return self.before
        return self.after or self.before


class _Scan(HTMLParser):
    def __init__(self, text: str, fragment: bool = False):
        super().__init__(convert_charrefs=True)
        self.src = text
        self.fragment = fragment
        self.starts = [0]
        for m in re.finditer("\n", text):
            self.starts.append(m.end())
        self.problems: list[tuple[int, str]] = []
        self.flat: list[str] = []
        self.code: list[str] = []
        self.code_depth = 0
        self.raw_tag: str | None = None
        self.raw_data: list[str] = []
        self.after_head = False
        self.head_seen = False
        self.csp_first = False
        self.http_equiv: list[dict] = []
        self.ids: dict[str, list[str]] = {}
        self.tags: list[tuple[str, dict]] = []
        self.script_srcs: list[tuple[int, str]] = []

    def pos(self) -> int:
        line, col = self.getpos()
        return self.starts[line - 1] + col

    def bad(self, what: str) -> None:
        self.problems.append((self.pos(), what))

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)
        if tag in ("script", "style") and self.raw_tag is None:
            self.raw_tag, self.raw_data = tag, []

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)

    def _tag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        self.tags.append((tag, a))
        if self.after_head:
            self.after_head = False
            self.csp_first = tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy"
        if tag == "head":
            self.after_head = self.head_seen = True
        if tag in BLOCK_TAGS:
            self.flat.append(SEP)
        if tag == "code":
            self.code_depth += 1
            self.code.append(SEP)
        for k, v in attrs:
            if k.startswith("on"):
                self.bad(f"an `{k}` attribute on <{tag}>: {self.get_starttag_text()[:120]}")
            if k in URL_ATTRS and v and squash(v).startswith(BAD_SCHEME):
                self.bad(f"a script URL in `{k}` of <{tag}>: {v[:100]!r}")
            if k == "style" and v and re.search(r"url\(|@import|expression\(", v, re.I):
                self.bad(f"a style attribute that loads or runs something: {v[:100]!r}")
            if k == "id" and v:
                self.ids.setdefault(v, []).append(tag)
        if tag == "script":
            src = a.get("src")
            if src is not None and set(a) == {"src"} and OWN_SCRIPT_SRC.match(src) and not self.fragment:
                self.script_srcs.append((self.pos(), src))
            elif set(a) == {"id", "type"} and a["id"] == "__config" and a["type"] == "application/json" \
                    and not self.fragment:
                pass
            else:
                self.bad(f"a <script> that is not one of the site's own: {self.get_starttag_text()[:120]}")
        if tag in FORBIDDEN_TAGS:
            self.bad(f"an <{tag}> element: {self.get_starttag_text()[:120]}")
        if tag == "form":
            search = "data-wf-search" in a and a.get("class") == "wf-search" and a.get("role") == "search" \
                and a.get("method") == "get" and re.fullmatch(r"\./|(?:\.\./)*search/|/(?:[\w.-]+/)*search/", a.get("action") or "") \
                and not REMOTE.match(squash(a.get("action") or ""))
            explorer = "data-wf-explorer" in a and a.get("class") == "wf-explorer" and "action" not in a
            on_date = "data-wf-on-date" in a and a.get("class") == "wf-on-date" and "action" not in a
            if not (search or explorer or on_date) or self.fragment:
                self.bad(f"a <form> that is not the site's own: {self.get_starttag_text()[:120]}")
        if tag == "meta" and "http-equiv" in a:
            self.http_equiv.append(a)
            if a["http-equiv"].lower() != "content-security-policy" or self.fragment:
                self.bad(f"a <meta http-equiv> that is not the policy: {self.get_starttag_text()[:120]}")
        if tag in ("img", "source", "video", "audio", "track", "input", "iframe", "embed", "image"):
            for k in ("src", "srcset", "poster", "data", "href", "xlink:href"):
                v = a.get(k)
                if v and REMOTE.match(squash(v)) and not squash(v).startswith("data:image/"):
                    self.bad(f"<{tag} {k}> requests another site: {v[:100]!r}")
        if tag == "link":
            rels = set(a.get("rel", "").lower().split())
            v = a.get("href", "")
            if rels & RESOURCE_RELS and v and REMOTE.match(squash(v)):
                self.bad(f"<link rel={a.get('rel')}> requests another site: {v[:100]!r}")

    def handle_endtag(self, tag):
        if tag == self.raw_tag:
            body = "".join(self.raw_data)
            if tag == "style" and re.search(r"@import|url\(\s*['\"]?\s*(?:[a-z]+:|//)|expression\(", body, re.I):
                self.bad(f"a <style> that loads something from elsewhere: {body[:100]!r}")
            if tag == "script" and body.strip():
                try:
                    json.loads(body)
                except ValueError:
                    self.bad(f"a <script> whose content is not JSON: {body[:100]!r}")
            self.raw_tag = None
        if tag in BLOCK_TAGS:
            self.flat.append(SEP)
        if tag == "code" and self.code_depth:
            self.code_depth -= 1
            self.code.append(SEP)

    def handle_data(self, data):
        if self.raw_tag is not None:
            self.raw_data.append(data)
            return
        self.flat.append(data)
        if self.code_depth:
            self.code.append(data)


def flatten(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


@dataclass
class Page:
    file: str
    raw: str
    text: str  # flattened visible text, SEP between blocks, whitespace collapsed
    code: str  # text inside <code>


@dataclass
class SiteReport:
    root: Path
    violations: list[Violation] = field(default_factory=list)
    pages: dict[str, Page] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # every text file, by site path

    def page(self, url: str) -> Page | None:
        return self.pages.get(url.rstrip("/") + "/index.html" if url else "index.html")

    def unattributed(self) -> list[Violation]:
        return [v for v in self.violations if v.before is None and v.after is None]

    def containing(self, needle: str) -> list[str]:
        return [f for f, t in self.texts.items() if needle in t]


def _near(text: str, pos: int, window: int = 4000) -> dict:
    """The nearest marker before and after `pos` (within `window` characters)."""
    before = after = None
    for m in MARKER.finditer(text, max(0, pos - window), pos + window):
        if m.start() < pos:
            before = m.group(0)
        elif after is None:
            after = m.group(0)
    return {"before": before, "after": after}


def _scan_fragment(name: str, fragment: str, offset: int, report: SiteReport) -> None:
    s = _Scan(fragment, fragment=True)
    s.feed(fragment)
    s.close()
    for pos, what in s.problems:
        report.violations.append(Violation(name, offset + pos, what, **_near(fragment, pos)))


def _scan_editor(site: Path, rel: str, text: str, report: SiteReport) -> None:
    """/admin/: the page loads only Decap's file from beside it under the editor's own policy;
    its configuration is YAML data (hostile titles stay strings), never markup."""
    from safeguarding_manual.website import editor

    if rel == "admin/index.html":
        if not editor.carries_policy(text):
            report.violations.append(Violation(rel, 0, "the web editor's page does not carry its own policy"))
        scripts = re.findall(r"<script\b[^>]*>", text)
        if scripts not in ([], ['<script src="decap-cms.js">']):
            report.violations.append(Violation(rel, 0, f"unexpected scripts on the editor page: {scripts[:3]}"))
        if re.search(r"\son[a-z]+\s*=|javascript:", text, re.I):
            report.violations.append(Violation(rel, 0, "an event handler or script URL on the editor page"))
    elif rel == "admin/config.yml":
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            report.violations.append(Violation(rel, 0, f"the editor's configuration is not valid YAML: {exc}"))
            return
        if not isinstance(data, dict) or not isinstance(data.get("collections"), list):
            report.violations.append(Violation(rel, 0, "the editor's configuration has no collections"))


def scan_site(site: Path, policy_check: bool = True) -> SiteReport:
    report = SiteReport(site)
    policies = set()
    for file in sorted(site.rglob("*")):
        if not file.is_file():
            continue
        rel = file.relative_to(site).as_posix()
        report.files.append(rel)
        raw_bytes = file.read_bytes()
        if file.suffix == ".gz":
            try:
                raw_bytes = gzip.decompress(raw_bytes)
            except OSError:
                pass
        if file.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".woff", ".woff2", ".pdf") \
                and rel.startswith("assets/"):
            continue
        if rel.startswith("admin/"):  # the web editor: its own page, policy and data
            _scan_editor(site, rel, raw_bytes.decode("utf-8", errors="replace"), report)
            continue
        text = raw_bytes.decode("utf-8", errors="replace")
        report.texts[rel] = text
        if file.suffix == ".html":
            s = _Scan(text)
            try:
                s.feed(text)
                s.close()
            except Exception as exc:  # pragma: no cover - html.parser is lenient
                report.violations.append(Violation(rel, 0, f"cannot be parsed: {exc}"))
                continue
            for pos, what in s.problems:
                report.violations.append(Violation(rel, pos, what, **_near(text, pos)))
            for pos, src in s.script_srcs:  # a file of the site's own, present in the site
                target = (site / src.lstrip("/")) if src.startswith("/") else (file.parent / src)
                own = site / "assets" / "javascripts"
                if not target.resolve().is_file() or own.resolve() not in target.resolve().parents:
                    report.violations.append(Violation(rel, pos, f"<script src={src!r}> is not a script file of the site (missing: the page's own script is gone)", **_near(text, pos)))
            if policy_check:
                if not s.head_seen or not s.csp_first:
                    report.violations.append(Violation(rel, 0, "the Content-Security-Policy <meta> is not the first element of <head>"))
                csp = [a for a in s.http_equiv if a["http-equiv"].lower() == "content-security-policy"]
                if len(csp) != 1:
                    report.violations.append(Violation(rel, 0, f"{len(csp)} Content-Security-Policy <meta> elements (one expected)"))
                for a in csp:
                    policies.add(a.get("content", ""))
            for ident, tags in s.ids.items():
                if ident.startswith("__") and len(tags) > 1:
                    report.violations.append(Violation(rel, 0, f"the theme's id `{ident}` is used {len(tags)} times ({', '.join(tags)})",
                                                       **_near(text, text.find(f'id="{ident}"', text.find(f'id="{ident}"') + 1))))
                if ident == "__config" and tags != ["script"]:
                    report.violations.append(Violation(rel, 0, f"`id=\"__config\"` is on <{'>, <'.join(tags)}>"))
            report.pages[rel] = Page(rel, text, flatten(s.flat), flatten(s.code))
    for p in policies:
        script_src = p.split("script-src", 1)[1].split(";", 1)[0].strip() if "script-src" in p else None
        if script_src != "'self' 'wasm-unsafe-eval'":  # WebAssembly for search, no inline or eval
            report.violations.append(Violation("(policy)", 0, f"script-src is {script_src!r}, not 'self' 'wasm-unsafe-eval'"))
    if len(policies) > 1:
        report.violations.append(Violation("(policy)", 0, f"{len(policies)} different policies"))
    # Search: Pagefind's index holds page text, which search.js only ever shows as text; the
    # thesaurus and vocabulary file must be valid JSON of plain strings.
    data = site / "pagefind" / "wf-search.json"
    if data.is_file():
        try:
            extra = json.loads(data.read_text(encoding="utf-8"))
            ok = all(isinstance(k, str) for k in extra.get("shards", [])) and all(
                isinstance(v, list) and all(isinstance(x, str) for x in v) for v in extra.get("pages", {}).values())
        except ValueError as exc:
            ok, extra = False, exc
        if not ok:
            report.violations.append(Violation("pagefind/wf-search.json", 0, f"is not valid: {str(extra)[:100]}"))
    for name, parse in (("reviews.json", json.loads), ("feed.xml", ET.fromstring), ("sitemap.xml", ET.fromstring)):
        if name in report.texts:
            try:
                parse(report.texts[name])
            except Exception as exc:
                report.violations.append(Violation(name, 0, f"is not well-formed: {exc}"))
    if "feed.xml" in report.texts:
        try:
            for el in ET.fromstring(report.texts["feed.xml"]).iter():
                href = el.get("href")
                if href is not None and not href.startswith(("https://", "http://")):
                    report.violations.append(Violation("feed.xml", 0, f"a feed link that is not a web address: {href[:80]!r}"))
        except ET.ParseError:
            pass
    return report


def literal_problems(report: SiteReport, marker: str, p: Payload) -> list[str]:
    """Where the site shows this value, it must show it as typed (as text, not markup). The
    first letter's case may differ (the topic index capitalises)."""
    want = p.norm
    shown: dict[str, list[str]] = {}
    for page in report.pages.values():
        for m in re.finditer(re.escape(marker) + r"(?!\d)", page.text):
            if p.marker == "prefix":
                after = page.text[m.end():].lstrip(" ")
                seen, got = after[:len(want) + 20], after[:len(want)]
            else:
                before = page.text[:m.start()].rstrip(" ")
                seen, got = before[-(len(want) + 20):], before[-len(want):] if want else ""
            if got != want and not (got[1:] == want[1:] and got[:1].lower() == want[:1].lower()):
                shown.setdefault(seen.replace(SEP, "¦"), []).append(page.file)
    return [f"shown as {s[-170:]!r} instead of {want[:100]!r} on {len(files)} page(s), e.g. {files[0]}"
            for s, files in shown.items()]


def leaked(report: SiteReport, needles: Iterable[str]) -> list[str]:
    return [f"{n!r} is in {f}" for n in needles for f in report.containing(n)]


# --- many values in one build ----------------------------------------------------------------


@dataclass
class Instance:
    key: str  # the marker, or a case id
    payload: str  # payload id (or case id)
    field: str
    path: str  # repo-relative file
    start: int  # span of the value in the template's text
    end: int
    replacement: str
    line: int = 0  # first and last line of the span (1-based), filled in by Mutations
    last_line: int = 0
    group: tuple[str, ...] = ()  # other instances sharing this value (put back together)


@dataclass
class Template:
    path: str
    text: str
    fallback: Callable[[int], list[int]] | None = None  # line -> spans (start, end) to put back


class Mutations:
    def __init__(self) -> None:
        self.templates: dict[str, Template] = {}
        self.instances: list[Instance] = []

    def add_template(self, t: Template) -> None:
        self.templates[t.path] = t

    def add(self, inst: Instance) -> Instance:
        text = self.templates[inst.path].text
        inst.line = text.count("\n", 0, inst.start) + 1
        inst.last_line = inst.line + text.count("\n", inst.start, inst.end)
        self.instances.append(inst)
        return inst

    def render(self, path: str, restored: set[str]) -> str:
        t = self.templates[path]
        text = t.text
        spans = sorted({(i.start, i.end, i.replacement) for i in self.instances
                        if i.path == path and i.key not in restored}, reverse=True)
        for start, end, replacement in spans:
            original = text[start:end]
            pad = "\n" * (original.count("\n") - replacement.count("\n"))
            text = text[:start] + replacement + pad + text[end:]
        return text

    def write(self, project: Path, restored: set[str]) -> None:
        for path in self.templates:
            target = project / path
            text = self.render(path, restored)
            if text == "" and not self.templates[path].text:
                if target.exists() or target.is_symlink():
                    target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


@dataclass
class Run:
    builds: list[Build] = field(default_factory=list)
    rejected: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # key -> messages
    rejected_elsewhere: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    stuck: list[str] = field(default_factory=list)  # errors no value could be blamed for
    report: SiteReport | None = None
    inspected_strict: bool = True  # False: the site inspected is a non-strict build's
    problems: list[str] = field(default_factory=list)  # build-level problems

    def accepted(self, key: str) -> bool:
        return key not in self.rejected and key not in self.rejected_elsewhere


def run_mutations(project: Path, muts: Mutations, max_rounds: int = 8) -> Run:
    """Build; put back every value rejected at its own line; repeat. Then inspect the site."""
    run = Run()
    restored: set[str] = set()
    paths = list(muts.templates)
    last: Build | None = None
    for _round in range(max_rounds):
        muts.write(project, restored)
        last = build(project)
        run.builds.append(last)
        run.problems += build_problems(last, paths)
        if last.ok or last.timed_out or last.traceback:
            break
        newly: set[str] = set()
        for path in paths:
            for line, msg in last.at(path):
                hit = [i for i in muts.instances if i.path == path and i.key not in restored
                       and i.line <= line <= i.last_line]
                for i in hit:
                    run.rejected.setdefault(i.key, []).append((line, msg))
                if not hit and muts.templates[path].fallback:
                    spans = muts.templates[path].fallback(line)
                    hit = [i for i in muts.instances if i.path == path and i.key not in restored
                           and any(s <= i.start and i.end <= e for s, e in spans)]
                    for i in hit:
                        run.rejected_elsewhere.setdefault(i.key, []).append((line, msg))
                for i in hit:
                    newly.add(i.key)
                    newly.update(i.group)
        if not newly - restored:
            run.stuck = last.errors()
            break
        restored |= newly
    assert last is not None
    site = project / "site"
    if not last.ok:
        run.inspected_strict = False
        extra = build(project, strict=False)
        run.builds.append(extra)
        if extra.traceback or extra.timed_out:
            run.problems += build_problems(extra)
    run.report = scan_site(site) if site.is_dir() else SiteReport(site)
    return run


def yaml_nodes(text: str) -> yaml.Node:
    return yaml.compose(text, Loader=yaml.SafeLoader)


def walk_nodes(node: yaml.Node, path: tuple = ()) -> Iterable[tuple[tuple, yaml.Node, bool]]:
    """(path, node, is_key) of every scalar; keys of mappings are yielded as (path + (key,), keynode, True)."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            kp = path + (k.value,)
            yield kp, k, True
            yield from walk_nodes(v, kp)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            yield from walk_nodes(v, path + (i,))
    else:
        yield path, node, False


def container_spans(root: yaml.Node, text: str) -> Callable[[int], list[tuple[int, int]]]:
    """Fallback for a message at a line that holds no value of ours: the innermost block that
    starts on that line (an entry of a list, say)."""
    blocks: list[tuple[int, int, int]] = []

    def visit(n: yaml.Node) -> None:
        if isinstance(n, (yaml.MappingNode, yaml.SequenceNode)):
            blocks.append((n.start_mark.line + 1, n.start_mark.index, n.end_mark.index))
            children = [v for kv in n.value for v in kv] if isinstance(n, yaml.MappingNode) else n.value
            for c in children:
                visit(c)
    visit(root)

    def spans(line: int) -> list[tuple[int, int]]:
        found = [(s, e) for ln, s, e in blocks if ln == line]
        return sorted(found, key=lambda se: se[1] - se[0])[:1]
    return spans


def describe(run: Run, limit: int = 2500) -> str:
    out = []
    for b in run.builds:
        out.append(f"[{'strict' if b.strict else 'non-strict'} build rc={b.returncode} {b.seconds:.1f}s]")
    if run.stuck:
        out.append("errors not caused by any value put back: " + " | ".join(run.stuck)[:800])
    return "\n".join(out)[:limit]

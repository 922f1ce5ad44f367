"""What `mkdocs.yml` holds for readers — the contacts and the "Exit this page" address —
checked like every data file: a finding at the line, never a traceback, never a value that
could become a link to a script."""

from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import urlsplit

from .findings import Finding, did_you_mean
from .references import Contact

KINDS = ("phone", "email", "url", "text")
# The "Worried about a child?" route on every page (partials/wf-worried.html shows these).
ROUTE = ("mach", "single-contact-form", "out-of-hours", "emergency")
CONTACT_KEYS = ("label", "value", "kind", "note", "url", "url_text")
KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{1,22}[0-9]$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+$")
UNSAFE_TEXT = re.compile(r"[\x00-\x1f\x7f<>]")


def https_url_problem(value: str) -> str | None:
    """Why `value` is not an absolute https:// address a reader can be sent to (None if it is)."""
    if not isinstance(value, str) or not value.strip():
        return "is empty"
    if re.search(r"[\s\"'<>\\`\x00-\x1f\x7f]", value):
        return "contains spaces, quotes or angle brackets"
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or "." not in parts.hostname:
        return "must be a full address starting with https://"
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value).strip()
    return None if UNSAFE_TEXT.search(text) or len(text) > 200 else text


def contacts(raw: Any, line: Callable[[str], int]) -> tuple[dict[str, Contact], list[Finding]]:
    """`extra.contacts`: key → {label, value, kind, note}. `line(pattern)` finds a line of
    mkdocs.yml for a message."""
    out: dict[str, Contact] = {}
    findings: list[Finding] = []

    def bad(key: str, message: str) -> None:
        findings.append(Finding("mkdocs.yml", line(rf"^\s+['\"]?{re.escape(key)}['\"]?\s*:") if key else
                                line(r"^\s+contacts:"), message, code="contact"))

    if raw is None:
        return out, findings
    if not isinstance(raw, dict):
        bad("", "`extra.contacts` must be a block of contacts, each `key:` with `label:`, "
            "`value:` and `kind:` indented under it — not a list")
        return out, findings
    for key, entry in raw.items():
        key = str(key)
        if not KEY.match(key):
            bad(key, f"the contact name `{key[:40]}` must use only lower-case letters, digits and hyphens")
            continue
        if not isinstance(entry, dict):
            bad(key, f"contact `{key}` must have `label:`, `value:` and `kind:` indented under it")
            continue
        for k in entry:
            if k not in CONTACT_KEYS:
                bad(key, f"contact `{key}`: `{k}` is not a contact setting{did_you_mean(str(k), CONTACT_KEYS)}"
                    " — use label, value, kind and note")
        label = _text(entry.get("label") if entry.get("label") is not None else key)
        if not label:
            bad(key, f"contact `{key}`: the label must be one line of plain text (no < or >)")
            continue
        kind = str(entry.get("kind") or "text")
        if kind not in KINDS:
            bad(key, f'contact `{key}`: kind "{kind[:20]}" is not known{did_you_mean(kind, KINDS)} — '
                "use phone, email, url or text")
            continue
        note = _text(entry.get("note") or "") or ""
        url = entry.get("url")
        url_text = _text(entry.get("url_text") or "") or ""
        if entry.get("url_text") and not url_text:
            bad(key, f"contact `{key}`: url_text must be one line of plain text (no < or >)")
            continue
        if url is not None and https_url_problem(url):
            bad(key, f"contact `{key}`: the url must be a full web address starting with https://")
            continue
        value = entry.get("value")
        if value is None or (isinstance(value, str) and not value.strip()):
            out[key] = Contact(key, label, None, kind, note, url, url_text)  # no url either: "to be confirmed"
            continue
        text = _text(value)
        problem = None
        if text is None:
            problem = "must be one line of plain text (no < or >)"
        elif kind == "phone" and not PHONE.match(text):
            problem = 'must be a phone number: digits, spaces and an optional leading + (e.g. "0300 373 2724")'
        elif kind == "email" and not EMAIL.match(text):
            problem = "must be an e-mail address such as team@example.org"
        elif kind == "url" and https_url_problem(text):
            problem = "must be a full web address starting with https://"
        if problem:
            bad(key, f"contact `{key}`: the value {problem}")
            continue
        out[key] = Contact(key, label, text, kind, note, url, url_text)
    return out, findings


def exit_url(value: Any, line: Callable[[str], int]) -> list[Finding]:
    if value is None:
        return []
    problem = https_url_problem(value)
    if problem:
        return [Finding("mkdocs.yml", line(r"^\s+exit_page_url:"), f"extra.exit_page_url {problem} — "
                        "use an everyday site such as https://www.bbc.co.uk/weather", code="exit-url")]
    return []


def site_addresses(site_url: str, repo_url: str, edit_uri: Any, line: Callable[[str], int]) -> list[Finding]:
    """The addresses MkDocs puts into every page (canonical link, Source link, edit pencil)."""
    out = []
    for key, value in (("site_url", site_url), ("repo_url", repo_url)):
        problem = https_url_problem(value) if value else None
        if problem:
            out.append(Finding("mkdocs.yml", line(rf"^{key}:"), f"{key} {problem} — or leave it out "
                               "until the real address is known", code="address"))
    if edit_uri and (not isinstance(edit_uri, str) or re.match(r"^\s*[a-z][a-z0-9+.-]*:", edit_uri, re.I)
                     or re.search(r"[\s\"'<>\\`]", edit_uri)):
        out.append(Finding("mkdocs.yml", line(r"^edit_uri:"), "edit_uri must be a path within the "
                           "repository address, such as edit/main/ — or leave it out", code="address"))
    return out


def site_texts(raw: dict, line: Callable[[str], int]) -> list[Finding]:
    """Texts the theme prints on every page (site name, description, copyright, menu titles):
    one line of plain text."""
    out = []
    for key in ("site_name", "site_description", "copyright"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, (str, int, float)) or UNSAFE_TEXT.search(str(value).strip())):
            out.append(Finding("mkdocs.yml", line(rf"^{key}:"), f"{key} must be one line of plain text "
                               "(no < or >)", code="config-text"))

    def walk(nav: Any) -> None:
        if isinstance(nav, list):
            for item in nav:
                walk(item)
        elif isinstance(nav, dict):
            for title, value in nav.items():
                if UNSAFE_TEXT.search(str(title)):
                    out.append(Finding("mkdocs.yml", line(rf"^\s*-\s*['\"]?{re.escape(str(title)[:30])}"),
                                       "a menu title in `nav` must be plain text (no < or >)", code="config-text"))
                walk(value)
    walk(raw.get("nav"))
    return out


def interim(raw: Any, line: Callable[[str], int]) -> list[Finding]:
    """`extra.interim`: what practitioners follow until this manual is approved (label, url)."""
    if not raw:
        return []
    if not isinstance(raw, dict) or set(raw) - {"label", "url"} or not _text(raw.get("label")) \
            or https_url_problem(raw.get("url")):
        return [Finding("mkdocs.yml", line(r"^\s+interim:"), "extra.interim must have `label:` (plain "
                        "text) and `url:` (a full https:// address)", code="interim")]
    return []


def route_gaps(contacts: dict[str, Contact], line: Callable[[str], int]) -> list[Finding]:
    """Contacts on the worried-about-a-child route with neither a value nor a public page:
    the public site must not be published with a gap there (preview and serve show it)."""
    out = []
    for key in ROUTE:
        c = contacts.get(key)
        if c is None or c.placeholder:
            out.append(Finding("mkdocs.yml", line(rf"^\s+{key}:") if c else line(r"^\s+contacts:"),
                               f"contact `{key}` is on the “Worried about a child?” route on every page but "
                               "has neither a `value` nor a public `url` — add the published number or "
                               "the page that explains how to report a concern (never guess a number)",
                               code="route"))
    return out

"""The web editor at /admin/: Decap CMS, configured from the front-matter schema.

Decap CMS (npm `decap-cms`, installed by `npm ci` in scripts/editor) is a Git-based editor:
it reads and writes the Markdown files in the repository, so the files stay the one source of
truth and every change goes through the same checks. Its configuration is generated here at
each build from `schema.FIELDS` and the section folders, so a field added to the schema gets a
form input without a second edit (tests/test_editor.py fails if the two disagree):

- one collection per section folder (new procedures are created in the right folder), plus a
  hidden collection of every procedure that `related` uses as a relation by `id`, searchable by
  title, keywords and id;
- each field's widget from its `kind`, its help text from the schema's description, and
  `required` only when the schema requires it and the section's `_section.yml` gives no default;
- the body as Markdown in the editor's plain-text mode: the rich-text mode rewrites Markdown
  it does not know (the manual's `[[...]]` references, `!!!` notices), plain text keeps it.

Two ways to connect, chosen by `backend()`:
- **local** (`bash scripts/dev.sh edit`, and the tests): the page talks only to `decap-server`
  on this computer (127.0.0.1:8081), which writes straight into the working copy;
- **github** (the published site, when `editor_repo` is set in mkdocs.yml): the editorial
  workflow — each change is a branch and a pull request, checked by CI, published by
  `publish.py` after approval. Until `editor_repo` is set, every build has the local editor.

The page has its own policy (`POLICY`), is `noindex`, and is never in search, the sitemap,
the feed or the offline copy: it is written after the build, not as a page of the site.
Nothing here imports MkDocs.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..content import schema
from ..content.model import Manual, Section

HERE = Path(__file__).resolve().parent
NPM_DIR = HERE.parents[1] / "editor"  # scripts/editor: package.json, package-lock.json
DIST = NPM_DIR / "node_modules" / "decap-cms" / "dist"
LOCAL_PORT = 8081  # decap-server's own default; MANUAL_EDITOR_PORT changes it
GITHUB_API = "https://api.github.com"
ALL = "all-procedures"  # the hidden collection `related` points at
LEVEL_NAMES = {1: "Level 1 – universal", 2: "Level 2 – early help", 3: "Level 3 – targeted / child in need",
               4: "Level 4 – specialist / child protection"}


@dataclass(frozen=True)
class Backend:
    name: str  # "local" or "github"
    repo: str = ""
    branch: str = "main"
    auth_url: str = ""  # an OAuth server for the GitHub backend (base_url), if not Netlify's
    port: int = LOCAL_PORT
    workflow: bool = False  # local only: proposals as branches (decap-server MODE=git), as on GitHub

    @property
    def local_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    @property
    def connect(self) -> list[str]:
        """Origins the editor page may talk to besides the site itself."""
        if self.name == "local":
            return [f"http://127.0.0.1:{self.port}"]
        if self.name == "github":
            return [GITHUB_API] + ([_origin(self.auth_url)] if self.auth_url else [])
        return []


def _origin(url: str) -> str:
    parts = url.split("/")
    return "/".join(parts[:3])


def backend(local: bool, repo: str = "", branch: str = "main", auth_url: str = "",
            port: int = LOCAL_PORT, workflow: bool = False) -> Backend:
    if local:
        return Backend("local", port=port, workflow=workflow)
    if repo:
        return Backend("github", repo=repo, branch=branch or "main", auth_url=auth_url)
    # No repository connected yet: the editor still loads, and works on a computer running
    # decap-server (bash scripts/dev.sh edit); elsewhere its Login cannot connect.
    return Backend("local", port=port)


def policy(b: Backend) -> str:
    """The editor page's Content-Security-Policy: the site's own, plus only what Decap needs.

    - script-src 'unsafe-eval': Decap checks its configuration with a JSON-schema validator
      (ajv) that compiles checks with `new Function`. Only this page allows it; the scripts
      themselves still come only from the site's own files.
    - style-src 'unsafe-inline': Decap's interface sets its styles at run time (emotion).
    - img-src blob: — previews of images being uploaded.
    - connect-src: the site itself plus the one backend — decap-server on 127.0.0.1 (port 8081) in
      the local editor, api.github.com (and the sign-in server, if set) for the published one.
    - frame-src 'self': the preview pane is a frame of this page.
    """
    connect = " ".join(["'self'"] + b.connect)
    return ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data: blob:; font-src 'self' data:; connect-src {connect}; "
            "frame-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; manifest-src 'self'; media-src 'self'")


def carries_policy(page: str) -> bool:
    """Does an editor page carry this module's policy (and nothing looser)?"""
    import html as html_lib
    import re
    m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    if not m:
        return False
    got = html_lib.unescape(m.group(1))
    return any(got == policy(b) for b in (Backend("local", port=int(p)) for p in re.findall(
        r"connect-src 'self' http://127\.0\.0\.1:(\d{1,5});", got))) or (
        got.startswith("default-src 'self'; script-src 'self' 'unsafe-eval';")
        and re.search(r"connect-src 'self' https://api\.github\.com( https://[A-Za-z0-9.:-]+)?;", got) is not None
        and "*" not in got and "object-src 'none'" in got)


def _hint(f: schema.Field, section_default: Any = None) -> str:
    text = f.description.replace("`", "")
    if section_default is not None:
        shown = ", ".join(map(str, section_default)) if isinstance(section_default, list) else section_default
        text += f" Leave empty to use this section's setting: {shown}."
    return text


def _date(name: str, label: str, required: bool, hint: str) -> dict:
    return {"name": name, "label": label, "widget": "datetime", "required": required, "hint": hint,
            "format": "YYYY-MM-DD", "date_format": "YYYY-MM-DD", "time_format": False,
            "picker_utc": True}


def field_config(f: schema.Field, agencies: Iterable[str], required: bool,
                 section_default: Any = None) -> dict:
    """One schema field as a Decap field."""
    label = f.name.replace("_", " ").capitalize()
    hint = _hint(f, section_default)
    base = {"name": f.name, "label": label, "required": required, "hint": hint}
    kind = f.kind
    if kind == "text":
        return {**base, "widget": "string"}
    if kind == "id":
        return {**base, "widget": "string",
                "pattern": [schema.SLUG.pattern, "Use only lower-case letters, digits and hyphens, "
                            "for example child-in-need"]}
    if kind == "choice":
        return {**base, "widget": "select", "options": list(f.choices),
                **({"default": "draft"} if "draft" in f.choices else {})}
    if kind == "date":
        return _date(f.name, label, required, hint)
    if kind == "months":
        return {**base, "widget": "number", "value_type": "int", "min": 1, "max": 60}
    if kind == "agencies":
        return {**base, "widget": "select", "multiple": True, "options": list(agencies)}
    if kind == "levels":
        return {**base, "widget": "select", "multiple": True,
                "options": [{"label": LEVEL_NAMES[n], "value": n} for n in (1, 2, 3, 4)]}
    if kind == "procedures":
        return {**base, "widget": "relation", "collection": ALL, "multiple": True,
                "value_field": "id", "search_fields": ["title", "keywords", "id"],
                "display_fields": ["title"], "options_length": 50}
    if kind == "list":
        return {**base, "widget": "list", "field": {"name": "item", "label": label, "widget": "string"}}
    if kind == "amendments":
        return {**base, "widget": "list", "add_to_top": True, "summary": "{{fields.date}} — {{fields.summary}}",
                "fields": [_date("date", "Date", True, "The day the change was made (YYYY-MM-DD)."),
                           {"name": "summary", "label": "What changed", "widget": "string",
                            "hint": "One sentence, for “What's changed” and the feed."}]}
    raise ValueError(f"schema field `{f.name}` has kind {kind!r}, which the web editor does not "
                     "know — add it to editor.field_config")


def _defaults(manual: Manual, folder: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    parts = folder.split("/") if folder else []
    for i in range(len(parts) + 1):
        section = manual.sections.get("/".join(parts[:i]))
        if section is not None:
            out.update(section.defaults)
    return out


def fields_for(manual: Manual, folder: str, agencies: Iterable[str]) -> list[dict]:
    defaults = _defaults(manual, folder)
    out = []
    for f in schema.FIELDS:
        given = defaults.get(f.name)
        required = f.required and given is None
        out.append(field_config(f, agencies, required, given))
    out.append({"name": "body", "label": "Text of the procedure", "widget": "markdown",
                "modes": ["raw"], "sanitize_preview": True,
                "hint": "Markdown: ## for a heading, - for a list item, [[neglect]] to link to a procedure by its id "
                        "(here: neglect). See the editors' guide."})
    return out


def _sections(manual: Manual) -> list[Section]:
    folders = {p.section for p in manual.procedures} | {f for f in manual.sections if f}
    out = [manual.sections.get(f) or Section(folder=f, title=f.replace("-", " ").capitalize())
           for f in folders]
    return sorted(out, key=lambda s: (s.order, s.folder))


def _name(folder: str) -> str:
    return "section-" + (folder.replace("/", "--") or "top")


def config(manual: Manual, procedures_dir: str, agencies: Iterable[str], b: Backend,
           site_url: str = "") -> dict:
    """The whole Decap configuration (config.yml), as data."""
    agencies = list(agencies)
    collections = []
    for s in _sections(manual):
        folder = "/".join(x for x in (procedures_dir.strip("/"), s.folder) if x)
        collections.append({
            "name": _name(s.folder), "label": s.title, "label_singular": "procedure",
            "description": s.description, "folder": folder, "extension": "md", "format": "frontmatter",
            "create": True, "delete": False, "slug": "{{fields.id}}", "identifier_field": "title",
            "summary": "{{title}} — {{status}}, last reviewed {{last_reviewed}}",
            "sortable_fields": ["title", "last_reviewed", "status"],
            "view_filters": [{"label": st.capitalize(), "field": "status", "pattern": st}
                             for st in schema.STATUSES],
            "fields": fields_for(manual, s.folder, agencies)})
    depth = max([s.folder.count("/") + 1 for s in _sections(manual)] or [1])
    collections.append({
        "name": ALL, "label": "All procedures", "hide": True, "create": False, "delete": False,
        "folder": procedures_dir.strip("/"), "extension": "md", "format": "frontmatter",
        "path": "/".join(["{{section}}"] * depth + ["{{slug}}"]),  # only its depth is used
        "identifier_field": "title",
        "fields": [{"name": "id", "widget": "string"}, {"name": "title", "widget": "string"},
                   {"name": "keywords", "widget": "list", "required": False}]})
    out: dict[str, Any] = {"media_folder": "docs/assets/images", "public_folder": "/assets/images",
                           "omit_empty_optional_fields": True, "collections": collections,
                           "locale": "en"}
    if site_url:
        out["site_url"] = site_url
        out["display_url"] = site_url
    if b.name == "local":
        out["backend"] = {"name": "proxy", "proxy_url": b.local_url, "branch": "main"}
        out["local_backend"] = {"url": b.local_url, "allowed_hosts": ["localhost", "127.0.0.1"]}
        if b.workflow:
            out["publish_mode"] = "editorial_workflow"
    elif b.name == "github":
        out["backend"] = {"name": "github", "repo": b.repo, "branch": b.branch,
                          "squash_merges": True, "open_authoring": False,
                          **({"base_url": _origin(b.auth_url)} if b.auth_url else {})}
        out["publish_mode"] = "editorial_workflow"
    return out


def bundle_files() -> list[Path]:
    """Decap's own files to copy into site/admin/ (no source maps, not its second build)."""
    if not (DIST / "decap-cms.js").is_file():
        return []
    return sorted(p for p in DIST.iterdir() if p.is_file() and not p.name.endswith(".map")
                  and (p.name.endswith("decap-cms.js") or p.suffix == ".wasm" or p.name == "decap-cms.js.LICENSE.txt"))


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(HERE / "templates")),
                       autoescape=select_autoescape(["html", "j2"]), keep_trailing_newline=True)


def write(site_dir: Path, manual: Manual, procedures_dir: str, agencies: Iterable[str], b: Backend,
          site_name: str, site_url: str = "") -> str:
    """Write site/admin/ (page, config.yml, Decap's files). Returns a one-line status."""
    admin = site_dir / "admin"
    if admin.exists():
        shutil.rmtree(admin)
    admin.mkdir(parents=True)
    files = bundle_files()
    ready = bool(files)
    if ready:
        for src in files:
            shutil.copyfile(src, admin / src.name)
        data = config(manual, procedures_dir, agencies, b, site_url)
        (admin / "config.yml").write_text(
            "# Generated at each build from the front-matter schema (editor.py): do not edit.\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    page = _env().get_template("editor.html.j2").render(
        policy=policy(b), ready=ready, backend=b, site_name=site_name,
        installed=bool(bundle_files()))
    (admin / "index.html").write_text(page, encoding="utf-8")
    if not ready:
        return ("Web editor: Decap CMS is not installed — run `npm ci` in scripts/editor "
                "(bash scripts/dev.sh edit does it)")
    size = sum((admin / f.name).stat().st_size for f in files)
    return f"Web editor: /admin/ ({b.name} backend, {len(files)} files, {size / 1e6:.1f} MB)"


def dump(data: dict) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False)

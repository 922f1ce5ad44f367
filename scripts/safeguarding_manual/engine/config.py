"""The plugin's settings in mkdocs.yml (`plugins: - manual: …`)."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config

from ..content.schema import DEFAULT_AGENCIES


class ManualConfig(Config):
    enabled = c.Type(bool, default=True)
    procedures_dir = c.Type(str, default="procedures")
    # The agencies `applies_to` may name; the "by agency" index follows this order.
    agencies = c.ListOfItems(c.Type(str), default=list(DEFAULT_AGENCIES))
    # Days before the review date at which a page starts to say it is due.
    due_within = c.Type(int, default=60)
    # Build "today" (YYYY-MM-DD) for reproducible builds and tests; empty means the real date.
    today = c.Type(str, default="")
    # A reviewers' preview: drafts are built, with a DRAFT banner, into `preview_dir` (never
    # into the public site). Also switched on by the environment variable MANUAL_PREVIEW=1.
    preview = c.Type(bool, default=False)
    preview_dir = c.Type(str, default="site-preview")
    # Use a second CPU core in full builds: a helper process parses pages' Markdown ahead of
    # MkDocs and checks the finished pages (prerender.py). The site is the same either way.
    parallel = c.Type(bool, default=True)
    # Keep parsed pages between builds, in the user's cache folder (treecache.py): a page
    # whose text and Markdown settings have not changed is not parsed again. The site is the
    # same either way. Also switched off by the environment variable MANUAL_CACHE=0.
    cache = c.Type(bool, default=True)
    # Earlier versions of procedures from git history (versions.py); never in `serve --dirty`.
    versions = c.Type(bool, default=True)
    # Link each procedure page to its PDF and the contents page to the whole-manual PDF
    # (pdf.py). Only publish.py makes the PDFs, and it switches this on (MANUAL_PDF=1), so a
    # plain build or a preview never links to a PDF that is not there.
    pdf = c.Type(bool, default=False)
    # Index the built site for search with Pagefind (search.py). Off only for quick test builds.
    search = c.Type(bool, default=True)
    # The web editor at /admin/ (editor.py). On the published site it works through pull
    # requests on this GitHub repository ("owner/name"); empty: the local editor, which
    # connects only where decap-server runs (bash scripts/dev.sh edit). `editor_auth_url`:
    # the sign-in (OAuth) server Decap uses for GitHub, if not Netlify's. `mkdocs serve` and
    # MANUAL_EDITOR=local always connect it to decap-server on this computer.
    editor_repo = c.Type(str, default="")
    editor_branch = c.Type(str, default="main")
    editor_auth_url = c.Type(str, default="")
    # Repository-relative prefix of the docs folder for "edit this page" links.
    docs_edit_prefix = c.Type(str, default="docs/")

"""The web editor's configuration comes from the one front-matter schema, and its page keeps
to its own policy. (The editor in a browser: tests/browser/test_web_editor.py.)"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import markupsafe
import pytest
import yaml

from helpers import REPO, build
from hostile_payloads import PAYLOADS
from safeguarding_manual.website import editor
from safeguarding_manual.content import schema
from safeguarding_manual.content.loader import load_manual
from safeguarding_manual.content.model import Manual, Section

LOCAL = editor.backend(True, port=8123)
GITHUB = editor.backend(False, repo="example-org/manual", branch="main")


@pytest.fixture(scope="module")
def manual() -> Manual:
    return load_manual(REPO, "procedures")


def _config(manual, b=LOCAL, agencies=schema.DEFAULT_AGENCIES) -> dict:
    return editor.config(manual, "procedures", agencies, b)


def _fields(collection: dict) -> dict[str, dict]:
    return {f["name"]: f for f in collection["fields"]}


def test_one_collection_per_section_folder_creating_files_there(manual):
    cfg = _config(manual)
    sections = {c["folder"]: c for c in cfg["collections"] if not c.get("hide")}
    folders = {"procedures/" + p.section for p in manual.procedures}
    assert set(sections) == folders
    for folder, c in sections.items():
        assert c["create"] is True and c["extension"] == "md" and c["format"] == "frontmatter"
        assert c["slug"] == "{{fields.id}}"  # the file is named after the id
        assert c["label"] == manual.sections[folder.split("/", 1)[1]].title


def test_every_schema_field_has_a_form_input_with_the_schemas_help_and_required_flag(manual):
    cfg = _config(manual)
    for c in (c for c in cfg["collections"] if not c.get("hide")):
        fields = _fields(c)
        assert list(fields) == [*schema.FIELD_NAMES, "body"], "the editor and the schema disagree"
        defaults = editor._defaults(manual, c["folder"].split("/", 1)[1])
        for f in schema.FIELDS:
            got = fields[f.name]
            assert got["required"] is (f.required and f.name not in defaults), f.name
            assert f.description.replace("`", "") in got["hint"]
        assert fields["body"]["widget"] == "markdown" and fields["body"]["modes"] == ["raw"]
        assert fields["body"]["sanitize_preview"] is True


def test_widgets_match_the_kind_of_each_field(manual):
    fields = _fields(_config(manual, agencies=("Police", "Health"))["collections"][0])
    for name in ("last_reviewed", "approved_on", "next_review", "consultation_ends"):
        assert fields[name]["widget"] == "datetime"
        assert fields[name]["format"] == "YYYY-MM-DD" and fields[name]["time_format"] is False
    assert fields["status"]["widget"] == "select" and fields["status"]["options"] == list(schema.STATUSES)
    assert fields["status"]["default"] == "draft"  # a new procedure starts as a draft
    levels = fields["threshold_levels"]
    assert levels["multiple"] and [o["value"] for o in levels["options"]] == [1, 2, 3, 4]
    assert fields["applies_to"]["multiple"] and fields["applies_to"]["options"] == ["Police", "Health"]
    rel = fields["related"]
    assert rel["widget"] == "relation" and rel["value_field"] == "id" and rel["multiple"]
    assert {"title", "keywords"} <= set(rel["search_fields"])
    target = next(c for c in _config(manual)["collections"] if c["name"] == rel["collection"])
    assert target["hide"] and target["folder"] == "procedures" and target["create"] is False
    depth = len(target["path"].split("/"))  # Decap lists this many folder levels
    assert depth >= 1 + max(p.section.count("/") + 1 for p in manual.procedures)
    for name in ("keywords", "legislation"):  # one input per item: legislation holds commas
        assert fields[name]["widget"] == "list" and fields[name]["field"]["widget"] == "string"
    am = fields["amendments"]
    assert am["widget"] == "list" and [f["name"] for f in am["fields"]] == ["date", "summary"]
    assert am["fields"][0]["widget"] == "datetime"
    assert fields["review_every"]["widget"] == "number" and fields["review_every"]["value_type"] == "int"
    assert fields["id"]["pattern"][0] == schema.SLUG.pattern


def test_a_new_schema_field_appears_in_the_forms_without_a_second_edit(manual, monkeypatch):
    extra = schema.Field("audience_note", schema._text, False, "Who should read it first.", "Managers")
    monkeypatch.setattr(schema, "FIELDS", (*schema.FIELDS, extra))
    fields = _fields(_config(manual)["collections"][0])
    assert fields["audience_note"]["widget"] == "string"
    assert fields["audience_note"]["hint"] == "Who should read it first."
    odd = dataclasses.replace(extra, name="odd", kind="colour")
    monkeypatch.setattr(schema, "FIELDS", (*schema.FIELDS, odd))
    with pytest.raises(ValueError, match="kind 'colour'"):
        _config(manual)


def test_production_editor_works_through_pull_requests(manual):
    cfg = _config(manual, GITHUB)
    assert cfg["backend"]["name"] == "github" and cfg["backend"]["repo"] == "example-org/manual"
    assert cfg["publish_mode"] == "editorial_workflow"
    assert "local_backend" not in cfg
    assert editor.policy(GITHUB).count("connect-src 'self' https://api.github.com;") == 1
    local = _config(manual, LOCAL)
    assert local["backend"]["proxy_url"] == "http://127.0.0.1:8123/api/v1"
    assert "connect-src 'self' http://127.0.0.1:8123;" in editor.policy(LOCAL)


def test_hostile_section_titles_and_agencies_stay_data(manual, tmp_path):
    hostile = [p.text for p in PAYLOADS]
    m = Manual(root=str(REPO))
    m.procedures = manual.procedures
    m.sections = {"": Section(folder="", title="top")}
    for i, p in enumerate(hostile):
        m.sections[f"s{i}"] = Section(folder=f"s{i}", title=p, description=p)
    data = editor.config(m, "procedures", tuple(hostile), LOCAL)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    assert yaml.safe_load(text) == data  # YAML-breaking text round-trips as text
    for name in hostile:
        status = editor.write(tmp_path, m, "procedures", tuple(hostile), LOCAL, site_name=name)
        page = (tmp_path / "admin" / "index.html").read_text(encoding="utf-8")
        assert re.findall(r"<script\b[^>]*>", page) in ([], ['<script src="decap-cms.js">'])
        assert f"<title>Web editor – {markupsafe.escape(name)}</title>" in page
        assert "Web editor" in status


def test_without_a_repository_the_editor_is_the_local_one(manual, tmp_path):
    b = editor.backend(False)
    assert b.name == "local" and b.connect == ["http://127.0.0.1:8081"]
    editor.write(tmp_path, manual, "procedures", schema.DEFAULT_AGENCIES, b, "Manual")
    cfg = yaml.safe_load((tmp_path / "admin" / "config.yml").read_text(encoding="utf-8"))
    assert cfg["backend"]["proxy_url"] == "http://127.0.0.1:8081/api/v1"
    assert "publish_mode" not in cfg


def test_missing_bundle_says_how_to_install_it(manual, tmp_path, monkeypatch):
    monkeypatch.setattr(editor, "DIST", tmp_path / "nowhere")
    status = editor.write(tmp_path, manual, "procedures", schema.DEFAULT_AGENCIES, LOCAL, "Manual")
    page = (tmp_path / "admin" / "index.html").read_text(encoding="utf-8")
    assert "not installed" in page and "<script" not in page and "npm ci" in status
    assert sorted(p.name for p in (tmp_path / "admin").iterdir()) == ["index.html"]


@pytest.mark.slow
def test_built_site_editor_page_is_apart_from_the_site(real_site):
    admin = real_site / "admin" / "index.html"
    page = admin.read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "Content-Security-Policy" in page and '<script src="decap-cms.js"></script>' in page
    assert (real_site / "admin" / "decap-cms.js").stat().st_size > 1_000_000
    assert "backend:" in (real_site / "admin" / "config.yml").read_text(encoding="utf-8")
    # no other page is allowed what the editor needs
    for other in real_site.rglob("*.html"):
        if "admin" not in other.relative_to(real_site).parts:
            assert " 'unsafe-eval'" not in other.read_text(encoding="utf-8")[:3000], other
    assert "/admin" not in (real_site / "sitemap.xml").read_text(encoding="utf-8")
    offline = json.loads((real_site / "offline.json").read_text(encoding="utf-8"))
    assert not [f for f in offline["files"] if "admin" in json.dumps(f)]
    assert "/admin" not in (real_site / "pagefind" / "wf-search.json").read_text(encoding="utf-8")
    for src in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert not re.match(r"^(?:[a-z]+:)?//", src), f"the editor page loads {src} from elsewhere"


def test_bad_editor_settings_are_refused_with_the_line(project):
    cfg = project / "mkdocs.yml"
    text = cfg.read_text(encoding="utf-8")
    for key, value, words in (("editor_repo", '"not a repo <x>"', "owner/name"),
                              ("editor_auth_url", '"http://insecure.example"', "https://"),
                              ("editor_branch", '"main; rm -rf"', "branch name")):
        cfg.write_text(re.sub(r"(- manual:\n)", rf"\1      {key}: {value}\n", text, count=1), encoding="utf-8")
        run = build(project)
        assert run.returncode != 0
        out = run.stdout + run.stderr
        assert f"plugins.manual.{key}" in out and words in out and "Traceback" not in out, out[-800:]


def test_the_guides_screenshots_exist_and_are_taken_by_the_suite():
    guide = (REPO / "docs" / "editors" / "index.md").read_text(encoding="utf-8")
    shots = re.findall(r"\]\(images/([a-z0-9-]+)\.png\)", guide)
    taker = (REPO / "tests" / "browser" / "test_web_editor.py").read_text(encoding="utf-8")
    assert len(set(shots)) >= 5
    for name in shots:
        assert (REPO / "docs" / "editors" / "images" / f"{name}.png").is_file(), name
        assert f'"{name}"' in taker, f"{name}.png is not taken by tests/browser/test_web_editor.py"
    for task in ("Change a review date", "Add a procedure", "Fix a problem the checks report",
                 "Send a procedure for approval", "What happens at publishing"):
        assert f"\n## {task}\n" in guide

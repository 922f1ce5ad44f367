"""End-to-end builds of a fixture manual in tmp_path, asserting on the HTML a reader gets."""

import json
import re
from pathlib import Path

from helpers import build


def html(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def test_fixture_site_builds_with_procedures_panel_nav_and_edit_links(project):
    result = build(project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    page = html(site, "procedures/core/neglect")
    # the metadata panel, computed by the plugin and presented by the template
    assert "Scope of this procedure:</strong> How to recognise and respond to neglect." in page
    panel = re.search(r'<dl class="wf-meta">(.*?)</dl>', page, re.S).group(1)
    text = re.sub(r"<[^>]+>", " ", panel)
    text = re.sub(r"\s+", " ", text)
    for expected in ["Approved, version 2.1", "Partnership Procedures Group",
                     "Safeguarding Accountability Meeting, 1 April 2025", "Last reviewed 1 June 2025",
                     "Next review 1 June 2026", "All practitioners, Health", "Early help"]:
        assert expected in text, (expected, text)
    # the section default (12 months) beat the root default (24): overdue on 2026-11-22
    assert 'data-state="overdue"' in page and "remains in force until it is replaced" in page
    # edit link to the real source file, not a docs/ path
    assert 'href="https://git.example.org/partnership/manual/edit/main/procedures/core/neglect.md"' in page
    # related procedure listed by title, with a working relative link
    assert '<a href="../early-help/">Early help</a>' in page
    # breadcrumb: procedures › section
    assert 'aria-label="Breadcrumb"' in page and ">Core procedures</a>" in page
    # a reference with an anchor becomes a link to the heading
    assert 'href="../early-help/#what-to-do"' in page
    # the sidebar lists the section, not each procedure (pages do not grow with the manual)
    nav = page.split('md-nav--primary', 1)[1].split('md-sidebar--secondary', 1)[0]
    assert "Core procedures" in nav and "early-help/" not in nav


def test_contents_page_lists_every_published_procedure_with_its_date(project):
    assert build(project).returncode == 0
    contents = html(project / "site", "procedures")
    assert re.search(r'<a href="core/neglect/">Neglect</a></td>\s*<td>1 June 2025</td>', contents)
    assert re.search(r'<a href="core/early-help/">Early help</a></td>\s*<td>1 December 2024</td>', contents)


def test_references_contacts_and_placeholders_render_on_hand_written_pages(project):
    assert build(project).returncode == 0
    home = html(project / "site", "")
    assert '<a href="procedures/core/neglect/">Neglect</a>' in home
    assert '<a href="procedures/core/neglect/">the neglect procedure</a>' in home
    assert '<a href="tel:999">999</a>' in home
    # a route with no published number links to its public page; one with neither is a placeholder
    assert '<a href="https://manual.example.org/report">Children\'s hub (online)</a>' in home.replace("&#x27;", "'")
    assert "LADO: to be confirmed" in home
    assert "<code>[[neglect]]</code>" in home  # code is left alone


def test_drafts_are_not_published_anywhere(project):
    assert build(project).returncode == 0
    site = project / "site"
    for file in site.rglob("*"):
        if file.is_file() and file.suffix in (".html", ".json", ".xml"):
            assert "DRAFT-SENTINEL-7f3a" not in file.read_text(encoding="utf-8", errors="ignore"), file
    assert not (site / "procedures/core-archive/old-procedure").exists()


def test_reviews_json_and_atom_feed(project):
    assert build(project).returncode == 0
    site = project / "site"
    data = json.loads((site / "reviews.json").read_text())
    by_id = {d["id"]: d for d in data["documents"]}
    assert by_id["early-help"]["next_review"] == "2025-12-01"
    assert by_id["early-help"]["status"] == "overdue"
    from xml.etree import ElementTree as ET
    feed = ET.parse(site / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = feed.find("a:entry", ns)
    assert entry.find("a:link", ns).get("href") == "https://manual.example.org/procedures/core/neglect/"
    assert entry.find("a:title", ns).text == "Neglect: Added the neglect toolkit."


def test_an_invalid_procedure_fails_the_strict_build_with_file_and_line(project):
    bad = project / "procedures/core/neglect.md"
    bad.write_text(bad.read_text().replace("last_reviewed: 2025-06-01", "last_reviewed: 2025-06-01\nnext_review: 2025-02-30")
                   .replace("review_every", "x"), encoding="utf-8")
    result = build(project)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert 'procedures/core/neglect.md:9: next_review: "2025-02-30" is not a real date — use YYYY-MM-DD' in out
    assert "Traceback" not in out
    assert out.count("ERROR") == 1  # references to it are not reported again


def test_an_unknown_reference_fails_the_strict_build(project):
    index = project / "docs/index.md"
    index.write_text(index.read_text() + "\nSee [[neglct]].\n", encoding="utf-8")
    result = build(project)
    assert result.returncode != 0
    assert "docs/index.md:6: [[neglct]] is not a procedure id or page — did you mean `neglect`?" in result.stderr


def test_the_real_site_builds_strictly(real_site):
    assert (real_site / "index.html").is_file()
    page = html(real_site, "procedures/core/strategy-discussions")
    assert "Scope of this procedure" in page
    # procedure pages stay small: the sidebar holds sections, never one link per procedure
    assert len(page.encode()) < 60_000
    nav = page.split('md-nav--primary', 1)[1].split('md-sidebar--secondary', 1)[0]
    assert re.findall(r'href="[^"]*(?:core|practice-guidance)/[a-z0-9-]+/"', nav) == []
    assert "Core child protection procedures" in nav and "Practice guidance" in nav


def test_preview_builds_drafts_with_a_banner_into_a_separate_folder(project):
    import subprocess
    import sys
    from helpers import ENV
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=project,
                            capture_output=True, text=True, env={**ENV, "MANUAL_PREVIEW": "1"})
    assert result.returncode == 0, result.stderr
    assert not (project / "site").exists()  # the public folder is never touched
    draft = html(project / "site-preview", "procedures/core-archive/old-procedure")
    assert "DRAFT-SENTINEL-7f3a" in draft and "<strong>DRAFT</strong>" in draft


def test_images_beside_a_procedure_are_published_with_it(project):
    images = project / "procedures/core/neglect-images"
    images.mkdir()
    (images / "image1.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    page = project / "procedures/core/neglect.md"
    page.write_text(page.read_text() + "\n![Referral flow chart](neglect-images/image1.png)\n", encoding="utf-8")
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert (project / "site/procedures/core/neglect-images/image1.png").is_file()
    assert '<img alt="Referral flow chart" src="../neglect-images/image1.png"' in html(project / "site", "procedures/core/neglect")


def test_serve_watches_the_procedures_folder(project):
    from mkdocs.config import load_config
    config = load_config(str(project / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    assert str((project / "procedures").resolve()) in config.watch


def test_pages_declare_british_english_without_javascript(real_site):
    assert '<html lang="en-GB"' in (real_site / "index.html").read_text(encoding="utf-8")

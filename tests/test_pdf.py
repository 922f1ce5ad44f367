"""The manual as PDF (pdf.py), made by publish.py: read back with pypdf.

One publish of the minimal fixture (with a procedure for consultation, a hostile title and a
draft) serves most tests; one slow test makes the real manual's PDFs."""

from __future__ import annotations

import http.server
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pypdf
import pytest

from helpers import ENV, REPO
from hostile_payloads import copy_minimal
from safeguarding_manual.content import corpus as content_mod
from safeguarding_manual.website import pdf
from safeguarding_manual.tools import publish

HOSTILE = "Early help </title><b>x <script>alert(1)</script>"
TODAY = "22 November 2026"  # plugins.manual.today in the fixture


def squash(text: str) -> str:
    """Text without any white space: pypdf puts spaces and line breaks where layout does."""
    return re.sub(r"\s+", "", text)


def texts(path: Path) -> list[str]:
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _TEXTS:  # pypdf reads ~20 pages a second: each file is read once
        _TEXTS[key] = [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]
    return _TEXTS[key]


_TEXTS: dict[tuple[str, int], list[str]] = {}


def outline(reader: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) for every bookmark, in order."""
    out = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item) + 1))
    walk(reader.outline, 0)
    return out


def check_contents(path: Path, titles: list[str]) -> dict[str, int]:
    """Every title is on the contents pages with a page number, and that page starts with it."""
    pages = texts(path)
    marks = outline(pypdf.PdfReader(path))
    first = next(p for d, t, p in marks if d == 0 and t == "Contents")
    after = min(p for d, t, p in marks if d == 0 and t != "Contents")  # the first section
    toc = squash("".join(pages[first - 1:after - 1]))
    where = {}
    for title in titles:
        m = re.search(re.escape(squash(title)) + r"\.{3,}(\d+)", toc)
        assert m, f"{title!r} is not on the contents page"
        number = int(m.group(1))
        assert squash(pages[number - 1]).startswith(squash(title)), \
            f"{title!r}: the contents say page {number}, which starts {pages[number - 1][:80]!r}"
        where[title] = number
    return where


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    project = copy_minimal(tmp_path_factory.mktemp("pdf") / "project")
    page = project / "procedures/core/early-help.md"
    text = page.read_text(encoding="utf-8")
    text = text.replace("status: approved\napproved_on: 2025-04-01\n", "status: consultation\n")
    text = text.replace("title: Early help\n", 'title: "' + HOSTILE.replace('"', '\\"') + '"\n')
    page.write_text(text, encoding="utf-8")
    assert publish.publish(project) == 0
    return project


def test_the_whole_manual_has_a_bookmark_for_every_section_and_procedure(published):
    reader = pypdf.PdfReader(published / "site/pdf/esp-procedures-manual.pdf")
    marks = outline(reader)
    assert (0, "Contents", 2) in marks
    sections = [(t, p) for d, t, p in marks if d == 0 and t != "Contents"]
    assert [t for t, _ in sections] == ["Core procedures"]
    procedures = [t for d, t, _ in marks if d == 1]
    assert procedures == [HOSTILE, "Neglect"]  # by title, as on the contents page
    assert "Old procedure" not in [t for _, t, _ in marks]
    # PDF/UA: tagged, in British English, with a title
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB" and root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert 'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data().decode()
    assert reader.metadata.title.startswith("Example Safeguarding Partnership — Multi-agency")


def test_the_contents_give_the_page_each_procedure_starts_on(published):
    where = check_contents(published / "site/pdf/esp-procedures-manual.pdf", [HOSTILE, "Neglect"])
    assert where[HOSTILE] < where["Neglect"]


def test_every_page_says_uncontrolled_with_the_date_and_its_number(published):
    files = sorted((published / "site/pdf").glob("*.pdf"))
    assert [f.name for f in files] == ["early-help.pdf", "esp-procedures-manual.pdf", "neglect.pdf"]
    for file in files:
        pages = texts(file)
        for n, text in enumerate(pages, start=1):
            assert "Uncontrolled when printed — check the online version" in text, (file.name, n)
            assert TODAY in text and f"Page {n} of {len(pages)}" in text, (file.name, n, text[-200:])


def test_the_cover_and_the_consultation_notices(published):
    pages = texts(published / "site/pdf/esp-procedures-manual.pdf")
    cover = " ".join(pages[0].split())
    assert "Example Safeguarding Partnership" in cover and "Multi-agency safeguarding children procedures" in cover
    assert f"Made on {TODAY}" in cover
    assert "Status: Draft for consultation — not yet approved by the partnership" in cover
    notice = "Draft for consultation — not yet approved by the partnership."
    start = {t: n for t, n in check_contents(published / "site/pdf/esp-procedures-manual.pdf",
                                             [HOSTILE, "Neglect"]).items()}
    assert notice in pages[start[HOSTILE] - 1]
    assert notice not in pages[start["Neglect"] - 1]  # approved: no notice
    single = texts(published / "site/pdf/early-help.pdf")
    assert notice in single[0] and "Draft for consultation · Last reviewed 1 December 2024" in single[0]
    neglect = texts(published / "site/pdf/neglect.pdf")[0]
    assert "Version 2.1 · Approved · Last reviewed 1 June 2025" in neglect and notice not in neglect


def test_text_reads_in_order_title_first(published):
    for file, title in (("neglect.pdf", "Neglect"), ("early-help.pdf", HOSTILE)):
        text = squash(texts(published / "site/pdf" / file)[0])
        assert text.index(squash(title)) < text.index("Scopeofthisprocedure") < text.index("Whattodo")
    text = squash(texts(published / "site/pdf/neglect.pdf")[0])
    assert text.index("Whattodo") < text.index("1.Talktoyour") < text.index("Neglectisthepersistent")


def test_hostile_titles_are_text_in_every_pdf(published):
    for file in ("esp-procedures-manual.pdf", "early-help.pdf"):
        joined = squash("".join(texts(published / "site/pdf" / file)))
        assert squash(HOSTILE) in joined
    reader = pypdf.PdfReader(published / "site/pdf/early-help.pdf")
    assert reader.metadata.title == f"{HOSTILE} — Example Safeguarding Partnership"
    assert outline(reader)[0][1] == HOSTILE


def test_no_draft_in_any_pdf_and_one_pdf_per_published_procedure(published):
    content = content_mod.load(content_mod.Settings.from_mkdocs_yml(published))
    ids = {p.id for p in content.manual.published}
    assert ids == {"early-help", "neglect"}
    assert {f.stem for f in (published / "site/pdf").glob("*.pdf")} == ids | {"esp-procedures-manual"}
    for file in (published / "site/pdf").glob("*.pdf"):
        joined = "".join(texts(file))
        assert "DRAFT-SENTINEL" not in joined and "Old procedure" not in joined


def _uris(path: Path) -> list[str]:
    out = []
    for page in pypdf.PdfReader(path).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action and "/URI" in action:
                out.append(str(action["/URI"]))
    return out


def test_links_between_procedures_stay_inside_the_pdf(published):
    whole = _uris(published / "site/pdf/esp-procedures-manual.pdf")
    # Only each procedure's "Online version" line goes to the web; related procedures and
    # references ("Back to Neglect") are links inside the PDF.
    assert sorted(u for u in whole if "/procedures/core/" in u) == [
        "https://manual.example.org/procedures/core/early-help/", "https://manual.example.org/procedures/core/neglect/"]
    internal = [a for page in pypdf.PdfReader(published / "site/pdf/esp-procedures-manual.pdf").pages
                for a in (page.get("/Annots") or []) if "/Dest" in a.get_object()
                or (a.get_object().get("/A") or {}).get("/S") == "/GoTo"]
    assert len(internal) >= 2 + 4  # the contents (2), each related procedure (2) and reference (2)
    assert "https://manual.example.org/" in whole  # a page not in the PDF (here the home page): the web
    single = _uris(published / "site/pdf/early-help.pdf")
    assert "https://manual.example.org/procedures/core/neglect/" in single
    assert not [u for u in whole + single if u.startswith("file:")]


def test_published_pages_link_to_their_pdfs_and_plain_builds_do_not(published, tmp_path):
    site = published / "site"
    page = (site / "procedures/core/neglect/index.html").read_text(encoding="utf-8")
    assert '<a href="../../../pdf/neglect.pdf" type="application/pdf">Download this procedure as a PDF</a>' in page
    contents = (site / "procedures/index.html").read_text(encoding="utf-8")
    assert 'href="../pdf/esp-procedures-manual.pdf"' in contents and "Download the whole manual as one PDF" in contents
    env = {k: v for k, v in ENV.items() if k != "MANUAL_PDF"}
    out = tmp_path / "plain"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
                            cwd=published, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    for built in (out / "procedures/core/neglect/index.html", out / "procedures/index.html"):
        assert ".pdf" not in built.read_text(encoding="utf-8")
    assert not (out / "pdf").exists()


@pytest.mark.parametrize("failure", [pdf.PdfError("the engine is out of paper"), RuntimeError("boom\nline two")])
def test_a_failing_pdf_step_leaves_the_last_good_site(project, monkeypatch, capsys, failure):
    assert publish.publish(project) == 0
    site = project / "site"
    good = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert "pdf/esp-procedures-manual.pdf" in good
    capsys.readouterr()

    def broken(*args, **kwargs):
        raise failure
    monkeypatch.setattr(pdf, "make_for_project", broken)
    assert publish.publish(project) == 1
    err = capsys.readouterr().err
    assert "Not published: the PDFs of the manual could not be made:" in err
    assert "The current site is unchanged." in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1  # one paragraph
    assert {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()} == good
    assert sorted(p.name for p in project.iterdir() if p.name.startswith("site")) == ["site"]


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def trap(monkeypatch):
    """A server on this machine that records any request, and a guard on every connection."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    lookups: list[object] = []
    real_getaddrinfo = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        lookups.append(host)
        return real_getaddrinfo(host, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", lookups
    finally:
        server.shutdown()
        server.server_close()


def test_nothing_is_fetched_from_the_network_or_outside_the_site(published, tmp_path, trap):
    base, lookups = trap
    site = tmp_path / "site"
    shutil.copytree(published / "site", site)
    page = site / "procedures/core/neglect/index.html"
    # As if these had survived sanitising: remote and outside pictures, styles, a stylesheet.
    planted = (f'<img src="https://evil.example/x.png" alt="evil picture"><img src="{base}/img.png">'
               f'<img src="../../../../../../../etc/hostname"><img src="file:///etc/hostname">'
               f'<link rel="stylesheet" href="{base}/a.css"><style>@import url({base}/b.css);</style>'
               f'<p style="background: url({base}/bg.png)">planted</p>')
    html_ = page.read_text(encoding="utf-8")
    page.write_text(html_.replace('<h2 id="scope"', planted + '<h2 id="scope"', 1), encoding="utf-8")
    result = pdf.make(site, content_mod.load(content_mod.Settings.from_mkdocs_yml(published)),
                      pdf.Project.from_mkdocs_yml(published), only=["neglect"])
    text = "".join(texts(site / "pdf/neglect.pdf"))
    assert "[evil picture]" in text and "planted" in text
    # The fetcher itself refuses anything but a file inside the site, whatever asks.
    from weasyprint import HTML
    fetcher = pdf.site_fetcher(site)
    doc = (f'<html lang="en-GB"><head><title>t</title><link rel="stylesheet" href="{base}/c.css">'
           f'<style>@import url("{base}/d.css"); body {{ background: url({base}/e.png) }}'
           f'@font-face {{ font-family: X; src: url(https://evil.example/f.woff) }}</style></head>'
           f'<body style="font-family: X"><img src="{base}/f.png"><img src="file:///etc/hostname">'
           f'<img src="data:image/png;base64,iVBORw0KGgo="><img src="assets/../../outside.png"></body></html>')
    HTML(string=doc, base_url=site.as_uri() + "/", url_fetcher=fetcher).write_pdf()
    assert any(u.startswith(base) for u in fetcher.refused) and "file:///etc/hostname" in fetcher.refused
    assert "https://evil.example/f.woff" in fetcher.refused
    assert _Recorder.hits == [] and not [h for h in lookups if h not in ("127.0.0.1", "localhost")]
    assert not [u for u in result.refused if u.startswith(("http", "data"))]  # dropped before fetching


@pytest.fixture(scope="module")
def real_pdfs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("real-pdf") / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
                            cwd=REPO, capture_output=True, text=True, env={**ENV, "MANUAL_PDF": "1"},
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    pdf.make_for_project(REPO, out)
    return out


@pytest.mark.slow
def test_the_real_manual_as_pdf(real_pdfs):
    content = content_mod.load(content_mod.Settings.from_mkdocs_yml(REPO))
    published = [p for p in content.manual.published]
    assert len(published) >= 40
    whole = real_pdfs / "pdf/wfscp-procedures-manual.pdf"
    reader = pypdf.PdfReader(whole)
    marks = outline(reader)
    titles = [" ".join(p.title.split()) for p in published]
    assert sorted(t for d, t, _ in marks if d == 1) == sorted(titles)
    sections = {content.manual.sections[p.section].title for p in published}
    assert {t for d, t, _ in marks if d == 0} == sections | {"Contents"}
    where = check_contents(whole, titles)
    assert len(set(where.values())) == len(titles)  # each from a page of its own
    pages = texts(whole)
    for n, text in enumerate(pages, start=1):
        assert "Uncontrolled when printed" in text and f"Page {n} of {len(pages)}" in text, n
    for p in published:
        if p.status == "consultation":
            assert "Draft for consultation — not yet approved by the partnership." in pages[where[" ".join(p.title.split())] - 1]
        single = real_pdfs / "pdf" / f"{p.id}.pdf"
        assert single.is_file(), p.id
        page = (real_pdfs / pdf.page_url(p.site_path) / "index.html").read_text(encoding="utf-8")
        assert f'pdf/{p.id}.pdf" type="application/pdf">Download this procedure as a PDF' in page
    for p in content.manual.procedures:
        if p.status not in ("approved", "consultation"):  # drafts and archived: never a PDF
            assert not (real_pdfs / "pdf" / f"{p.id}.pdf").exists()
            assert " ".join(p.title.split()) not in [t for _, t, _ in marks]

"""The content: the arrangements published completely, the Threshold of Need data and pages,
the procedures library, acronyms expanded site-wide from the glossary."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from helpers import REPO
from safeguarding_manual.content import data
from safeguarding_manual.content.corpus import Settings, load
from safeguarding_manual.website.pages import Renderer

EXPECTED = yaml.safe_load((REPO / "tests/data/arrangements_expected.yml").read_text(encoding="utf-8"))


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "nav", "header", "footer"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "nav", "header", "footer") and self.skip:
            self.skip -= 1

    def handle_data(self, d):
        if not self.skip:
            self.parts.append(d)


def main_text(page: str) -> str:
    body = page.split('<article class="md-content__inner md-typeset">', 1)[-1].split("</article>", 1)[0]
    parser = _Text()
    parser.feed(body)
    text = "".join(parser.parts)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text)


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\u2019", "'").replace("\u2018", "'")).strip()


@pytest.fixture(scope="module")
def arrangements_text(real_site) -> str:
    return " ".join(main_text(p.read_text(encoding="utf-8"))
                    for p in sorted((real_site / "arrangements").rglob("index.html")))


@pytest.mark.parametrize("kind", ["headings", "figures", "list_items", "signatories"])
def test_every_section_list_item_figure_and_signatory_is_published(arrangements_text, kind):
    missing = [s for s in EXPECTED[kind] if norm(s) not in arrangements_text]
    assert missing == []
    assert len(EXPECTED[kind]) >= {"headings": 26, "figures": 10, "list_items": 60, "signatories": 3}[kind]


def test_the_figures_named_by_the_issue_are_there(arrangements_text):
    for figure in ["3,760 square km", "43,300", "2,400", "148", "four homes", "two short breaks homes",
                   "2 nursery schools", "122 primary schools", "20 secondary schools", "3 special schools"]:
        assert figure in arrangements_text, figure


def test_every_arrangements_section_has_a_stable_anchor(real_site):
    for heading in EXPECTED["headings"]:
        anchor = data.slug(heading.replace("–", ""))
        page = real_site / "arrangements" / anchor / "index.html"
        assert f'id="{anchor}"' in page.read_text(encoding="utf-8"), anchor


def test_structure_chart_is_an_accessible_diagram_with_a_text_equivalent(real_site):
    page = (real_site / "arrangements/appendix-1-structure/index.html").read_text(encoding="utf-8")
    text = main_text(page)
    for body in ["Joint Lead Safeguarding Partners meeting", "Safeguarding Accountability Meeting",
                 "Delegated safeguarding partners", "Independent Scrutineer", "young scrutineers",
                 "quality assurance group", "task and finish groups", "Learning Alliance",
                 "child death overview panel", "Relevant agencies", "Safeguarding Adults Board",
                 "Community Safety Partnerships", "Family Justice Board", "MAPPA", "Health and Wellbeing Boards"]:
        assert body.lower() in text.lower(), body
    assert '<ul class="wf-org__tree">' in page and "<figcaption" in page


def test_the_arrangements_review_dates_are_data_the_checker_reads():
    content = load(Settings.from_mkdocs_yml(REPO))
    doc = next(d for d in content.reviewables if d.id == "arrangements")
    assert (str(doc.last_reviewed), str(doc.next_review)) == ("2025-03-31", "2025-12-01")


# --- Threshold of Need -----------------------------------------------------------------

def write_threshold(tmp_path: Path, text: str) -> Path:
    (tmp_path / "_data").mkdir(parents=True, exist_ok=True)
    (tmp_path / "_data/threshold.yml").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_real_threshold_data_is_complete():
    threshold, findings = data.load_threshold(REPO / "docs")
    assert findings == []
    assert [lv.title for lv in threshold.levels] == [
        "Level 1: Universal", "Level 2: Early Help", "Level 3: Targeted Early Help", "Level 4: Specialist"]
    assert [d.title for d in threshold.domains] == [
        "The child's developmental needs", "Parenting capacity", "Family and environmental factors"]
    for lv in threshold.levels:
        assert all(len(lv.indicators[d.id]) >= 5 for d in threshold.domains), lv.title
        assert lv.what_to_do and lv.examples and lv.who


@pytest.mark.parametrize("mutate, message", [
    (lambda t: t.replace("level: 4\n", "level: 5\n", 1), 'level "5" must be a whole number from 1 to 4'),
    (lambda t: t.replace("  parenting-capacity:\n", "  parenting-capacty:\n", 1),
     "`parenting-capacty` is not a domain — did you mean `parenting-capacity`?"),
    (lambda t: t.replace("last_reviewed: 2025-04-01", "last_reviewed: 2025-04-31", 1),
     'last_reviewed: "2025-04-31" is not a real date'),
])
def test_threshold_schema_errors_name_file_and_line(tmp_path, mutate, message):
    text = (REPO / "docs/_data/threshold.yml").read_text(encoding="utf-8")
    changed = mutate(text)
    assert changed != text
    _, findings = data.load_threshold(write_threshold(tmp_path, changed))
    assert findings, "expected a finding"
    f = findings[0]
    assert f.path == "docs/_data/threshold.yml" and message in f.message
    # the reported line really holds the mistake
    line = changed.splitlines()[f.line - 1]
    assert any(word in line for word in ("level", "parenting-capacty", "2025-04-31", "indicators")), line


def test_a_level_page_renders_indicators_actions_examples_and_procedures():
    content = load(Settings.from_mkdocs_yml(REPO))
    import datetime as dt
    page = Renderer(content, dt.date(2026, 11, 22)).pages()["threshold/level-3.md"]
    import yaml
    assert yaml.safe_load(page.split("---\n")[1])["title"] == "Level 3: Targeted Early Help"
    for heading in ["## Who the children are", "## Indicators", "### The child's developmental needs",
                    "### Parenting capacity", "### Family and environmental factors",
                    "## What you should do", "## Worked examples", "## Procedures at this level"]:
        assert heading in page
    level3 = [p for p in content.manual.published if 3 in p.threshold_levels]
    assert level3 and all(f"]({p.site_path.replace('procedures/', '../procedures/')})" in page for p in level3)


def test_level_pages_link_indicators_to_procedures_and_back(real_site):
    page = (real_site / "threshold/level-4/index.html").read_text(encoding="utf-8")
    assert "Procedures at this level" in page
    assert re.search(r'href="\.\./\.\./procedures/core/section-47-enquiries/"', page)
    proc = (real_site / "procedures/core/section-47-enquiries/index.html").read_text(encoding="utf-8")
    assert "Level 4: Specialist" in proc


def test_matrix_and_explorer_work_without_javascript(real_site):
    matrix = (real_site / "threshold/matrix/index.html").read_text(encoding="utf-8")
    assert matrix.count("<caption>") == 3 and matrix.count('scope="col"') == 12
    explorer = (real_site / "threshold/explorer/index.html").read_text(encoding="utf-8")
    threshold, _ = data.load_threshold(REPO / "docs")
    # without JavaScript: the complete list, and the filter form stays hidden
    assert explorer.count("<li data-domain=") == len(threshold.indicators)
    assert re.search(r"<form class=\"wf-explorer\" data-wf-explorer hidden>", explorer)


# --- Procedures library and glossary ---------------------------------------------------

def test_the_library_has_at_least_24_valid_procedures_covering_the_required_topics():
    content = load(Settings.from_mkdocs_yml(REPO))
    assert content.errors == []
    ids = {p.id for p in content.manual.published}
    assert len(ids) >= 24
    for required in ["responding-to-concerns", "early-help", "child-in-need", "strategy-discussions",
                     "section-47-enquiries", "initial-child-protection-conferences",
                     "child-protection-plans-and-reviews", "resolving-professional-disagreements",
                     "information-sharing", "allegations-against-staff",
                     "serious-incidents-and-practice-reviews", "child-death-reviews", "neglect",
                     "domestic-abuse", "child-exploitation", "children-missing", "was-not-brought",
                     "safer-sleep", "bruising-in-non-mobile-babies", "working-with-fathers-and-male-carers",
                     "pre-birth-concerns", "parental-mental-health-and-substance-misuse", "self-harm",
                     "prevent", "female-genital-mutilation", "children-placed-in-or-out-of-area"]:
        assert required in ids, required


def test_statutory_timescales_are_stated():
    text = {p.id: p.body for p in load(Settings.from_mkdocs_yml(REPO)).manual.published}
    assert "one working day" in text["responding-to-concerns"]
    assert "15 working days" in text["initial-child-protection-conferences"]
    assert "45 working days" in text["child-in-need"]
    assert "three months" in text["child-protection-plans-and-reviews"]
    assert "five working days" in text["serious-incidents-and-practice-reviews"]
    assert "15 working days" in text["serious-incidents-and-practice-reviews"]


def test_glossary_has_40_terms_and_acronyms_are_expanded_site_wide(real_site):
    terms, findings = data.load_glossary(REPO / "docs")
    assert findings == [] and len(terms) >= 40
    abbrs = {t.abbr for t in terms if t.abbr}
    for required in ["LSP", "DSP", "ICB", "LCSPR", "CDOP", "MACE", "DSL", "LADO", "MACH", "EHA", "TAF",
                     "CIN", "ICPC", "IDACI", "EHCP", "KCSIE", "MAPPA"]:
        assert required in abbrs, required
    page = (real_site / "procedures/core/allegations-against-staff/index.html").read_text(encoding="utf-8")
    assert '<abbr title="Local Authority Designated Officer">LADO</abbr>' in page
    arrangements = (real_site / "arrangements/geographical-area/index.html").read_text(encoding="utf-8")
    assert '<abbr title="Income Deprivation Affecting Children Index">IDACI</abbr>' in arrangements
    glossary = (real_site / "glossary/index.html").read_text(encoding="utf-8")
    assert 'id="lado"' in glossary


def test_contacts_come_from_config_and_the_worried_route_has_no_gap(real_site):
    home = (real_site / "index.html").read_text(encoding="utf-8")
    assert 'href="tel:03003732724"' in home and 'href="tel:999"' in home
    bar = home.split('data-wf-worried', 1)[1].split("</div>", 1)[0]
    assert "to be confirmed" not in bar
    assert 'href="https://cumbriasafeguardingchildren.co.uk/report-concern-about-child"' in bar
    assert not re.search(r"tel:(?!999|03003732724)", home)


def test_annual_report_charts_have_titles_descriptions_and_data_tables(real_site):
    page = (real_site / "publications/annual-report-2024-25/index.html").read_text(encoding="utf-8")
    charts = re.findall(r'<svg class="wf-chart__svg" role="img"[^>]*>\s*<title[^>]*>[^<]+</title><desc', page)
    assert len(charts) >= 6
    assert page.count("<table><caption>") >= len(charts)


def test_review_schedule_and_whats_changed_pages(real_site):
    reviews = main_text((real_site / "reviews/index.html").read_text(encoding="utf-8"))
    overdue = reviews.split("Overdue", 1)[1].split("Due in the next 90 days", 1)[0]
    assert "Multi-agency safeguarding arrangements" in overdue  # due December 2025
    assert "By owner" in reviews
    changed = (real_site / "whats-changed/index.html").read_text(encoding="utf-8")
    months = re.findall(r"<h2 id=\"[^\"]+\">([A-Z][a-z]+ \d{4})", changed)
    import datetime as dt
    parsed = [dt.datetime.strptime(m, "%B %Y") for m in months]
    assert len(parsed) >= 3 and parsed == sorted(parsed, reverse=True)
    import json
    data = json.loads((real_site / "reviews.json").read_text())
    assert {"id", "title", "owner", "approved_by", "last_reviewed", "next_review", "status", "url"} <= set(data["documents"][0])

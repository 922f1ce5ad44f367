"""Classes of content error an accuracy audit found, each checked over the whole manual
(procedures, hand-written pages and the threshold data) so that none can come back."""

from __future__ import annotations

import re

import pytest

from helpers import REPO
from safeguarding_manual.content.corpus import Settings, load

CONTENT = load(Settings.from_mkdocs_yml(REPO))


def texts():
    """(path, sentence) for every sentence of published text."""
    out = []
    for p in CONTENT.manual.published:
        out += [(p.path, s) for s in re.split(r"(?<=[.!?])\s+|\n\s*\n", p.body)]
    for page in CONTENT.pages.values():
        out += [(page.path, s) for s in re.split(r"(?<=[.!?])\s+|\n\s*\n", page.body)]
    t = CONTENT.threshold
    out += [(t.path, s) for _line, text in t.texts for s in re.split(r"(?<=[.!?])\s+", text)]
    out += [(t.path, i.text) for i in t.indicators]
    return out


TEXTS = texts()


def test_a_child_in_need_is_never_placed_at_level_3():
    bad = [(path, s[:160]) for path, s in TEXTS
           if re.search(r"child(ren)? in need", s, re.I) and re.search(r"level[ -]3\b|\[\[level-3", s, re.I)
           and not re.search(r"level[ -]4|\[\[level-4|not a child in need|targeted early help", s, re.I)]
    assert not bad, bad
    for p in CONTENT.manual.published:
        if p.id == "child-in-need":
            assert 4 in p.threshold_levels and 3 not in p.threshold_levels


def test_safeguarding_information_is_not_said_to_be_shared_with_consent():
    phrases = re.compile(r"(usually|normally|always) shared with (their )?consent|informed consent to (the )?shar"
                         r"|consent to shar(e|ing) (information|their information) is (needed|required)", re.I)
    bad = [(path, s[:160]) for path, s in TEXTS if phrases.search(s)]
    assert not bad, bad


def test_information_sharing_names_the_lawful_bases():
    body = CONTENT.manual.by_id["information-sharing"].body
    assert "Article 6" in body and "Article 9" in body and "public task" in body.lower()


def test_nothing_claims_an_approval_or_to_replace_the_pan_cumbria_manual():
    claims = re.compile(r"replac(es|ed|ing) the (pan-Cumbria|earlier|legacy|previous)|approved by the "
                        r"(Safeguarding Accountability Meeting|partnership) on", re.I)
    bad = [(path, s[:160]) for path, s in TEXTS if claims.search(s)]
    bad += [(p.path, a.summary) for p in CONTENT.manual.procedures for a in p.amendments if claims.search(a.summary)]
    assert not bad, bad
    for p in CONTENT.manual.published:
        assert p.status != "approved" or (p.approved_by and p.approved_on), p.path
    assert CONTENT.threshold.document.status == "consultation"


@pytest.mark.parametrize("pid", ["initial-child-protection-conferences", "child-protection-plans-and-reviews"])
def test_the_conference_test_reads_suffering_or_likely_to_suffer(pid):
    body = " ".join(CONTENT.manual.by_id[pid].body.split())
    assert "suffering, or likely to suffer, significant harm" in body
    assert not re.search(r"(?<!suffering, or )likely to suffer,? significant harm", body)


def test_the_leo_review_is_never_credited_alone():
    credit = re.compile(r"(learning|themes?|lessons?|found|identified|showed|highlighted|stresse[sd]).{0,80}\bLeo\b"
                        r"|\bLeo\b.{0,80}(found|identified|showed|highlighted|stresse[sd]|learning|themes?)", re.I | re.S)
    bad = [(path, s[:160]) for path, s in TEXTS if credit.search(s) and not re.search(r"\bother\b", s)]
    assert not bad, bad


def test_specific_harms_cite_working_together_chapter_3():
    for pid in ("bruising-in-non-mobile-babies", "pre-birth-concerns", "child-exploitation"):
        p = CONTENT.manual.by_id[pid]
        cited = " ".join(p.legislation) + p.body
        assert not re.search(r"Working Together to Safeguard Children 2023, chapters? 4", cited), pid


def test_no_phone_number_or_address_is_typed_into_a_procedure():
    """Contacts come from mkdocs.yml ([[contact:…]]); never a number typed in a page."""
    number = re.compile(r"\b0\d{3,4} ?\d{3} ?\d{3,4}\b|\b[\w.]+@[\w-]+\.[\w.]+\b|https?://")
    bad = [(p.path, m.group(0)) for p in CONTENT.manual.published for m in [number.search(p.body)] if m]
    assert not bad, bad


def test_the_manual_has_the_chapters_practitioners_need():
    ids = set(CONTENT.manual.by_id)
    for pid in ("child-sexual-abuse-in-the-family", "harmful-sexual-behaviour", "online-abuse", "disabled-children",
                "private-fostering", "children-missing-education", "elective-home-education",
                "physical-and-emotional-abuse", "young-carers", "homeless-16-and-17-year-olds",
                "trafficking-and-modern-slavery", "unaccompanied-asylum-seeking-children",
                "forced-marriage-and-honour-based-abuse", "people-who-pose-a-risk-to-children",
                "gypsy-roma-and-traveller-families", "bullying-and-hate-crime", "interpreters-and-communication-needs",
                "complex-abuse", "child-to-parent-abuse-and-serious-youth-violence",
                "professional-curiosity-and-chronologies"):
        assert pid in ids, pid
    assert len(CONTENT.manual.published) >= 46
    for p in CONTENT.manual.published:
        headings = [h for h in p.anchors]
        for needed in ("scope", "who-this-applies-to", "what-to-do", "timescales", "related-procedures",
                       "legislation-and-guidance"):
            assert needed in headings, (p.path, needed)
        assert p.keywords, p.path

"""Ingesting a source document: sections, topics and figures found with spaCy, bad files refused by name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from netfaq.core.paths import SOURCES_DIR
from netfaq.tools.ingest import Ingester, IngestError, draft_text, proposed_aliases

LEAFLET = Path(__file__).parent / "fixtures" / "ingest" / "capsule-endoscopy.html"


@pytest.fixture(scope="module")
def ingester() -> Ingester:
    return Ingester()


# What each of the five source documents states (see ../shared/sources/README.md).
SOURCE_FIGURES = [
    (
        "cruk-ultrasound-scan-for-nets.txt",
        {"6 hours", "up to 45 minutes", "1 or 2 weeks", "about half an hour", "0808 800 4040", "15 Jan 2019"},
        {"last reviewed": "2019-01-15"},
    ),
    (
        "cruk-liver-ultrasound-secondary-breast-cancer.txt",
        {"6 hours", "1 or 2 weeks", "0808 800 4040", "29 Oct 2020", "29 Oct 2023"},
        {"last reviewed": "2020-10-29", "next review due": "2023-10-29"},
    ),
    ("ipsen-nuclear-medicine-scans-for-nets.txt", {"2 days", "24 to 48 hours", "September 2018"}, {}),
    ("pubmed-imaging-of-nets-review-abstract.txt", {"2021 Sep"}, {}),
    ("ontario-health-nets-overview.txt", set(), {}),
]


@pytest.mark.skipif(not SOURCES_DIR.exists(), reason="the source documents are not beside the project here")
@pytest.mark.parametrize(("document", "figures", "dates"), SOURCE_FIGURES, ids=[row[0] for row in SOURCE_FIGURES])
def test_the_figures_of_each_source_document_are_found(ingester, document, figures, dates):
    ingested = ingester.ingest(SOURCES_DIR / document)
    found = {f.text for f in ingested.figures}
    assert figures <= found, f"missing {figures - found}"
    for label, iso in dates.items():
        assert ingested.review_date(label) == iso
    for figure in ingested.figures:  # each quoted from the line it is on
        assert figure.text in figure.line.text


@pytest.mark.skipif(not SOURCES_DIR.exists(), reason="the source documents are not beside the project here")
def test_sections_are_filed_under_our_topics(ingester):
    ingested = ingester.ingest(SOURCES_DIR / "cruk-ultrasound-scan-for-nets.txt")
    topics = {s.heading.text: s.topic for s in ingested.sections}
    assert topics["Preparing for your scan"] == "preparation"
    assert topics["What happens afterwards"] == "afterwards"
    assert topics["Getting your results"] == "results"
    assert topics["Possible risks"] == "risks"


def test_an_html_page_is_read_by_its_headings_without_scripts_or_navigation(ingester):
    ingested = ingester.ingest(LEAFLET)
    assert ingested.title == "Capsule endoscopy"
    assert [s.topic for s in ingested.sections] == ["what_is", "why", "preparation", "during", "afterwards", "results"]
    found = {(f.kind, f.text) for f in ingested.figures}
    assert {("duration", "12 hours"), ("duration", "about 8 hours"), ("duration", "1 to 3 days")} <= found
    assert ("phone", "0121 496 0000") in found
    assert ingested.review_date("last reviewed") == "2026-03-03"
    assert ingested.review_date("next review due") == "2029-03-03"
    assert not any("tracking" in line.text or "Home" in line.text for s in ingested.sections for line in s.lines)


def test_the_draft_quotes_each_figure_beside_its_line_and_marks_what_a_person_must_write(ingester):
    text = draft_text(ingester.ingest(LEAFLET), "capsule_endoscopy", "capsule_leaflet", date(2026, 12, 3))
    draft = yaml.safe_load(text)["draft"]
    assert draft["reviewed_by"] is None
    assert draft["source"] == {
        "id": "capsule_leaflet",
        "publisher": "TODO: who published it",
        "title": "Capsule endoscopy",
        "document": "capsule-endoscopy.html",
        "date_label": "last reviewed",
        "date": "2026-03-03",
        "next_review": "2029-03-03",
    }
    preparation = draft["procedure"]["topics"]["preparation"]
    assert preparation[0]["text"].startswith("TODO") and "12 hours" in preparation[0]["text"]
    assert draft["procedure"]["topics"]["risks"] == "not_in_sources"
    assert "#   12 hours: line 7: Stop eating 12 hours before your appointment." in text


def test_two_review_dates_on_one_line_each_get_their_own_label(ingester, tmp_path):
    leaflet = tmp_path / "dexa.txt"
    leaflet.write_text(
        "DEXA scan\n\nA bone density scan.\n\nPreparing for it\n\nNo calcium tablets for 24 hours.\n\n"
        "Last reviewed: 12 March 2024. Next review due: 12 March 2027.\n",
        encoding="utf-8",
    )
    ingested = ingester.ingest(leaflet)
    assert ingested.review_date("last reviewed") == "2024-03-12"
    assert ingested.review_date("next review due") == "2027-03-12"


@pytest.mark.parametrize(
    ("title", "aliases"),
    [
        ("Ultrasound scan for neuroendocrine tumours (NETs)", ["ultrasound scan", "nets"]),
        ("Somatostatin receptor scintigraphy (SRS)", ["somatostatin receptor scintigraphy", "srs"]),
        ("Capsule endoscopy", ["capsule endoscopy"]),
    ],
)
def test_aliases_are_proposed_from_the_title(title, aliases):
    assert proposed_aliases(title) == aliases


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"  \n\n", "the file is empty"),
        ("leaflet.pdf", b"%PDF-1.4\x00\x01\x02binary", "a binary file"),
        ("latin1.txt", "Caf\u00e9 scan\n\nText".encode("latin-1"), "not UTF-8 text"),
        ("flat.txt", b"one long paragraph with no headings at all, just sentences. And another one.\n", "no headings"),
    ],
)
def test_bad_files_are_refused_naming_the_file_and_problem(ingester, tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        ingester.ingest(path)
    assert problem in str(caught.value) and name in str(caught.value)

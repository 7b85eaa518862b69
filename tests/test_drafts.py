"""Drafts: written from a document, never loaded, accepted only when reviewed and valid; errors write nothing."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from netfaq.core.knowledge import EditRefused, load_knowledge
from netfaq.core.paths import KNOWLEDGE_DIR
from netfaq.tools.drafts import accept, write_draft
from netfaq.tools.ingest import IngestError

LEAFLET = Path(__file__).parent / "fixtures" / "ingest" / "capsule-endoscopy.html"


@pytest.fixture
def knowledge(tmp_path) -> Path:
    copy = tmp_path / "data" / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, copy, ignore=shutil.ignore_patterns("drafts"))
    return copy


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def draft_for(knowledge: Path, **kwargs) -> Path:
    draft, ingested = write_draft(
        LEAFLET, "capsule_endoscopy", "capsule_leaflet", knowledge_dir=knowledge, drafts_dir=knowledge / "drafts",
        today=date(2026, 12, 3), **kwargs,
    )  # fmt: skip
    assert ingested.title == "Capsule endoscopy"
    return draft


def reviewed(path: Path, **changes) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    draft = data["draft"]
    draft["reviewed_by"] = "A Reviewer"
    draft["source"]["publisher"] = "Example Hospital"
    for topic, facts in draft["procedure"]["topics"].items():
        if facts != "not_in_sources":
            draft["procedure"]["topics"][topic] = [
                {"text": f"Checked fact about {topic}.", "source": "capsule_leaflet"}
            ]
    for key, value in changes.items():
        draft["procedure"][key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_a_draft_is_neither_loaded_nor_trained_on(knowledge):
    draft = draft_for(knowledge)
    assert draft.parent == knowledge / "drafts"
    assert "capsule_endoscopy" not in load_knowledge(knowledge).procedures


def test_a_reviewed_draft_is_accepted_with_its_source(knowledge):
    draft = draft_for(knowledge)
    reviewed(draft)
    written = accept(draft, knowledge)
    assert written == knowledge / "procedures" / "capsule_endoscopy.yml" and not draft.exists()
    kb = load_knowledge(knowledge)
    assert kb.procedures["capsule_endoscopy"].topics["preparation"][0].sources == ("capsule_leaflet",)
    assert kb.sources["capsule_leaflet"].next_review == "2029-03-03"
    assert "# The source registry" in (knowledge / "sources.yml").read_text(encoding="utf-8")  # comments kept


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (None, "not reviewed yet"),
        ("todo", "preparation 1, text still says TODO"),
        ("alias", "alias 'ct scan' already names procedure 'ct_scan'"),
        ("source", "unknown source id 'nowhere'"),
    ],
)
def test_a_draft_that_is_not_ready_is_refused_naming_the_file_and_writes_nothing(knowledge, change, problem):
    draft = draft_for(knowledge)
    if change == "todo":
        reviewed(draft)
        data = yaml.safe_load(draft.read_text(encoding="utf-8"))
        data["draft"]["procedure"]["topics"]["preparation"][0]["text"] = "TODO: in our own words"
        draft.write_text(yaml.safe_dump(data), encoding="utf-8")
    elif change == "alias":
        reviewed(draft, aliases=["capsule endoscopy", "CT scan"])
    elif change == "source":
        reviewed(draft)
        data = yaml.safe_load(draft.read_text(encoding="utf-8"))
        data["draft"]["procedure"]["topics"]["why"][0]["source"] = "nowhere"
        draft.write_text(yaml.safe_dump(data), encoding="utf-8")
    before = snapshot(knowledge)
    with pytest.raises(EditRefused) as caught:
        accept(draft, knowledge)
    assert problem in str(caught.value) and "capsule_endoscopy.yml" in str(caught.value)
    assert snapshot(knowledge) == before


def test_ingesting_a_test_already_in_the_knowledge_base_is_refused(knowledge, tmp_path):
    with pytest.raises(IngestError, match="procedure id 'ct_scan' is already in the knowledge base"):
        write_draft(LEAFLET, "ct_scan", knowledge_dir=knowledge, drafts_dir=knowledge / "drafts")
    page = tmp_path / "mri.html"
    page.write_text(LEAFLET.read_text(encoding="utf-8").replace("<h1>Capsule endoscopy", "<h1>MRI scan"), "utf-8")
    with pytest.raises(IngestError, match="alias 'mri scan' already names procedure 'mri_scan'") as caught:
        write_draft(page, "new_mri", knowledge_dir=knowledge, drafts_dir=knowledge / "drafts")
    assert "mri.html" in str(caught.value)
    assert not (knowledge / "drafts").exists()

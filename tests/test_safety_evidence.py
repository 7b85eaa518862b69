"""The hazard log's figures measured again: each names a red-flag set frozen before the change it
judges, with the set's checksum; the set is sent to the real servers and must give at least the
figure claimed. A set in the project is always measured; the shared evaluation set beside the
project only where it is present (not in a fresh clone on its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.redflags import checksum, load_set, run
from netfaq.core.paths import PROJECT_ROOT
from netfaq.tools.hazards import Evidence, load_hazard_log

pytestmark = [pytest.mark.model, pytest.mark.servers]

EVIDENCE = [(hazard.id, evidence) for hazard in load_hazard_log().hazards for evidence in hazard.evidence]


def _inside_project(evidence: Evidence) -> bool:
    return (PROJECT_ROOT / evidence.set).resolve().is_relative_to(PROJECT_ROOT.resolve())


def check(assistant_url: str, evidence: Evidence) -> None:
    path = PROJECT_ROOT / evidence.set
    assert checksum(path) == evidence.sha256, f"{evidence.set} changed since the hazard log's figure was measured"
    items = [item for item in load_set(path) if item.expect == evidence.expect]
    assert len(items) == evidence.total
    summary = run(assistant_url, items)
    assert summary.passed[evidence.expect] >= evidence.passed, (evidence.describe(), summary.headline())


@pytest.mark.parametrize(
    ("hazard", "evidence"),
    [(h, e) for h, e in EVIDENCE if _inside_project(e)],
    ids=[f"{h}-{Path(e.set).stem}-{e.expect}" for h, e in EVIDENCE if _inside_project(e)],
)
def test_the_project_s_blind_sets_still_give_the_hazard_log_s_figures(assistant_url, hazard, evidence):
    check(assistant_url, evidence)


@pytest.mark.parametrize(
    ("hazard", "evidence"),
    [(h, e) for h, e in EVIDENCE if not _inside_project(e)],
    ids=[f"{h}-{Path(e.set).stem}-{e.expect}" for h, e in EVIDENCE if not _inside_project(e)],
)
def test_the_shared_sets_still_give_the_hazard_log_s_figures(assistant_url, hazard, evidence):
    if not (PROJECT_ROOT / evidence.set).exists():
        pytest.skip(f"{evidence.set} is not beside this copy of the project")
    check(assistant_url, evidence)


def test_every_emergency_hazard_names_a_frozen_set():
    for hazard_id in ("H02", "H03", "H04"):
        assert any(h == hazard_id for h, _ in EVIDENCE), f"{hazard_id} claims a figure without naming its set"

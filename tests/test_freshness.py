"""Sources past their review date, the facts that cite them, and the setting that makes them fail."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from netfaq.core.freshness import fail_on_stale, freshness_report, overdue_sources
from netfaq.core.knowledge import load_knowledge
from netfaq.tools.cli import main


def test_overdue_sources_are_listed_with_the_facts_citing_them(kb):
    overdue = overdue_sources(kb, date(2026, 12, 3))
    assert [item.source.id for item in overdue] == ["cruk_liver_ultrasound"]
    facts = overdue[0].facts
    assert "liver_ultrasound/results/1" in facts and "general/results_late/2" in facts
    assert "abdominal_ultrasound/preparation/2" not in facts
    assert overdue[0].helpline
    report = freshness_report(kb, date(2026, 12, 3))
    assert report.startswith("Source freshness on 3 December 2026: 1 of 5 sources past its review date.")
    assert "review was due 29 October 2023; cited by 23 facts and the helpline's details" in report
    assert overdue_sources(kb, date(2023, 10, 29)) == ()  # due that day, not yet overdue


def test_the_setting_turns_overdue_sources_into_a_failure(kb_copy, monkeypatch, capsys):
    assert not fail_on_stale({}) and not fail_on_stale({"NETFAQ_STALE_SOURCES": "warn"})
    assert fail_on_stale({"NETFAQ_STALE_SOURCES": "FAIL"})
    with pytest.raises(ValueError, match="NETFAQ_STALE_SOURCES='sometimes': use one of warn, fail"):
        fail_on_stale({"NETFAQ_STALE_SOURCES": "sometimes"})

    assert main(["freshness", "--date", "2026-12-03"]) == 0  # reported, not failed, by default
    assert "cruk_liver_ultrasound" in capsys.readouterr().out
    monkeypatch.setenv("NETFAQ_STALE_SOURCES", "fail")
    assert main(["freshness", "--date", "2026-12-03"]) == 1
    assert main(["freshness", "--date", "2023-01-01"]) == 0

    # Once the content owner has checked the leaflet and recorded its new review date, it passes.
    sources = kb_copy / "sources.yml"
    data = yaml.safe_load(sources.read_text(encoding="utf-8"))
    next(s for s in data["sources"] if s["id"] == "cruk_liver_ultrasound")["next_review"] = "2027-06-30"
    sources.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert overdue_sources(load_knowledge(kb_copy), date(2026, 12, 3)) == ()
    assert main(["freshness", "--knowledge", str(kb_copy), "--date", "2026-12-03"]) == 0

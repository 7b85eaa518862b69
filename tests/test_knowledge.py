from pathlib import Path

import pytest
import yaml

from netfaq.core.knowledge import KnowledgeBaseError, alias_variants, load_knowledge
from netfaq.core.topics import TOPICS


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge(directory)
    return [str(p) for p in caught.value.problems]


def test_real_knowledge_base_loads_every_procedure_and_topic(kb):
    assert set(kb.procedures) == {
        "abdominal_ultrasound",
        "endoscopic_ultrasound",
        "echocardiogram",
        "liver_ultrasound",
        "octreotide_scan",
        "bone_scan",
        "mibg_scan",
        "pet_ct",
        "ga68_dotatate_pet",
        "ct_scan",
        "mri_scan",
        "blood_urine_markers",
    }
    for procedure in kb.procedures.values():
        assert set(procedure.topics) == set(TOPICS)
        assert procedure.topics["what_is"], f"{procedure.id} must say what it is"
    assert set(kb.general) == {
        "about_nets",
        "risk_factors",
        "diagnosis_process",
        "spread_and_staging",
        "treatment",
        "coping",
        "after_treatment",
        "results_late",
        "our_sources",  # a FAQ (data/knowledge/faqs/)
    }


def test_structured_figures_match_the_sources(kb):
    us = kb.procedures["abdominal_ultrasound"].figures
    assert (us["fasting"].value, us["fasting"].unit) == (6, "hours")
    assert (us["longest_duration"].value, us["longest_duration"].unit) == (45, "minutes")
    assert (us["results_time"].min, us["results_time"].max, us["results_time"].unit) == (1, 2, "weeks")
    for test in ("abdominal_ultrasound", "liver_ultrasound"):  # "a couple of weeks" to contact the doctor
        chase = kb.procedures[test].figures["chase_after"]
        assert (chase.display, chase.value, chase.unit) == ("a couple of weeks", 2, "weeks")
    echo = kb.procedures["echocardiogram"].figures["typical_duration"]
    assert (echo.value, echo.unit, echo.display) == (30, "minutes", "about half an hour")
    octreo = kb.procedures["octreotide_scan"].figures
    assert (octreo["span"].value, octreo["span"].unit) == (2, "days")
    assert (octreo["further_scans"].min, octreo["further_scans"].max) == (24, 48)
    assert kb.procedures["mibg_scan"].figures["scan_delay"].display == "several hours or days"


def test_figures_are_substituted_and_cited(kb):
    facts = kb.procedures["abdominal_ultrasound"].topics["preparation"]
    fasting = [f for f in facts if "6 hours" in f.text]
    assert len(fasting) == 1 and fasting[0].sources == ("cruk_ultrasound_nets",)
    liver_duration = kb.procedures["liver_ultrasound"].topics["duration"][0]
    # The liver page gives no duration: the 45 minutes is cited to the NET ultrasound page.
    assert "45 minutes" in liver_duration.text and liver_duration.sources == ("cruk_ultrasound_nets",)
    assert all("{" not in f.text for p in kb.procedures.values() for t in p.topics.values() if t for f in t)


def test_gaps_are_explicit_not_invented(kb):
    assert kb.procedures["mibg_scan"].topics["results"] is None
    assert kb.procedures["octreotide_scan"].topics["preparation"] is None
    assert kb.procedures["bone_scan"].topics["pain"] is None


def test_every_fact_cites_a_registered_source(kb):
    cited = {
        s for p in kb.procedures.values() for facts in p.topics.values() if facts for f in facts for s in f.sources
    } | {s for t in kb.general.values() for f in t.facts for s in f.sources}
    assert cited <= set(kb.sources)
    assert cited == set(kb.sources), "every registered source should be used"


def test_helpline_is_defined_once(kb):
    assert kb.helpline.phone == "0808 800 4040"
    assert kb.helpline.days == ("monday", "tuesday", "wednesday", "thursday", "friday")
    assert (kb.helpline.opens.hour, kb.helpline.closes.hour) == (9, 17)
    root = Path(__file__).resolve().parent.parent
    holders = [
        p.relative_to(root)
        for folder in ("data", "actions", "netfaq", "rasa_extensions")
        for p in (root / folder).rglob("*")
        if p.is_file() and p.suffix in {".py", ".yml"} and "800 4040" in p.read_text(errors="ignore")
    ]
    domain_holds = "800 4040" in (root / "domain.yml").read_text()
    assert holders == [Path("data/knowledge/helpline.yml")] and not domain_holds


def test_alias_index_maps_abbreviations_and_plurals(kb):
    for alias, procedure in {
        "u/s": "abdominal_ultrasound",
        "eus": "endoscopic_ultrasound",
        "echo": "echocardiogram",
        "srs": "octreotide_scan",
        "octreoscan": "octreotide_scan",
        "pet-ct": "pet_ct",
        "ga-68": "ga68_dotatate_pet",
        "dotatate": "ga68_dotatate_pet",
        "ct scans": "ct_scan",
        "mris": "mri_scan",
        "ultrasond": "abdominal_ultrasound",
    }.items():
        assert kb.aliases[alias] == procedure, alias


def test_alias_variants_adds_plural_only_for_safe_words():
    assert alias_variants("CT  Scan") == ["ct scan", "ct scans"]
    assert alias_variants("u/s") == ["u/s"]
    assert alias_variants("pet") == ["pet"]


def test_unknown_source_is_named_with_file_and_entry(kb_copy):
    edit_yaml(
        kb_copy / "procedures" / "bone_scan.yml",
        lambda d: d["procedure"]["topics"]["during"][0].update(source="nhs_made_up"),
    )
    assert problems_of(kb_copy) == [
        "data/knowledge/procedures/bone_scan.yml: procedure 'bone_scan', topic 'during', fact 1: "
        "unknown source id 'nhs_made_up' (not in sources.yml)"
    ]


def test_missing_citation_is_named(kb_copy):
    edit_yaml(
        kb_copy / "procedures" / "echocardiogram.yml",
        lambda d: d["procedure"]["topics"]["pain"][0].pop("source"),
    )
    assert problems_of(kb_copy) == [
        "data/knowledge/procedures/echocardiogram.yml: procedure 'echocardiogram', topic 'pain', fact 1: "
        "missing citation: every fact needs a 'source'"
    ]


def test_duplicate_alias_across_procedures_is_named(kb_copy):
    edit_yaml(kb_copy / "procedures" / "mri_scan.yml", lambda d: d["procedure"]["aliases"].append("CT scan"))
    assert problems_of(kb_copy) == [
        "data/knowledge/procedures/mri_scan.yml: procedure 'mri_scan', alias 'ct scan': "
        "duplicate alias 'ct scan': already used by procedure 'ct_scan'"
    ]


def test_empty_text_is_named(kb_copy):
    edit_yaml(
        kb_copy / "general.yml",
        lambda d: d["general"][1]["facts"][0].update(text="   "),
    )
    assert problems_of(kb_copy) == [
        "data/knowledge/general.yml: general topic 'risk_factors', fact 1: empty text in 'text'"
    ]


def test_broken_yaml_names_the_line(kb_copy):
    path = kb_copy / "procedures" / "pet_ct.yml"
    path.write_text(path.read_text().replace("  topics:", "  topics: [", 1))
    problems = problems_of(kb_copy)
    assert len(problems) == 1
    assert problems[0].startswith("data/knowledge/procedures/pet_ct.yml: line ")
    assert "broken YAML" in problems[0]


def test_schema_errors_are_reported_before_facts_are_read(kb_copy):
    def change(d):
        d["procedure"]["topics"]["duration"][0]["text"] = "It takes {forever}."
        del d["procedure"]["topics"]["risks"]

    edit_yaml(kb_copy / "procedures" / "echocardiogram.yml", change)
    problems = problems_of(kb_copy)
    assert "data/knowledge/procedures/echocardiogram.yml: procedure 'echocardiogram': missing field 'risks'" in problems
    assert len(problems) == 1  # schema errors stop the file before its facts are read


def test_unknown_figure_is_named(kb_copy):
    edit_yaml(
        kb_copy / "procedures" / "echocardiogram.yml",
        lambda d: d["procedure"]["topics"]["duration"][0].update(text="It takes {forever}."),
    )
    assert problems_of(kb_copy) == [
        "data/knowledge/procedures/echocardiogram.yml: procedure 'echocardiogram', topic 'duration', fact 1: "
        "unknown figure 'forever' in text",
        "data/knowledge/procedures/echocardiogram.yml: procedure 'echocardiogram', figure 'typical_duration': "
        "figure is not used by any fact",
    ]


def test_several_broken_files_are_all_reported(kb_copy):
    edit_yaml(kb_copy / "helpline.yml", lambda d: d["helpline"].update(sources=["nowhere"]))
    edit_yaml(kb_copy / "procedures" / "ct_scan.yml", lambda d: d["procedure"]["topics"].update(why=[]))
    problems = problems_of(kb_copy)
    assert any(p.startswith("data/knowledge/helpline.yml: helpline: unknown source id 'nowhere'") for p in problems)
    assert any(
        p.startswith("data/knowledge/procedures/ct_scan.yml: procedure 'ct_scan', topic 'why'") for p in problems
    )


@pytest.mark.parametrize(("file", "where"), [("helpline.yml", "helpline"), ("timelines.yml", "timelines")])
def test_an_unknown_bank_holiday_calendar_is_named(kb_copy, file, where):
    # The helpline's opening hours and the personal timelines each name their calendar; one check reads both.
    path = kb_copy / file
    path.write_text(path.read_text().replace("country: GB", "country: XX"))
    with pytest.raises(KnowledgeBaseError, match=rf"{file}: {where}, bank_holidays: unknown country or region XX/ENG"):
        load_knowledge(kb_copy)


def test_a_bad_asked_with_pattern_is_named(kb_copy):
    path = kb_copy / "general.yml"
    path.write_text(path.read_text().replace(r"\b(still|been) waiting\b", r"\b(still|been waiting"))
    with pytest.raises(
        KnowledgeBaseError, match=r"general.yml: general topic 'results_late': bad pattern in 'asked_with'"
    ):
        load_knowledge(kb_copy)


def test_a_plain_version_with_other_figures_or_numbers_is_named(kb_copy):
    edit_yaml(
        kb_copy / "procedures" / "liver_ultrasound.yml",
        lambda d: d["procedure"]["topics"]["preparation"][1].update(plain="Stop eating 4 hours before."),
    )
    assert problems_of(kb_copy) == [
        "data/knowledge/procedures/liver_ultrasound.yml: procedure 'liver_ultrasound', topic 'preparation', "
        "fact 2: plain version has other figures or numbers than the text: 4, {fasting}",
    ]


def test_every_fact_has_a_plain_version_easier_to_read(kb):
    from statistics import median

    from netfaq.core.reading_ease import flesch_reading_ease
    from netfaq.core.retrieval import fact_units

    facts = [unit.fact for unit in fact_units(kb)]
    assert [f.text for f in facts if not f.plain] == []
    plain = [flesch_reading_ease(f.plain) for f in facts]
    # Reading age 9 to 11 is a Flesch reading ease of about 80 to 90; names of tests and
    # substances hold some facts lower, so the bar is on the middle and on each fact's gain.
    assert median(plain) >= 80, median(plain)
    harder = [f.plain for f in facts if flesch_reading_ease(f.plain) < flesch_reading_ease(f.text) - 5]
    assert harder == []

import spacy
import yaml

from netfaq.core.paths import GENERATED_NLU_FILE
from netfaq.tools.build import ENTITY_LABEL, GENERATED_HEADER, build, ruler_patterns, synonyms_yaml


def test_build_writes_a_loadable_ruler_and_is_idempotent(kb, tmp_path):
    spacy_dir, nlu_file = tmp_path / "spacy", tmp_path / "nlu" / "procedures.yml"
    first = build(kb, spacy_dir, nlu_file)
    assert first.spacy_changed and first.nlu_changed
    assert first.pattern_count == len(ruler_patterns(kb)) > 12 * 5
    mtime = nlu_file.stat().st_mtime_ns
    second = build(kb, spacy_dir, nlu_file)
    assert not second.spacy_changed and not second.nlu_changed
    assert nlu_file.stat().st_mtime_ns == mtime

    nlp = spacy.load(spacy_dir)
    assert nlp.pipe_names == ["entity_ruler"]
    cases = {
        "How do I prepare for an Octreoscan?": [("Octreoscan", "octreotide_scan")],
        "is a PET-CT painful": [("PET-CT", "pet_ct")],
        "what about the Ga-68 DOTATATE PET scan": [("Ga-68 DOTATATE PET scan", "ga68_dotatate_pet")],
        "results of my u/s": [("u/s", "abdominal_ultrasound")],
        "CT scans and MRIs": [("CT scans", "ct_scan"), ("MRIs", "mri_scan")],
        "an ultrasound of the heart": [("ultrasound of the heart", "echocardiogram")],
        "my ultrasond is tomorrow": [("ultrasond", "abdominal_ultrasound")],
        "liver ultrasound results": [("liver ultrasound", "liver_ultrasound")],
        "the EUS": [("EUS", "endoscopic_ultrasound")],
        "hello there": [],
    }
    for text, expected in cases.items():
        doc = nlp(text)
        assert [(e.text, e.ent_id_) for e in doc.ents] == expected, text
        assert all(e.label_ == ENTITY_LABEL for e in doc.ents)


def test_generated_synonyms_are_marked_and_current(kb):
    text = GENERATED_NLU_FILE.read_text()
    assert text.startswith(GENERATED_HEADER)
    assert text == synonyms_yaml(kb), "data/nlu/generated is stale: run `make build`"
    synonyms = {block["synonym"]: block["examples"] for block in yaml.safe_load(text)["nlu"]}
    assert set(synonyms) == set(kb.procedures)
    assert "- octreoscan" in synonyms["octreotide_scan"]

"""Where the project keeps things, resolved from this file so commands work from any directory."""

import os
from pathlib import Path

CODE_ROOT = Path(__file__).resolve().parents[2]
# NETFAQ_PROJECT_DIR: another copy of the project's data, settings and models to work on (a
# staging copy, or a test's); the code stays where it is installed.
PROJECT_ROOT = Path(os.environ.get("NETFAQ_PROJECT_DIR") or CODE_ROOT).resolve()
DATA_DIR = PROJECT_ROOT / "data"
KNOWLEDGE_DIR = DATA_DIR / "knowledge"
# The source documents, beside the project (not part of it: only their facts are, in our words).
SOURCES_DIR = PROJECT_ROOT.parent / "shared" / "sources"
SOURCE_SHINGLES_FILE = KNOWLEDGE_DIR / "source_shingles.txt"
SAFETY_FILE = DATA_DIR / "safety" / "emergency.yml"
DIAGNOSIS_FILE = DATA_DIR / "safety" / "diagnosis.yml"
PRIVACY_FILE = DATA_DIR / "safety" / "privacy.yml"
REDIRECTS_FILE = DATA_DIR / "hospital" / "redirects.yml"
HAZARD_LOG_FILE = PROJECT_ROOT / "docs" / "safety" / "hazards.yml"
HAZARD_REPORT_FILE = PROJECT_ROOT / "docs" / "safety" / "hazard-log.md"
PATIENT_WORDS_FILE = DATA_DIR / "language" / "patient_words.yml"
NOT_COVERED_FILE = DATA_DIR / "language" / "not_covered.yml"
SECTION_TOPICS_FILE = DATA_DIR / "ingest" / "section_topics.yml"
DRAFTS_DIR = KNOWLEDGE_DIR / "drafts"  # written by `netfaq ingest`; never loaded
FAQS_DIR = KNOWLEDGE_DIR / "faqs"  # one file per FAQ (`netfaq faq add`)
GENERATED_NLU_FILE = DATA_DIR / "nlu" / "generated" / "procedures.yml"
GENERATED_REDIRECTS_FILE = DATA_DIR / "nlu" / "generated" / "redirects.yml"
BUILD_DIR = PROJECT_ROOT / "build"
SPACY_MODEL_DIR = BUILD_DIR / "spacy_procedures"
MODELS_DIR = PROJECT_ROOT / "models"
MODEL_REGISTRY_FILE = MODELS_DIR / "registry.json"  # the model in service and those promoted before it
# The code the intent classifier runs (rasa_extensions/intent_classifier.py): a change retrains it.
INTENT_CLASSIFIER_CODE = tuple(
    CODE_ROOT / "netfaq" / name
    for name in ("nlu/intent_model.py", "nlu/ngrams.py", "nlu/augment.py", "core/redaction.py")
)
# The code the emergency model runs (rasa_extensions/emergency_guard.py): a change retrains it.
EMERGENCY_MODEL_CODE = tuple(
    CODE_ROOT / "netfaq" / name for name in ("nlu/emergency_model.py", "nlu/ngrams.py", "core/embedding.py")
)

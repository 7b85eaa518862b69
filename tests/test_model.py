"""The trained model: Rasa's own validation, the test conversations, and the held-out accuracy floor."""

import json
import subprocess
from pathlib import Path

import pytest

from netfaq.nlu.evaluate import evaluate_model
from netfaq.tools.processes import quiet_env, rasa_command

ROOT = Path(__file__).resolve().parent.parent
# 0.958 on the 37 intents before issue 23; 0.943 once the held-out set also covers the redirect and
# the four dialogue acts, whose meanings border older intents (a redirect against out_of_scope and
# ask_treatment, "go on then" against affirm). Raising it back needs more varied examples at those
# borders, measured on this set; the answer and conversation sets are the patient-level measure.
# 0.933 to 0.942 over four retrains that differed by a handful of training examples, once the set
# also covers telling a condition (10 examples written blind, F1 0.78 to 0.84): the one-layer
# network's spread from its training order alone is about a point, so the floor sits below it and
# catches a real loss, not that noise.
INTENT_F1_FLOOR = 0.93
ENTITY_F1_FLOOR = 0.95
# Questions with personal details attached: 0.72 before the classifier trained on copies with details, 0.88 after.
DETAILS_ACCURACY_FLOOR = 0.80

pytestmark = pytest.mark.model


def test_rasa_data_validate_has_no_warnings():
    result = subprocess.run(
        rasa_command() + ["data", "validate", "--fail-on-warnings"],
        cwd=ROOT,
        env=quiet_env(),
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "UserWarning" not in output, output[-4000:]


def test_conversations_with_real_user_text(trained_model, tmp_path):
    result = subprocess.run(
        rasa_command()
        + [
            "test",
            "core",
            "--stories",
            "tests/test_stories.yml",
            "--model",
            str(trained_model),
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=quiet_env(),
        capture_output=True,
        text=True,
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:] + details


def test_heldout_nlu_accuracy_floor(trained_model):
    report = evaluate_model(ROOT / "tests" / "nlu" / "heldout.yml", trained_model)
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "heldout.json").write_text(report.to_json())
    print("\n" + report.summary())
    assert report.examples >= 300
    assert report.intent_macro_f1 >= INTENT_F1_FLOOR, report.summary()
    assert report.entity_f1 >= ENTITY_F1_FLOOR, report.summary()
    assert json.loads(report.to_json())["intent_macro_f1"] == report.intent_macro_f1


def test_personal_details_do_not_decide_the_intent(trained_model):
    report = evaluate_model(ROOT / "tests" / "nlu" / "heldout_details.yml", trained_model)
    print("\n" + report.summary())
    assert report.examples >= 30
    assert report.intent_accuracy >= DETAILS_ACCURACY_FLOOR, report.summary()
    assert not [e for e in report.errors if e["predicted"][0] == "out_of_scope"], report.summary()

"""The benchmark's pure statistics, on inputs small enough to work out by hand."""

from __future__ import annotations

import math
import os
import subprocess

import pytest

from bench.report import emergency_section
from bench.results import Results, Target, new_wording_targets
from bench.run_all import code_version
from bench.serving import Level, Serving, Startup
from bench.stats import (
    PRF,
    Confusion,
    Parsed,
    confused_pairs,
    entity_scores,
    intent_at,
    intent_scores,
    macro,
    mean_std,
    percentile,
    prf,
    rejection_rate,
    stratified_folds,
    sweep,
    thresholds,
)
from netfaq.tools.processes import free_port


def parsed(*ranking: tuple[str, float], intent: str | None = None, forced: bool = False) -> Parsed:
    return Parsed(intent or ranking[0][0], frozenset(), tuple(ranking), forced)


def test_percentile_interpolates_between_closest_ranks():
    values = [40.0, 10.0, 30.0, 20.0]  # sorted 10 20 30 40: rank (n-1)q = 3q
    assert percentile(values, 0) == 10
    assert percentile(values, 50) == 25  # halfway between 20 and 30
    assert percentile(values, 95) == pytest.approx(38.5)  # 2.85 ranks: 30 + 0.85 * 10
    assert percentile(values, 100) == 40
    assert percentile([7.0], 99) == 7
    assert math.isnan(percentile([], 50))


def test_prf_and_its_empty_convention():
    assert prf(2, 1, 1) == PRF(2 / 3, 2 / 3, pytest.approx(2 / 3), 3)
    assert prf(0, 0, 0) == PRF(0.0, 0.0, 0.0, 0)
    assert prf(0, 0, 0, empty=1.0) == PRF(1.0, 1.0, 1.0, 0)


def test_intent_scores_count_fallback_only_as_a_miss():
    gold = ["a", "a", "b", "b"]
    predicted = ["a", "b", "b", "nlu_fallback"]
    scores = intent_scores(gold, predicted)
    assert set(scores) == {"a", "b"}  # nlu_fallback is not a label of its own
    assert scores["a"] == PRF(1.0, 0.5, pytest.approx(2 / 3), 2)
    assert scores["b"] == PRF(0.5, 0.5, 0.5, 2)
    assert macro(scores).f1 == pytest.approx((2 / 3 + 0.5) / 2)
    assert macro(scores).support == 4


def test_entity_scores_compare_sets_per_message():
    gold = [frozenset({"ct"}), frozenset({"ct", "mri"}), frozenset()]
    predicted = [frozenset({"ct"}), frozenset({"mri"}), frozenset({"pet"})]
    score = entity_scores(gold, predicted)  # tp 2, fp 1, fn 1
    assert (score.precision, score.recall, score.support) == (2 / 3, 2 / 3, 3)
    assert entity_scores([frozenset()], [frozenset()]).f1 == 1.0


def test_confused_pairs_are_directed_counted_and_ordered():
    gold = ["a", "a", "a", "b", "b", "c"]
    predicted = ["b", "b", "a", "a", "c", "c"]
    assert confused_pairs(gold, predicted) == [Confusion("a", "b", 2), Confusion("b", "a", 1), Confusion("b", "c", 1)]
    assert confused_pairs(gold, predicted, top=1) == [Confusion("a", "b", 2)]


def test_intent_at_replays_threshold_and_ambiguity():
    confident = parsed(("ask_pain", 0.9), ("ask_risks", 0.05))
    assert intent_at(confident, 0.4, 0.1) == "ask_pain"
    assert intent_at(confident, 0.95, 0.1) == "nlu_fallback"  # below the threshold
    close = parsed(("ask_pain", 0.5), ("ask_risks", 0.45))
    assert intent_at(close, 0.4, 0.1) == "nlu_fallback"  # top two within the ambiguity threshold
    assert intent_at(close, 0.4, 0.0) == "ask_pain"
    guard = parsed(("greet", 0.1), intent="emergency", forced=True)
    assert intent_at(guard, 0.9, 0.1) == "emergency"  # the safety guard runs after the fallback
    assert intent_at(Parsed("x", frozenset(), (), False), 0.0, 0.0) == "nlu_fallback"


def test_sweep_trades_rejection_for_acceptance():
    in_scope = [parsed(("ask_pain", 0.9), ("greet", 0.0)), parsed(("ask_risks", 0.5), ("greet", 0.0))]
    off_topic = [parsed(("ask_pain", 0.6), ("greet", 0.0)), parsed(("out_of_scope", 0.8), ("greet", 0.0))]
    low, middle, high = sweep(in_scope, ["ask_pain", "ask_risks"], off_topic, 0.1, [0.0, 0.55, 0.95])
    assert (low.rejection, low.acceptance, low.macro_f1) == (0.5, 1.0, 1.0)
    assert (middle.rejection, middle.acceptance) == (0.5, 0.5)
    assert middle.macro_f1 == pytest.approx(0.5)  # ask_pain F1 1, ask_risks F1 0
    assert (high.rejection, high.acceptance) == (1.0, 0.0)


def test_rejection_rate_and_thresholds():
    assert rejection_rate(["nlu_fallback", "out_of_scope", "greet", "ask_pain"]) == 0.5
    points = thresholds()
    assert len(points) == 20 and points[0] == 0.0 and points[-1] == 0.95 and points[8] == 0.4


def test_stratified_folds_partition_and_balance_every_label():
    labels = ["a"] * 10 + ["b"] * 5 + ["c"] * 3
    folds = stratified_folds(labels, 5, seed=1)
    assert sorted(i for fold in folds for i in fold) == list(range(len(labels)))
    for label, count in (("a", 10), ("b", 5)):
        assert [sum(labels[i] == label for i in fold) for fold in folds] == [count // 5] * 5
    assert sorted(len(fold) for fold in folds) == [3, 3, 4, 4, 4]
    assert folds == stratified_folds(labels, 5, seed=1)
    with pytest.raises(ValueError):
        stratified_folds(labels, 1)


def test_mean_std_uses_the_sample_deviation():
    assert mean_std([1.0, 3.0]) == (2.0, pytest.approx(math.sqrt(2)))
    assert mean_std([5.0]) == (5.0, 0.0)


def test_cross_validation_summary_over_every_fold():
    from bench.understanding import Fold, summarise_folds

    folds = [Fold(1, 8, 2, 1.0, 0.5, 0.75, 1, 1.0), Fold(2, 8, 2, 1.0, 1.0, 1.0, 0, 0.5)]
    gold = ["greet", "thanks", "greet", "thanks"]
    parsed = [
        Parsed("nlu_fallback", frozenset(), (("greet", 0.3), ("thanks", 0.2)), False),
        Parsed("thanks", frozenset(), (("thanks", 0.9),), False),
        Parsed("greet", frozenset(), (("greet", 0.8),), False),
        Parsed("thanks", frozenset(), (("thanks", 0.7),), False),
    ]
    summary = summarise_folds(folds, gold, parsed, [0.5, 1.0], [0.5, 1.0])
    assert summary.intent_macro_f1_mean == 0.75
    assert summary.entity_f1_mean == 0.75
    assert summary.fallbacks == 1
    assert summary.classifier_macro_f1 == 1.0  # the fallen-back message was the classifier's "greet"
    assert [(c.expected, c.predicted, c.count) for c in summary.confused] == [("greet", "nlu_fallback", 1)]


def test_the_report_names_the_commit_measured_and_says_if_the_tree_differed(tmp_path):
    assert code_version(tmp_path) == "unknown (not a git checkout)"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@x"

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    (tmp_path / "config.yml").write_text("pipeline: []\n")
    git("add", "config.yml")
    git("commit", "-qm", "first")
    commit = git("rev-parse", "--short", "HEAD").strip()
    assert code_version(tmp_path) == f"commit {commit}"
    (tmp_path / "config.yml").write_text("pipeline: [changed]\n")
    assert code_version(tmp_path) == f"commit {commit} with uncommitted changes"


def _serving(name: str, p95_ms: float) -> Serving:
    level = Level(10, 100, 10.0, 10.0, p95_ms / 2, p95_ms, p95_ms, p95_ms / 2, p95_ms, 0, 0, {"rasa": 1, "actions": 1})
    return Serving(name, "model.tar.gz", 1.0, Startup(1.0, 2.0, 3.0), [level])


def test_the_latency_target_is_judged_again_with_every_question_new():
    results = Results("now", {}, {}, None, None, _serving("ours", 60), None, None, _serving("no cache", 240))
    assert new_wording_targets(results) == [
        Target(
            "p95 latency at 10 concurrent, every question embedded anew (no question cache)",
            "≤ 150 ms",
            "240 ms",
            False,
        )
    ]
    assert new_wording_targets(Results("now", {}, {}, None, None, _serving("ours", 60), None)) == []


def test_the_emergency_check_s_cost_has_its_own_section_in_the_report():
    costs = {"short, 1 parts": 4.2, "long, 9 parts": 61.0}
    results = Results("now", {}, {}, None, None, None, None, emergency_ms=costs)
    section = "\n".join(emergency_section(results))
    assert "## The emergency check's cost" in section
    assert "| short, 1 parts | 4.2 |" in section and "| long, 9 parts | 61.0 |" in section
    assert emergency_section(Results("now", {}, {}, None, None, None, None)) == []


def test_red_flags_against_no_server_say_so_instead_of_scoring_zero(capsys):
    from bench.redflags import main as redflags_main

    port = free_port()  # nothing listens there
    assert redflags_main(["tests/blind/redflags.yml", "--url", f"http://127.0.0.1:{port}"]) == 1
    assert "No reply from" in capsys.readouterr().out

"""The report as Markdown tables: every figure, its ratio to stock Rasa where one applies, and the targets."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from bench.results import Results, Target, level, peak_rss
from bench.stats import Confusion, ratio
from bench.understanding import Understanding


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines + [""]


def _n(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _ratio(ours: float | None, stock: float | None) -> str:
    value = ratio(ours, stock)
    return f"{value:.2f}×" if value is not None else "–"


def _met(target: Target) -> str:
    return {True: "met", False: "**not met**", None: "not measured"}[target.met]


def targets_section(targets: Sequence[Target]) -> list[str]:
    rows = [(t.name, t.goal, t.value, _met(t)) for t in targets]
    return ["## Targets", "", *_table(("target", "goal", "measured", "result"), rows)]


def _confusions(pairs: Sequence[Confusion]) -> list[str]:
    return _table(("expected", "predicted", "messages"), [(c.expected, c.predicted, c.count) for c in pairs])


def understanding_section(u: Understanding) -> list[str]:
    h = u.heldout
    lines = [
        "## Understanding",
        "",
        f"Model `{u.model}`, whole NLU pipeline (fallback and safety guard included).",
        "",
        f"### Held-out set ({h.examples} messages)",
        "",
        *_table(
            ("measure", "precision", "recall", "F1"),
            [
                (
                    "intent, macro over intents",
                    _n(h.intent_macro.precision, 3),
                    _n(h.intent_macro.recall, 3),
                    _n(h.intent_macro.f1, 3),
                ),
                ("procedure entity", _n(h.entity.precision, 3), _n(h.entity.recall, 3), _n(h.entity.f1, 3)),
            ],
        ),
        f"Intent accuracy {h.intent_accuracy:.3f}; {h.fallbacks} messages fell to `nlu_fallback`; the classifier's "
        f"own top intent (no fallback) would score macro-F1 {h.classifier_macro_f1:.3f}.",
        "",
        *_table(
            ("intent", "precision", "recall", "F1", "support"),
            [(name, _n(s.precision, 3), _n(s.recall, 3), _n(s.f1, 3), s.support) for name, s in h.per_intent.items()],
        ),
        "Most confused intents on the held-out set (expected → predicted):",
        "",
        *_confusions(h.confused),
        f"### Held-out questions with personal details attached ({u.with_details.examples} messages)",
        "",
        "Names, dates of birth, hospital numbers, ages, other conditions, who the test is for "
        "(`tests/nlu/heldout_details.yml`, never trained on).",
        "",
        f"Intent accuracy {u.with_details.intent_accuracy:.3f}, macro-F1 {u.with_details.intent_macro.f1:.3f}; "
        f"{u.with_details.fallbacks} fell to `nlu_fallback`. Misunderstood (expected → predicted):",
        "",
        *_confusions(u.with_details.confused),
    ]
    cv = u.cross_validation
    if cv is None:
        lines += ["### Cross-validation", "", "Skipped in this run.", ""]
    else:
        rows = [
            (
                f.fold,
                f.train_examples,
                f.test_examples,
                _n(f.train_seconds, 0),
                _n(f.intent_macro_f1, 3),
                _n(f.classifier_macro_f1, 3),
                f.fallbacks,
                _n(f.entity_f1, 3),
            )
            for f in cv.folds
        ]
        rows.append(
            (
                "mean ± std",
                "",
                "",
                "",
                f"{cv.intent_macro_f1_mean:.3f} ± {cv.intent_macro_f1_std:.3f}",
                "",
                "",
                f"{cv.entity_f1_mean:.3f} ± {cv.entity_f1_std:.3f}",
            )
        )
        lines += [
            f"### {len(cv.folds)}-fold stratified cross-validation over the training data",
            "",
            *_table(
                (
                    "fold",
                    "train",
                    "test",
                    "training s",
                    "intent macro-F1",
                    "classifier alone",
                    "fallbacks",
                    "procedure F1",
                ),
                rows,
            ),
            f"Mean intent macro precision {cv.intent_macro_precision_mean:.3f}, recall "
            f"{cv.intent_macro_recall_mean:.3f}; {cv.fallbacks} test messages fell to `nlu_fallback`; the "
            f"classifier's own top intent over all folds scores macro-F1 {cv.classifier_macro_f1:.3f}. "
            "Most confused intents over all folds:",
            "",
            *_confusions(cv.confused),
        ]
    lines += out_of_scope_section(u)
    return lines


def out_of_scope_section(u: Understanding) -> list[str]:
    oos = u.out_of_scope
    accepted = oos.accepted_off_topic
    lines = [
        "### Out of scope",
        "",
        f"At the configured threshold {oos.threshold} (ambiguity threshold {oos.ambiguity_threshold}): "
        f"**{oos.rejection:.3f}** of {oos.off_topic_messages} off-topic messages rejected (final intent "
        f"`nlu_fallback` or `out_of_scope`), **{oos.acceptance:.3f}** of {oos.in_scope_messages} in-scope held-out "
        f"messages accepted; the held-out set's own out-of-scope messages: {oos.heldout_out_of_scope_rejection:.3f} "
        f"rejected. Replaying the fallback on the classifier's ranking disagrees with the pipeline on "
        f"{oos.replay_mismatches} messages.",
        "",
        *_table(("off-topic category", "rejected"), [(c, _n(r, 2)) for c, r in oos.rejection_by_category.items()]),
        "Threshold sweep (from the classifier's own ranking, as FallbackClassifier would decide):",
        "",
        *_table(
            ("threshold", "off-topic rejected", "in-scope accepted", "held-out macro-F1"),
            [(f"{p.threshold:.2f}", _n(p.rejection, 3), _n(p.acceptance, 3), _n(p.macro_f1, 3)) for p in oos.sweep],
        ),
        f"Off-topic messages answered as a question at the configured threshold ({len(accepted)}):",
        "",
        *_table(("message", "category", "intent"), [(m["text"], m["category"], m["intent"]) for m in accepted]),
    ]
    lines += [f"- note: {n}" for n in u.notes]
    return lines


def answers_section(results: Results) -> list[str]:
    """Answer-level figures: the share of replies with the right fact, by set, by kind, and our
    blind set's failures (the shared eval's own failures are in reports/bench/shared-eval/)."""
    found = results.answers
    if not found:
        return []
    rows = []
    for s in found["sets"]:
        q, c, t = s["questions"], s["conversations"], s["turns"]
        rows.append(
            (
                s["set"],
                f"{q['share']:.1%} ({q['right']}/{q['total']})",
                f"{c['share']:.1%} ({c['right']}/{c['total']})",
                f"{t['right']}/{t['total']}",
                f"{s['emergencies_caught']['right']}/{s['emergencies_caught']['total']}",
                f"{s['lookalikes_sent_to_999']}/{s['lookalikes']}",
            )
        )
    shared = found.get("shared_eval")
    if shared:
        (qr, qn), (cr, cn), (tr, tn) = shared["questions"], shared["conversations"], shared["turns"]
        em = shared["by_kind"].get("emergency", [0, 0])
        rows.append(
            (
                "shared eval",
                f"{qr / qn:.1%} ({qr}/{qn})",
                f"{cr / cn:.1%} ({cr}/{cn})",
                f"{tr}/{tn}",
                f"{em[0]}/{em[1]}",
                "–",
            )
        )
    lines = [
        "## Answers: does the patient get the right fact?",
        "",
        "Whole questions and conversations through the REST channel and the real action server; a reply is right "
        "when every expected pattern is found and no forbidden one (bench/answers.py). Our sets were written from "
        "the source documents only and are never trained on: blind (the floor test's), dev and dev2 (used to look "
        "at failures), fresh (never looked into). The shared eval is run by its own runner.",
        "",
        *_table(
            (
                "set",
                "questions right",
                "conversations right",
                "turns right",
                "emergencies caught",
                "look-alikes to 999",
            ),
            rows,
        ),
        "",
        "By kind of question (right/total):",
        "",
    ]
    kinds = sorted({k for s in found["sets"] for k in s["by_kind"]} | set(shared["by_kind"] if shared else ()))
    kind_rows = []
    for s in found["sets"]:
        kind_rows.append(
            (
                s["set"],
                *(
                    f"{s['by_kind'][k]['right']}/{s['by_kind'][k]['total']}" if k in s["by_kind"] else "–"
                    for k in kinds
                ),
            )
        )
    if shared:
        kind_rows.append(
            (
                "shared eval",
                *(
                    f"{shared['by_kind'][k][0]}/{shared['by_kind'][k][1]}" if k in shared["by_kind"] else "–"
                    for k in kinds
                ),
            )
        )
    lines += [*_table(("set", *kinds), kind_rows), ""]
    failure_kinds = sorted({k for s in found["sets"] for k in s.get("failure_kinds", {})})
    if failure_kinds:
        lines += ["What the patient got where a reply was wrong (failures by kind, counted without reading them):", ""]
        rows = [(s["set"], *(str(s.get("failure_kinds", {}).get(k, 0)) for k in failure_kinds)) for s in found["sets"]]
        lines += [*_table(("set", *failure_kinds), rows), ""]
    blind = next((s for s in found["sets"] if s["set"] == "blind"), None)
    if blind and blind["failures"]:
        lines += ["Our blind set's failures:", ""]
        lines += [
            f"- `{f['where']}` {f['text']!r}: missing {f['missing']}, forbidden {f['forbidden']}"
            for f in blind["failures"]
        ]
        lines.append("")
    return lines


def timelines_section(results: Results) -> list[str]:
    """Personal timelines (bench/timelines.py): the patient's own dates worked out right, by set."""
    found = (results.answers or {}).get("timelines") or {}
    if not found:
        return []

    def share(tally: dict[str, int]) -> str:
        return f"{tally['right'] / tally['total']:.1%} ({tally['right']}/{tally['total']})" if tally["total"] else "–"

    rows = [
        (
            name,
            share(s["messages"]),
            share(s["turns"]),
            share(s["conversations"]),
            f"{s['invented']}/{s['no_figure_items']}",
        )
        for name, s in found.items()
    ]
    kinds = sorted({k for s in found.values() for k in s["by_kind"]})
    kind_rows = [
        (name, *(f"{s['by_kind'][k]['right']}/{s['by_kind'][k]['total']}" if k in s["by_kind"] else "–" for k in kinds))
        for name, s in found.items()
    ]
    return [
        "## Personal timelines: the patient's own dates",
        "",
        "Messages and conversations with a day and time in British wording, the expected times computed by hand "
        "by people who saw only the sources (bench/timelines.py). Right: every expected date, time or problem "
        "asked back is in the reply's timeline data; invented: dates worked out where the sources give no figure.",
        "",
        *_table(("set", "messages right", "turns right", "conversations right", "invented / no-figure items"), rows),
        "",
        *_table(("set", *kinds), kind_rows),
        "",
    ]


def reading_section(results: Results) -> list[str]:
    """Flesch reading ease (netfaq/core/reading_ease.py): the median and the ten hardest answers, for
    every answer the knowledge base can give and for the replies to each answer set."""
    measured = [("every answer the knowledge base can give", results.reading)] if results.reading else []
    for s in (results.answers or {}).get("sets", []):
        if s.get("reading_ease"):
            measured.append((f"replies to the {s['set']} set", s["reading_ease"]))
    if not measured:
        return []
    lines = [
        "## Reading ease",
        "",
        "Flesch reading ease (higher is easier: 60 to 70 is plain English, 80 and above easy; NHS patient "
        "information aims at a reading age of 9 to 11). Syllables are counted by a heuristic "
        "(netfaq/core/reading_ease.py); tests/test_reading_ease.py holds the knowledge base's median to a floor.",
        "",
        *_table(("answers", "how many", "median"), [(name, r["answers"], _n(r["median"])) for name, r in measured]),
    ]
    for name, r in measured:
        lines += [f"Hardest {len(r['worst'])}, {name}:", ""]
        lines += _table(
            ("reading ease", "answer", "text"),
            [(_n(w["score"]), w["name"], " / ".join(w["text"].splitlines())[:160]) for w in r["worst"]],
        )
    return lines


def emergency_section(results: Results) -> list[str]:
    """What recognising emergencies by meaning costs each message (stock Rasa has no such check)."""
    if not results.emergency_ms:
        return []
    return [
        "## The emergency check's cost",
        "",
        "Median milliseconds of CPU (not wall time, which swings with whatever else the machine runs) to judge "
        "one message as the guard does (wording patterns, then the model on each sentence), measured in this run "
        "by bench/emergency.py. Stock Rasa has no emergency check, so there is no ratio; its cost is part of our "
        "serving latency below.",
        "",
        *_table(("message", "ms"), [(message, _n(ms)) for message, ms in results.emergency_ms.items()]),
    ]


def serving_section(results: Results) -> list[str]:
    ours, stock = results.ours, results.stock
    startup = [
        ("action server answers /health", ours.startup.action_ready_s, stock.startup.action_ready_s if stock else None),
        ("Rasa server answers /", ours.startup.rasa_ready_s, stock.startup.rasa_ready_s if stock else None),
        ("first answer", ours.startup.first_answer_s, stock.startup.first_answer_s if stock else None),
    ]
    t = results.training
    once = [
        ("full training (s)", t.ours_s, t.stock_s),
        ("model size on disk (MB)", ours.model_mb, stock.model_mb if stock else None),
        (
            "Rasa server RSS, peak after a level (MB)",
            peak_rss(ours, "rasa"),
            peak_rss(stock, "rasa") if stock else None,
        ),
        (
            "action server RSS, peak after a level (MB)",
            peak_rss(ours, "actions"),
            peak_rss(stock, "actions") if stock else None,
        ),
    ]
    lines = [
        "## Serving",
        "",
        "Through the REST channel on 127.0.0.1; every conversation 4 turns with a new sender (ours: a procedure "
        "question, then follow-ups answered by the custom action from the `procedure` slot; stock: hello, I am sad, "
        "yes, bye). Warm-up excluded. Ours stores conversations in its configured SQL tracker store (SQLite, a "
        "temporary file); stock uses Rasa's default in-memory tracker store. Ratios are ours / stock (higher is "
        "better for messages/s, lower for the rest).",
        "",
        "### Start-up (seconds from starting both processes)",
        "",
        *_table(("", "ours", "stock", "ratio"), [(n, _n(o), _n(s), _ratio(o, s)) for n, o, s in startup]),
        "### Training, size and memory",
        "",
        *_table(("", "ours", "stock", "ratio"), [(n, _n(o), _n(s), _ratio(o, s)) for n, o, s in once]),
        "### Load",
        "",
    ]
    rows = []
    for lv in ours.levels:
        base = level(stock, lv.concurrency)
        for name in ("msgs_per_s", "p50_ms", "p95_ms", "p99_ms", "mean_ms", "max_ms"):
            o, s = getattr(lv, name), getattr(base, name) if base else None
            rows.append((lv.concurrency, name, _n(o), _n(s), _ratio(o, s)))
        rows.append(
            (
                lv.concurrency,
                "messages / errors / unexpected",
                f"{lv.messages} / {lv.errors} / {lv.unexpected}",
                f"{base.messages} / {base.errors} / {base.unexpected}" if base else "–",
                "",
            )
        )
        rows.append(
            (
                lv.concurrency,
                "RSS Rasa / actions (MB)",
                f"{lv.rss_mb['rasa']:.0f} / {lv.rss_mb['actions']:.0f}",
                f"{base.rss_mb['rasa']:.0f} / {base.rss_mb['actions']:.0f}" if base else "–",
                "",
            )
        )
    lines += _table(("concurrent", "measure", "ours", "stock", "ratio"), rows)
    if results.ours_new_wording is not None:
        lines += [
            "",
            "### Load with every question embedded anew",
            "",
            "Ours again with no question-embedding cache (`question_cache=0`): the figures for wording never "
            "seen before. As shipped, the answerer keeps the embeddings of the last 4,096 questions.",
            "",
        ]
        fresh = []
        for lv in results.ours_new_wording.levels:
            base = level(stock, lv.concurrency)
            for name in ("msgs_per_s", "p50_ms", "p95_ms", "p99_ms"):
                o, s = getattr(lv, name), getattr(base, name) if base else None
                fresh.append((lv.concurrency, name, _n(o), _n(s), _ratio(o, s)))
            fresh.append((lv.concurrency, "messages / errors", f"{lv.messages} / {lv.errors}", "", ""))
        lines += _table(("concurrent", "measure", "ours, no cache", "stock", "ratio"), fresh)
    return lines


def markdown(results: Results, targets: Sequence[Target], charts: dict[str, Path], out: Path) -> str:
    machine = ", ".join(f"{k} {v}" for k, v in results.machine.items())
    settings = ", ".join(f"{k}={v}" for k, v in results.settings.items())
    lines = [
        "# Benchmark: understanding and serving, with stock Rasa as the baseline",
        "",
        f"Generated {results.generated}. Machine: {machine}. Settings: {settings}.",
        "",
        "The load generator runs on the same machine as both servers, and the other runs of this benchmark "
        "(cross-validation, training) happen before the load, never during it.",
        "",
        *targets_section(targets),
        *understanding_section(results.understanding),
        *answers_section(results),
        *timelines_section(results),
        *reading_section(results),
        *emergency_section(results),
        *serving_section(results),
        "## Charts",
        "",
    ]
    lines += [f"![{name}]({path.relative_to(out)})" for name, path in charts.items()]
    return "\n".join(lines) + "\n"

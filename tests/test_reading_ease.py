"""Reading ease (Flesch) of every answer the knowledge base can give, held to a floor.

Measured with netfaq/core/reading_ease.py over the answers `possible_answers` lists (each test's
facts on each topic, each gap, each "not sure" answer, each general topic and FAQ, the helpline
answer, the welcome and the fixed replies): median 59.2 before issue 21's plain-words changes,
73.7 after. `make bench` prints the median and the ten hardest, for these and for the replies to
every answer set.
"""

from __future__ import annotations

import statistics
from datetime import date

import pytest

from netfaq.core.paths import PRIVACY_FILE
from netfaq.core.reading_ease import flesch_reading_ease, possible_answers, score_all, summary, syllables
from netfaq.core.replies import privacy_notice
from netfaq.core.safety import default_rules

MEDIAN_FLOOR = 73.0  # measured 73.7 after the plain-words changes (59.2 before)


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("the", 1),
        ("scan", 1),
        ("scanned", 1),
        ("tested", 2),
        ("whole", 1),
        ("people", 2),
        ("table", 2),
        ("biopsy", 3),
        ("radiation", 4),
        ("ultrasound", 3),
        ("pheochromocytoma", 6),
        ("high-frequency", 4),
        ("0808", 1),
    ],
)
def test_syllables_by_heuristic(word, count):
    assert syllables(word) == count


def test_the_flesch_formula():
    # 6 words, 1 sentence, 6 syllables: 206.835 - 1.015 x 6 - 84.6 x 1
    assert flesch_reading_ease("The cat sat on the mat.") == pytest.approx(116.145)
    # 2 sentences of 3 words (lines count as sentences), 9 syllables: 206.835 - 1.015 x 3 - 84.6 x 1.5
    assert flesch_reading_ease("Ultrasound is safe\n\u2022 It is painless.") == pytest.approx(76.89)
    assert flesch_reading_ease("") == 100.0
    hard = "Somatostatin receptor scintigraphy visualises neuroendocrine neoplasms."
    assert flesch_reading_ease(hard) < 0 < flesch_reading_ease("You lie on a couch. The gel feels cold.")


def test_every_answer_the_knowledge_base_can_give_reads_easily_enough(kb):
    answers = possible_answers(kb, date(2026, 12, 7), default_rules().services, privacy_notice(PRIVACY_FILE, 90))
    assert len(answers) > 12 * 10  # every test on every topic, and more
    scored = score_all(answers)
    median = statistics.median(s.score for s in scored)
    hardest = "\n".join(f"{s.score:.1f} {s.name}" for s in scored[:10])
    assert median >= MEDIAN_FLOOR, f"median reading ease {median:.1f}; hardest:\n{hardest}"
    assert summary(scored)["median"] == round(median, 1) and len(summary(scored)["worst"]) == 10

"""FAQs that belong to no single test, one file each in data/knowledge/faqs/.

A FAQ's phrasings are matched like its facts (netfaq/core/retrieval.py), so a new FAQ is answered as
soon as the action server reloads the knowledge base: no intent, no domain change, no retraining.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from netfaq.core.knowledge import EditRefused, problems_with
from netfaq.core.paths import KNOWLEDGE_DIR
from netfaq.core.schema import ID_PATTERN


def faq_yaml(
    faq_id: str, question: str, answers: list[str], source: str, asked_as: list[str], plain: Sequence[str] = ()
) -> str:
    facts = [
        {"text": text, **({"plain": plain[n]} if plain else {}), "source": source} for n, text in enumerate(answers)
    ]
    data = {
        "faq": {
            "id": faq_id,
            "question": question,
            "answer": facts,
            "asked_as": asked_as,
        }
    }
    return "# A FAQ (netfaq faq add): its facts cite a source in sources.yml; asked_as are matched, not trained.\n" + (
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    )


def add_faq(
    faq_id: str,
    question: str,
    answers: list[str],
    source: str,
    asked_as: list[str],
    knowledge_dir: Path = KNOWLEDGE_DIR,
    plain: Sequence[str] = (),
) -> Path:
    """Write data/knowledge/faqs/<id>.yml after checking the knowledge base with it, or raise EditRefused.
    `plain`: each answer in plain words ("simpler please"), one per answer, in the same order."""
    target = knowledge_dir / "faqs" / f"{faq_id}.yml"
    problems = [] if re.fullmatch(ID_PATTERN, faq_id) else [f"id '{faq_id}' must be lower case letters, digits and _"]
    if plain and len(plain) != len(answers):
        problems.append(f"{len(plain)} plain versions for {len(answers)} answers: give one for each, in order")
    problems += [
        f"answer {number} is not a sentence a patient can use: {text!r}"
        for number, text in enumerate(answers, 1)
        if len(re.findall(r"[A-Za-z]+", text)) < 3 or "TODO" in text
    ]
    if problems:
        raise EditRefused(target, problems)
    if target.exists():
        raise EditRefused(target, [f"FAQ '{faq_id}' already exists: edit the file"])
    text = faq_yaml(faq_id, question, answers, source, asked_as, plain)
    problems = problems_with(knowledge_dir, {f"faqs/{target.name}": text})
    if problems:
        raise EditRefused(target, [f"{p.entry}: {p.message}" for p in problems])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target

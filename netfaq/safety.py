"""Emergency wording matcher and replies, independent of the intent classifier."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from netfaq.paths import SAFETY_FILE

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")


@dataclass(frozen=True)
class EmergencyRules:
    categories: dict[str, tuple[re.Pattern[str], ...]]
    replies: dict[str, str]
    general_reply: str
    closing: str
    hypothetical: tuple[re.Pattern[str], ...]
    conditional: tuple[re.Pattern[str], ...]
    happening_now: tuple[re.Pattern[str], ...]

    def reply(self, category: str | None) -> list[str]:
        """What to say, in order: the advice for this kind of emergency, then the closing line."""
        return [self.replies.get(category or "", self.general_reply), self.closing]


def normalise(text: str) -> str:
    return " ".join(_APOSTROPHES.sub("", text.lower()).split())


def load_rules(path: Path = SAFETY_FILE) -> EmergencyRules:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))

    def compile_all(patterns: list[str], where: str) -> tuple[re.Pattern[str], ...]:
        compiled = []
        for pattern in patterns:
            try:
                compiled.append(re.compile(pattern))
            except re.error as error:
                raise ValueError(f"{path}: {where}: bad pattern {pattern!r}: {error}") from error
        return tuple(compiled)

    categories = raw["categories"]
    return EmergencyRules(
        categories={name: compile_all(c["patterns"], f"category '{name}'") for name, c in categories.items()},
        replies={name: c["reply"] for name, c in categories.items()},
        general_reply=raw["general_reply"],
        closing=raw["closing"],
        hypothetical=compile_all(raw["hypothetical"], "hypothetical"),
        conditional=compile_all(raw.get("conditional", []), "conditional"),
        happening_now=compile_all(raw["happening_now"], "happening_now"),
    )


@lru_cache(maxsize=1)
def default_rules() -> EmergencyRules:
    return load_rules()


def detect_emergency(text: str | None, rules: EmergencyRules | None = None) -> str | None:
    """The emergency category the message describes, or None."""
    if not text:
        return None
    rules = rules or default_rules()
    clean = normalise(text)
    for category, regexes in rules.categories.items():
        if any(regex.search(clean) for regex in regexes):
            asked_about = any(r.search(clean) for r in rules.hypothetical)
            happening = any(r.search(clean) for r in rules.happening_now)
            if (asked_about and not happening) or any(r.search(clean) for r in rules.conditional):
                continue
            return category
    return None

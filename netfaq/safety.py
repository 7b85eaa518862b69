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
    past: tuple[re.Pattern[str], ...]
    still_happening: tuple[re.Pattern[str], ...]
    deferral: tuple[re.Pattern[str], ...]
    deferral_reply: str

    def reply(self, category: str | None) -> list[str]:
        """What to say, in order: the advice for this kind of emergency, then the closing line."""
        return [self.replies.get(category or "", self.general_reply), self.closing]

    def advice(self, category: str | None) -> str:
        """The whole emergency reply as one message."""
        return "\n".join(self.reply(category))

    def advice_again(self, category: str | None) -> str:
        """What to say when the patient puts off the advice just given."""
        return f"{self.deferral_reply}\n{self.advice(category)}"


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
        past=compile_all(raw["past"], "past"),
        still_happening=compile_all(raw["still_happening"], "still_happening"),
        deferral=compile_all(raw["deferral"], "deferral"),
        deferral_reply=" ".join(raw["deferral_reply"].split()),
    )


@lru_cache(maxsize=1)
def default_rules() -> EmergencyRules:
    return load_rules()


def _any(patterns: tuple[re.Pattern[str], ...], clean: str) -> bool:
    return any(pattern.search(clean) for pattern in patterns)


def not_happening_now(text: str | None, rules: EmergencyRules | None = None) -> bool:
    """A question about what could happen, a "what if", or signs that are over."""
    if not text:
        return False
    rules = rules or default_rules()
    clean = normalise(text)
    asked_about = _any(rules.hypothetical, clean) and not _any(rules.happening_now, clean)
    over = _any(rules.past, clean) and not _any(rules.still_happening, clean)
    return asked_about or over or _any(rules.conditional, clean)


def detect_emergency(text: str | None, rules: EmergencyRules | None = None) -> str | None:
    """The emergency category the message describes as happening now, or None."""
    if not text:
        return None
    rules = rules or default_rules()
    clean = normalise(text)
    for category, regexes in rules.categories.items():
        if _any(regexes, clean):
            return None if not_happening_now(text, rules) else category
    return None


def is_deferral(text: str | None, rules: EmergencyRules | None = None) -> bool:
    """Wording that puts off getting help ("I'd rather not make a fuss")."""
    return bool(text) and _any((rules or default_rules()).deferral, normalise(text))

"""Treatments and tests our sources don't describe, named beside the tests they do
(data/language/not_covered.yml). "My monthly octreotide injection" is a treatment, not the
octreotide scan; "liver function tests" are not a liver ultrasound. The words that name one are
never read as a test, and the patient is told the sources don't cover it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from netfaq.core.paths import NOT_COVERED_FILE

TREATMENT, TEST = "treatment", "test"


class NotCoveredError(ValueError):
    """A not-covered file that can't be used, naming the file, the entry and the problem."""


@dataclass(frozen=True)
class Uncovered:
    id: str
    name: str  # as a reply says it: "octreotide or lanreotide injections"
    kind: str  # TREATMENT or TEST


@dataclass(frozen=True)
class Naming:
    """Where a message names something our sources don't cover."""

    thing: Uncovered
    start: int
    end: int


class NotCovered:
    def __init__(self, things: dict[Uncovered, tuple[str, ...]], treatment_redirect: str) -> None:
        self.treatment_redirect = treatment_redirect  # the redirect kind a treatment question gets
        self._patterns = [(thing, _pattern(said_as)) for thing, said_as in things.items()]
        self._said_as = [name for said_as in things.values() for name in said_as]

    def words(self) -> list[str]:
        """Every way patients name the things we don't cover ("lanreotide", "lu177")."""
        return list(self._said_as)

    def find(self, text: str) -> list[Naming]:
        return [
            Naming(thing, match.start(), match.end())
            for thing, pattern in self._patterns
            for match in pattern.finditer(text)
        ]


def _pattern(said_as: tuple[str, ...]) -> re.Pattern[str]:
    """Whole words in any case, a space or hyphen between them (or none: "lu177")."""
    ways = [r"[\s-]?".join(re.escape(word) for word in re.split(r"[\s-]+", name)) for name in said_as]
    ways.sort(key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(ways) + r")(?![\w-])", re.IGNORECASE)


def load_not_covered(path: Path = NOT_COVERED_FILE) -> NotCovered:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise NotCoveredError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(raw, dict) or not isinstance(raw.get("not_covered"), dict):
        raise NotCoveredError(f"{path}: expected a `not_covered:` mapping")
    redirect = raw.get("treatment_redirect")
    if not isinstance(redirect, str) or not redirect.strip():
        raise NotCoveredError(f"{path}: `treatment_redirect:` must name a kind of data/hospital/redirects.yml")
    things = {}
    for key, entry in raw["not_covered"].items():
        if not isinstance(entry, dict):
            raise NotCoveredError(f"{path}: '{key}': expected name, kind and said_as")
        name, kind, said_as = entry.get("name"), entry.get("kind"), entry.get("said_as")
        if not isinstance(name, str) or not name.strip():
            raise NotCoveredError(f"{path}: '{key}': the name must be non-empty text")
        if kind not in (TREATMENT, TEST):
            raise NotCoveredError(f"{path}: '{key}': kind must be {TREATMENT} or {TEST}, not {kind!r}")
        if not isinstance(said_as, list) or not said_as or not all(isinstance(s, str) and s.strip() for s in said_as):
            raise NotCoveredError(f"{path}: '{key}': said_as must be a non-empty list of texts")
        things[Uncovered(str(key), name.strip(), kind)] = tuple(s.strip() for s in said_as)
    return NotCovered(things, redirect.strip())


@lru_cache(maxsize=1)
def default_not_covered() -> NotCovered:
    return load_not_covered()

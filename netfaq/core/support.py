"""Whether a message asks for support rather than for a fact ("this is all too much"), by meaning.

Someone struggling is never asked "which test?" or told they weren't understood: where the intent
classifier misses them, a message close in meaning to the examples it was trained with for the
support intent (ask_coping in data/nlu/) gets the coping facts and the nurse helpline. The
examples are read from the training data, so adding one there teaches both. No Rasa imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import yaml

from netfaq.core.paths import DATA_DIR
from netfaq.core.redirects import plain

NLU_DIR = DATA_DIR / "nlu"


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def intent_examples(intent: str, nlu_dir: Path = NLU_DIR) -> tuple[str, ...]:
    """Every training example of one intent, across the NLU files, as a patient typed it."""
    examples: list[str] = []
    for path in sorted(nlu_dir.rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if block.get("intent") == intent:
                lines = str(block.get("examples", "")).splitlines()
                examples += [plain(line.strip()[2:]) for line in lines if line.strip().startswith("- ")]
    return tuple(dict.fromkeys(examples))


class SupportRequests:
    """How close a message is to the ways patients ask for support."""

    def __init__(self, examples: Sequence[str], encoder: Encoder) -> None:
        if not examples:
            raise ValueError("no examples of asking for support in the training data")
        self.encoder = encoder
        self.vectors = encoder.encode(list(examples))

    def closeness(self, text: str) -> float:
        """Cosine similarity of the message to its closest example."""
        return float((self.vectors @ self.encoder.encode([text])[0]).max())

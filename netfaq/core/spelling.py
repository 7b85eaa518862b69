"""Misspelt words put right before a message is matched to the facts: "how lng dose an ultrsound
scna tkae" is read as "how long dose an ultrasound scan take". Sentence embeddings cut an unknown
word into pieces that mean nothing, so one typo can take a question far from its fact.

Only words that are neither English in common use (pyspellchecker's word list, its frequency at
least ENGLISH_FROM, or the encoder's vocabulary) nor ours are changed, and only into a word of
ours (the knowledge base, the redirect examples, patients' words) within one edit (two for longer
words), the most used one winning; never into a test's name (the test finder reads misspelt names
itself, and "pNET" is not a PET scan). Abbreviations written with capitals inside ("pNET") are left.
Real words typed for others ("dose" for "does") are left: nothing here knows which was meant.
Lookups go through the words' deletions (the symmetric-delete method): well under a millisecond.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache
from itertools import combinations

from netfaq.core.procedure_finder import edit_distance

_WORD = re.compile(r"[A-Za-z]+")
SHORTEST = 3  # shorter words are left alone: too many words are one edit from "wat"
LONG_FROM = 6  # from this length a word may be two edits from what was meant
# pyspellchecker's count from which a word is English in common use: "starve" (10,327) and "wat"
# (680) are left as typed, "abut" (330) is taken for a misspelt "about".
ENGLISH_FROM = 500


def english_words(encoder_words: frozenset[str] = frozenset()) -> frozenset[str]:
    """English words in common use: pyspellchecker's list (inside the package) and the encoder's."""
    return _common_english() | encoder_words


@lru_cache(maxsize=1)
def _common_english() -> frozenset[str]:
    """Read once per process: the answerer is built again whenever the knowledge base changes."""
    from spellchecker import SpellChecker

    counts = SpellChecker().word_frequency.dictionary
    return frozenset(word for word, count in counts.items() if count >= ENGLISH_FROM)


def _deletions(word: str, most: int) -> set[str]:
    """The word with up to `most` letters taken out, itself included."""
    found = {word}
    for count in range(1, min(most, len(word) - 1) + 1):
        found |= {
            "".join(c for i, c in enumerate(word) if i not in gone) for gone in combinations(range(len(word)), count)
        }
    return found


def allowed_edits(word: str) -> int:
    return 2 if len(word) >= LONG_FROM else 1


class Speller:
    def __init__(self, ours: Counter[str], english: frozenset[str], never_into: frozenset[str] = frozenset()) -> None:
        """`ours`: our words and how often our texts use them; `english`: ordinary words, never
        changed; `never_into`: words of ours no misspelling is read as (tests' names)."""
        self.ours = ours
        self.known = english | frozenset(ours)
        self._by_deletion: dict[str, list[str]] = defaultdict(list)
        for word in ours:
            if len(word) >= SHORTEST and word not in never_into:
                for deleted in _deletions(word, allowed_edits(word)):
                    self._by_deletion[deleted].append(word)

    @classmethod
    def from_texts(
        cls, texts: Iterable[str], english: frozenset[str], never_into: frozenset[str] = frozenset()
    ) -> Speller:
        return cls(Counter(word for text in texts for word in _WORD.findall(text.lower())), english, never_into)

    def word(self, typed: str) -> str:
        """Our word meant by a word nobody uses, or the word as typed."""
        lowered = typed.lower()
        if len(lowered) < SHORTEST or lowered in self.known or typed[1:] != typed[1:].lower():
            return typed
        most = allowed_edits(lowered)
        candidates = {word for deleted in _deletions(lowered, most) for word in self._by_deletion.get(deleted, ())}
        scored = [(edit_distance(lowered, word, most), -self.ours[word], word) for word in candidates]
        scored = [item for item in scored if item[0] <= min(most, allowed_edits(item[2]))]
        return min(scored)[2] if scored else typed

    def correct(self, text: str) -> str:
        return _WORD.sub(lambda match: self.word(match.group()), text)

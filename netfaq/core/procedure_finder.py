"""Find the tests a patient's message is about: by name, misspelt, or described.

Names are the knowledge base's aliases (longest match first). A word that is not an English word
but is one or two letters away from a word of a test's name is read as that word ("octreotid",
"ultrsound", "echocardiagram"); real words are never changed, so "blood" stays "blood". A test
can also be described rather than named: each procedure's `described_as` lists sets of words
that, all present in a message, mean that test ("tube throat" for an endoscopic ultrasound).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netfaq.core.knowledge import KnowledgeBase, alias_variants

_TOKEN = re.compile(r"[a-z0-9]+(?:[-/.][a-z0-9]+)*\.?")
_DOTTED = re.compile(r"^(?:[a-z]\.){2,}[a-z]?\.?$")  # "m.r.i.", "c.t.": read as "mri", "ct"
# The shortest word that may be read as a misspelling of a test's name.
MIN_CORRECTED_LENGTH = 4
# How close a description must be to a test's name to say which test the name means (characters).
NEAR_CHARACTERS = 30
_CLAUSE_WORDS = frozenset({"then", "also", "plus", "or", "but"})


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Mention:
    procedure: str
    start: int
    end: int
    how: str  # "name", "spelling", "description" or "hint"
    words: frozenset[str] = frozenset()  # for a description, the words that describe the test


def tokens(text: str) -> list[Token]:
    lowered = text.lower()
    found = []
    for match in _TOKEN.finditer(lowered):
        word = match.group()
        if _DOTTED.match(word):
            found.append(Token(word.replace(".", ""), match.start(), match.end()))
            continue
        word = word.rstrip(".") if word.count(".") == 1 else word
        found.append(Token(word, match.start(), match.start() + len(word)))
    return found


def _parts(word: str) -> tuple[str, ...]:
    """A word and, when it is hyphenated, its parts: a name keeps its hyphen ("pet-ct"), a
    description is often written with them ("the camera-down-the-throat one")."""
    return (word, *word.split("-")) if "-" in word else (word,)


def stem(word: str) -> str:
    """Plural and possessive endings off, so "tubes" matches "tube"."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count once), or limit + 1 once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class ProcedureFinder:
    def __init__(self, kb: KnowledgeBase, dictionary: frozenset[str]):
        """`dictionary` holds ordinary words, which are never read as misspelt test names."""
        self.aliases: dict[tuple[str, ...], str] = {}
        for alias, procedure in kb.aliases.items():
            self.aliases[tuple(t.text for t in tokens(alias))] = procedure
        for procedure in kb.procedures.values():
            for alias in procedure.aliases:
                for variant in alias_variants(alias):
                    self.aliases.setdefault(tuple(t.text for t in tokens(variant)), procedure.id)
        self.longest = max(len(key) for key in self.aliases)
        # How many names each word is part of: a misspelling listed as an alias ("ultrsound") is
        # read as the word it misspells ("ultrasound"), which is in more names.
        self.name_words: dict[str, int] = {}
        for key in self.aliases:
            for word in key:
                if len(word) >= MIN_CORRECTED_LENGTH and word.isalpha():
                    self.name_words[word] = self.name_words.get(word, 0) + 1
        self.dictionary = dictionary
        self.names = {procedure.id: procedure.name for procedure in kb.procedures.values()}
        self._spellings: dict[str, str] = {}
        self.descriptions = tuple(
            (frozenset(stem(t.text) for t in tokens(description)), procedure.id)
            for procedure in kb.procedures.values()
            for description in procedure.described_as
        )
        # The words of each test's names: "ultrasound" is part of "endoscopic ultrasound".
        self.name_stems: dict[str, frozenset[str]] = {}
        for key, procedure in self.aliases.items():
            self.name_stems[procedure] = self.name_stems.get(procedure, frozenset()) | {stem(w) for w in key}
        self.hints = tuple(
            (frozenset(stem(t.text) for t in tokens(hint)), procedure.id)
            for procedure in kb.procedures.values()
            for hint in procedure.hinted_by
        )

    def spelling(self, word: str) -> str:
        """The word of a test's name that `word` is a misspelling of, or `word` itself."""
        if word not in self._spellings:
            self._spellings[word] = self._closest_name_word(word)
        return self._spellings[word]

    def _closest_name_word(self, word: str) -> str:
        if len(word) < MIN_CORRECTED_LENGTH or not word.isalpha() or word in self.dictionary:
            return word
        limit = 1 if len(word) < 8 else 2
        own = self.name_words.get(word, 0)
        candidates = [
            (distance, -count, candidate)
            for candidate, count in self.name_words.items()
            if count > own and (distance := edit_distance(word, candidate, limit)) <= limit
        ]
        if not candidates:
            return word
        candidates.sort()
        if len(candidates) > 1 and candidates[0][:2] == candidates[1][:2]:
            return word  # two names equally close: leave it alone
        return candidates[0][2]

    def one_word_names(self) -> frozenset[str]:
        """The names of tests that are one word ("pet", "echo", "ultrasound")."""
        return frozenset(key[0] for key in self.aliases if len(key) == 1)

    def corrected(self, text: str, mentions: list[Mention] | None = None, only: str | None = None) -> str:
        """The message with the tests it names written as the knowledge base names them ("EUS" ->
        "endoscopic ultrasound") and described tests named at the end: for matching facts, not storing.
        With `only`, the other tests named are left out ("how long do an ultrasound and an echo take"
        is matched as "how long do an ultrasound scan and an take" for the ultrasound)."""
        mentions = self.find(text) if mentions is None else mentions
        pieces, last = [], 0
        for mention in sorted((m for m in mentions if m.end > m.start), key=lambda m: m.start):
            kept = only is None or mention.procedure == only
            pieces += [text[last : mention.start], self.names[mention.procedure] if kept else ""]
            last = mention.end
        described = [self.names[m.procedure] for m in mentions if m.end == m.start and only in (None, m.procedure)]
        return "".join(pieces) + text[last:] + "".join(f" ({name})" for name in described)

    def find(self, text: str) -> list[Mention]:
        """Tests the message names, misspells or describes, in the order they appear."""
        words = self._joined(tokens(text))
        spelt = [self.spelling(t.text) for t in words]
        mentions: list[Mention] = []
        i = 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                key = tuple(spelt[i : i + size])
                procedure = self.aliases.get(key)
                if procedure is None:
                    continue
                how = "name" if key == tuple(t.text for t in words[i : i + size]) else "spelling"
                mentions.append(Mention(procedure, words[i].start, words[i + size - 1].end, how))
                i += size
                break
            else:
                i += 1
        present = {stem(part) for word in spelt for part in _parts(word)}  # "camera-down-the-tube"
        for needed, procedure in self.descriptions:
            if procedure in {m.procedure for m in mentions} or not needed <= present:
                continue
            # A description only counts when no test is named, or when it makes a named test more
            # precise: "ultrasound" in "an ultrasound to check my liver" is the liver ultrasound.
            refined = [m for m in mentions if self._refines(text, m, needed, procedure, words)]
            if mentions and not refined:
                continue
            mentions = [m for m in mentions if m not in refined]
            mentions.append(Mention(procedure, 0, 0, "description", needed))
        if not mentions:
            for needed, procedure in self.hints:
                if needed <= present and procedure not in {m.procedure for m in mentions}:
                    mentions.append(Mention(procedure, 0, 0, "hint", needed))
        return mentions

    def _refines(self, text: str, mention: Mention, needed: frozenset[str], procedure: str, words: list[Token]) -> bool:
        """Whether a description makes a named test more precise: it takes in the name's words ("an
        ultrasound to check my liver") or the name is part of the described test's own name ("the
        camera-down-the-tube ultrasound" is the endoscopic ultrasound), and its other words are beside
        the name ("an ultrasound, then the one with the camera" is two tests)."""
        named = self._words(text, mention)
        if not (named < needed or named <= self.name_stems[procedure]):
            return False
        return needed - named <= self._beside(words, mention)

    def _beside(self, words: list[Token], mention: Mention) -> set[str]:
        """The stems of the words next to a mention, up to NEAR_CHARACTERS away, stopping at a word
        that starts another part of the sentence ("then", "or")."""
        before = [t for t in words if t.end <= mention.start][::-1]
        after = [t for t in words if t.start >= mention.end]
        beside: set[str] = set()
        for side, distance in ((before, lambda t: mention.start - t.start), (after, lambda t: t.end - mention.end)):
            for t in side:
                if t.text in _CLAUSE_WORDS or distance(t) > NEAR_CHARACTERS:
                    break
                beside |= {stem(part) for part in _parts(self.spelling(t.text))}
        return beside

    def _joined(self, words: list[Token]) -> list[Token]:
        """Words of a name split in two joined up again ("ultra sound", "echo cardiogram")."""
        joined: list[Token] = []
        for token in words:
            if joined:
                together = joined[-1].text + token.text
                if together in self.name_words:
                    joined[-1] = Token(together, joined[-1].start, token.end)
                    continue
            joined.append(token)
        return joined

    def _words(self, text: str, mention: Mention) -> frozenset[str]:
        return frozenset(stem(self.spelling(t.text)) for t in tokens(text[mention.start : mention.end]))

    def procedures(self, text: str) -> list[str]:
        return list(dict.fromkeys(m.procedure for m in self.find(text)))

    def without_mentions(self, text: str, mentions: list[Mention]) -> str:
        """The message with the tests it names or describes taken out ("and for the MRI?" -> "and for the ?")."""
        described = frozenset().union(*(m.words for m in mentions))
        named = [(m.start, m.end) for m in mentions if m.end > m.start]
        kept = [
            t.text
            for t in tokens(text)
            if not any(start <= t.start < end for start, end in named) and stem(self.spelling(t.text)) not in described
        ]
        return " ".join(kept)

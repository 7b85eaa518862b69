"""One plain spelling of a message, so that spelling can't hide an emergency or forge a payload.

"c h e s t  p a i n", "ch3st pa1n", "chestpain", "ｃｈｅｓｔ ｐａｉｎ", "chest\u200bpain" with a zero-width
space, "chеst pain" with a Cyrillic "е", a soft hyphen or a combining accent: all become "chest
pain" before the emergency check reads them. Only the safety checks and the payload rule read this
form; understanding and the stored conversation keep what the patient wrote.
"""

from __future__ import annotations

import re
import unicodedata
from typing import AbstractSet

# Letters of other scripts drawn like Latin ones (Unicode's confusables for the Cyrillic and Greek
# lower-case letters that appear in Latin-looking text).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "ԛ": "q", "ԝ": "w", "ɡ": "g", "ɩ": "i", "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k",
        "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ѡ": "w", "һ": "h", "ӏ": "l",
    }
)  # fmt: skip
# Digits written for the letters they look like, inside a word ("ch3st pa1n", "bl00d").
_DIGIT_LETTERS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_DIGIT_IN_WORD = re.compile(r"(?<=[a-z])[013457@$]+(?=[a-z])|(?<=[a-z]{2})[013457@$]+\b")
_SPACED_LETTERS = re.compile(r"\b(?:[a-z] ){3,}[a-z]\b")  # "c h e s t": 4 or more single letters
_WORD = re.compile(r"[a-z]+")
_LONGEST_GLUED = 30
_SHORTEST_PART = 3


def visible(text: str) -> str:
    """The text as it is seen: compatibility forms folded (NFKC), format characters (zero-width
    spaces, soft hyphens, direction marks) dropped, and no spaces at either end."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf").strip()


def _fold_letters(text: str) -> str:
    """Compatibility forms (full-width, ligatures) as ordinary letters, without accents, format
    characters (zero-width spaces, soft hyphens, direction marks) or other scripts' look-alikes."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Me", "Cf"))
    return unicodedata.normalize("NFKC", kept).lower().translate(_CONFUSABLES)


def _unspace(match: re.Match[str]) -> str:
    return match.group().replace(" ", "")


def _split_glued(word: str, words: AbstractSet[str]) -> str:
    """ "chestpain" as "chest pain" when it is no word itself but two words of at least 3 letters."""
    if word in words or len(word) < 2 * _SHORTEST_PART or len(word) > _LONGEST_GLUED:
        return word
    for cut in range(_SHORTEST_PART, len(word) - _SHORTEST_PART + 1):
        if word[:cut] in words and word[cut:] in words:
            return f"{word[:cut]} {word[cut:]}"
    return word


def plain(text: str, words: AbstractSet[str] = frozenset()) -> str:
    """The message in one plain spelling: lower case, one space between words. `words` (a
    vocabulary of ordinary English words) lets glued words be pulled apart."""
    folded = _fold_letters(text)
    folded = "  ".join(_SPACED_LETTERS.sub(_unspace, part) for part in re.split(r"\s{2,}", folded))
    folded = _DIGIT_IN_WORD.sub(lambda m: "".join(_DIGIT_LETTERS[c] for c in m.group()), folded)
    if words:
        folded = _WORD.sub(lambda m: _split_glued(m.group(), words), folded)
    return " ".join(folded.split())

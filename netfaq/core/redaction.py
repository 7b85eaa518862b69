"""Remove personal data from what patients typed, before it is stored.

Understanding runs on the original text; only the stored copy is redacted. The nurse helpline's
own number is not personal data and is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDERS = {
    "email": "[email]",
    "nhs_number": "[NHS number]",
    "phone": "[phone]",
    "date_of_birth": "[date]",
    "postcode": "[postcode]",
}

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

_SPOKEN_DIGIT = r"(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine)"
_SPOKEN_SEPARATOR = r"[\s,.-]+"
# A domain part and the word "dot" or a dot, for e-mail addresses spelled out.
_DOT = r"(?:\s*(?:\.|\(dot\)|\[dot\]|\bdot\b)\s*)"
_AT = r"(?:\s*(?:@|\(at\)|\[at\]|\bat\b)\s*)"

# Order matters: e-mail before anything with digits; numbers spoken as words, 11 (a phone) before
# 10 (an NHS number); NHS numbers (3-3-4 digits) before phones.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    (
        "email",  # "jo dot bloggs at example dot com", "jo [at] example [dot] co [dot] uk"
        re.compile(
            rf"\b[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}(?:com|org|net|nhs|co|uk|ac|gov|edu|[a-z]{{2}})\b)+", re.I
        ),
    ),
    ("phone", re.compile(rf"\b{_SPOKEN_DIGIT}(?:{_SPOKEN_SEPARATOR}{_SPOKEN_DIGIT}){{10}}\b", re.I)),
    ("nhs_number", re.compile(rf"\b{_SPOKEN_DIGIT}(?:{_SPOKEN_SEPARATOR}{_SPOKEN_DIGIT}){{9}}\b", re.I)),
    ("nhs_number", re.compile(r"(?<![\d+])\d{3}[ .-]?\d{3}[ .-]?\d{4}(?!\d)")),
    (
        "phone",
        re.compile(r"(?<![\w+])(?:\+44[\s.-]?\(?0?\)?[\s.-]?|\(?0)(?:\d[\s\-().]{0,2}){8,9}\d(?!\d)"),
    ),
    (
        "date_of_birth",
        re.compile(
            r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"
            r"|\b(?:19|20)\d{2}[/.-]\d{1,2}[/.-]\d{1,2}\b"
            rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{4}}\b"
            rf"|\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b",
            re.IGNORECASE,
        ),
    ),
    (
        "postcode",
        re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)[\s-]*\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE),
    ),
]


@dataclass(frozen=True)
class Redaction:
    text: str
    kinds: tuple[str, ...]


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def redact(text: str | None, keep_numbers: tuple[str, ...] = ()) -> Redaction:
    """`text` with personal data replaced by placeholders; `keep_numbers` are phone numbers to leave as they are."""
    if not text:
        return Redaction(text or "", ())
    keep = {_digits(n) for n in keep_numbers}
    found: list[str] = []
    for kind, pattern in _PATTERNS:

        def replace(match: re.Match[str], kind: str = kind) -> str:
            if kind in ("phone", "nhs_number") and _digits(match.group()) in keep:
                return match.group()
            found.append(kind)
            return PLACEHOLDERS[kind]

        text = pattern.sub(replace, text)
    return Redaction(text, tuple(dict.fromkeys(found)))


def mask_personal_data(text: str, mask: str) -> str:
    """Every kind of personal data above replaced by one `mask`: for features, where the kind is noise."""
    for _, pattern in _PATTERNS:
        text = pattern.sub(mask, text)
    return text


_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def plain_text(text: str) -> str:
    """A patient's message as training data: no control characters or lone surrogates, which
    make a YAML file unloadable."""
    return _UNSAFE.sub(" ", text)

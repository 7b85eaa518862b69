"""One plain spelling of a message, for the safety checks and the payload rule."""

from __future__ import annotations

import pytest

from netfaq.core.embedding import default_encoder
from netfaq.core.plain_text import plain, visible

WORDS = default_encoder().words()


@pytest.mark.parametrize(
    "hidden",
    [
        "chest\u200bpain",
        "ｃｈｅｓｔ ｐａｉｎ",
        "ch\u0435st pain",
        "ch\u00adest pain",
        "che\u0301st pain",
        "c h e s t  p a i n",
        "ch3st pa1n",
        "chestpain",
        "CHEST PAIN",
    ],
)
def test_one_plain_spelling(hidden):
    assert plain(hidden, WORDS) == "chest pain"


@pytest.mark.parametrize(
    "text",
    ["r u ok", "my PET is at 2pm on the 3rd, 38.5c", "a&e or 999", "octreotide and dotatate", "i'm 74"],
)
def test_ordinary_text_is_only_lower_cased(text):
    assert plain(text, WORDS) == text.lower()


def test_visible_text_is_what_rasa_reads():
    assert visible("\xa0\u200b /emergency \n") == "/emergency"
    assert visible("ｈｉ") == "hi"

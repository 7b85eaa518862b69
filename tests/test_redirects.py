"""Requests the assistant redirects (data/hospital/redirects.yml): every kind has its intent, its
training examples, its rule, and a reply with the hospital's places filled in."""

from __future__ import annotations

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from netfaq.core.dialogue import REDIRECT_INTENT
from netfaq.core.embedding import default_encoder
from netfaq.core.knowledge import load_knowledge
from netfaq.core.paths import GENERATED_REDIRECTS_FILE, PROJECT_ROOT
from netfaq.core.redirects import RedirectKinds, RedirectsError, default_redirects, load_redirects
from netfaq.core.replies import redirect_text

MINIMUM_EXAMPLES = 25


def test_every_redirect_has_an_intent_with_examples_and_a_rule():
    redirects = default_redirects()
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    rules = yaml.safe_load((PROJECT_ROOT / "data" / "rules" / "dialogue_acts.yml").read_text(encoding="utf-8"))
    routed = {r["steps"][0]["intent"] for r in rules["rules"] if r["steps"][1]["action"] == "action_answer_question"}
    assert REDIRECT_INTENT in domain["intents"] and REDIRECT_INTENT in routed
    for kind, examples in redirects.examples.items():
        assert len(examples) >= MINIMUM_EXAMPLES, kind
    # The intent's training data is generated from the examples, and is up to date.
    assert GENERATED_REDIRECTS_FILE.read_text(encoding="utf-8") == redirects.nlu_yaml(REDIRECT_INTENT)
    trained = load_data(str(GENERATED_REDIRECTS_FILE)).number_of_examples_per_intent
    assert trained == {REDIRECT_INTENT: sum(len(e) for e in redirects.examples.values())}


def test_the_kind_of_request_is_the_kind_of_its_nearest_examples():
    kinds = RedirectKinds(default_redirects(), default_encoder())
    assert kinds.kind_of("where am I supposed to leave my car when I come in") == "travel"
    assert kinds.kind_of("I can't come on the 14th, can it be moved") == "appointments"
    assert kinds.kind_of("my dad needs someone who speaks Urdu with him") == "interpreter"
    assert kinds.kind_of("should I still take my lanreotide before the scan") == "medicines"


@pytest.mark.parametrize("kind", sorted(default_redirects().replies))
def test_each_reply_has_its_places_and_the_helpline_filled_in(kind):
    text = redirect_text(default_redirects(), kind, load_knowledge().helpline)
    assert "{" not in text and "which test" not in text.lower()


def test_a_broken_redirects_file_names_the_entry_and_the_problem(tmp_path):
    path = tmp_path / "redirects.yml"
    path.write_text(
        "places: {letter: the letter}\nout_of_scope: Sorry.\nredirects:\n"
        "  parking: {reply: 'Call {switchboard}.', examples: [x]}\n"
    )
    with pytest.raises(RedirectsError, match=r"redirects.yml: redirect 'parking': unknown place \{switchboard\}"):
        load_redirects(path)
    path.write_text("places: {}\nout_of_scope: Sorry.\nredirects:\n  parking: {reply: '', examples: [x]}\n")
    with pytest.raises(RedirectsError, match=r"redirect 'parking': the reply must be non-empty text"):
        load_redirects(path)
    path.write_text("places: {}\nredirects:\n  parking: {reply: Ask at reception., examples: [x]}\n")
    with pytest.raises(RedirectsError, match=r"redirects.yml: out_of_scope: the reply must be non-empty text"):
        load_redirects(path)
    path.write_text("places: {}\nout_of_scope: 'Try {website}.'\nredirects:\n  parking: {reply: Ask., examples: [x]}\n")
    with pytest.raises(RedirectsError, match=r"out_of_scope: unknown place \{website\}"):
        load_redirects(path)
    path.write_text(
        "places: {}\nout_of_scope: Sorry.\nredirects:\n  parking: {reply: Ask at reception., examples: []}\n"
    )
    with pytest.raises(RedirectsError, match=r"redirect 'parking': examples must be a non-empty list"):
        load_redirects(path)
    path.write_text("places: [\n")
    with pytest.raises(RedirectsError, match=r"not valid YAML"):
        load_redirects(path)

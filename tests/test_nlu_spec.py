"""docs/nlu-spec.md's table of what patients call each test is the knowledge base's aliases, not a copy that drifts."""

import re

from netfaq.core.knowledge import normalise_alias
from netfaq.core.paths import PROJECT_ROOT

ROW = re.compile(r"^\| ([a-z0-9_]+) \| (.+) \|$", re.M)


def table() -> dict[str, list[str]]:
    text = (PROJECT_ROOT / "docs" / "nlu-spec.md").read_text(encoding="utf-8")
    rows = {}
    for procedure, listed in ROW.findall(text):
        rows[procedure] = [re.sub(r"\(.*?\)", "", alias).strip() for alias in listed.split(",")]
    return rows


def test_every_test_has_a_row_and_every_alias_shown_names_that_test(kb):
    rows = {procedure: aliases for procedure, aliases in table().items() if procedure in kb.procedures}
    assert set(rows) == set(kb.procedures)
    wrong = [
        f"{procedure}: {alias!r} names {kb.aliases.get(normalise_alias(alias))!r}"
        for procedure, aliases in rows.items()
        for alias in aliases
        if kb.aliases.get(normalise_alias(alias)) != procedure
    ]
    assert wrong == []

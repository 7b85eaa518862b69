"""Put labelled patient messages into the NLU training files, under their intents.

Each example goes into the file under data/nlu that already holds its intent, at the end of that
intent's examples, so a reviewer sees it beside the examples like it. Messages already in the
training data are skipped; an intent no file holds stops everything before a file is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from netfaq.core.paths import DATA_DIR
from netfaq.core.redaction import plain_text

NLU_DIR = DATA_DIR / "nlu"
_INTENT = re.compile(r"^- intent: (\S+)\s*$")
_EXAMPLE = re.compile(r"^    - (.*)$")


class NluFileError(ValueError):
    pass


@dataclass(frozen=True)
class Added:
    file: Path
    intent: str
    text: str


def _normal(text: str) -> str:
    return " ".join(re.sub(r"\[([^\]]*)\]\{[^}]*\}|\[([^\]]*)\]\([^)]*\)", r"\1\2", text).lower().split())


def add_examples(labelled: list[tuple[str, str]], nlu_dir: Path = NLU_DIR) -> tuple[list[Added], int]:
    """Append each (text, intent); returns what was added and how many were already there."""
    files = {path: path.read_text(encoding="utf-8").splitlines() for path in sorted(nlu_dir.glob("*.yml"))}
    home: dict[str, Path] = {}
    seen: set[str] = set()
    for path, lines in files.items():
        for line in lines:
            if match := _INTENT.match(line):
                home.setdefault(match.group(1), path)
            elif match := _EXAMPLE.match(line):
                seen.add(_normal(match.group(1)))
    unknown = sorted({intent for _, intent in labelled if intent not in home})
    if unknown:
        raise NluFileError(f"no file in {nlu_dir} has the intent(s) {', '.join(unknown)}: add it to domain.yml first")
    added, already = [], 0
    for text, intent in labelled:
        text = " ".join(plain_text(text).split())
        if not text or _normal(text) in seen:
            already += 1
            continue
        seen.add(_normal(text))
        lines = files[home[intent]]
        start = next(i for i, line in enumerate(lines) if (found := _INTENT.match(line)) and found.group(1) == intent)
        end = start + 1
        while end < len(lines) and (not lines[end].strip() or lines[end].startswith("  ")):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        lines.insert(end, f"    - {text}")
        added.append(Added(home[intent], intent, text))
    for path in {a.file for a in added}:
        path.write_text("\n".join(files[path]) + "\n", encoding="utf-8")
    return added, already

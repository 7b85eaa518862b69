"""Drafts of new knowledge-base entries: written from a new document, accepted once a person has checked them.

A draft lives in data/knowledge/drafts/, which nothing loads: it is neither served nor trained on.
Accepting it checks that a person signed it off and left no TODO, then checks the knowledge base
with it added (schema, duplicate ids and aliases, citations) before writing anything.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from netfaq.core.knowledge import EditRefused, alias_clashes, load_knowledge, problems_with
from netfaq.core.paths import DRAFTS_DIR, KNOWLEDGE_DIR
from netfaq.core.schema import ID_PATTERN
from netfaq.tools.ingest import Ingested, Ingester, IngestError, draft_text, proposed_aliases, slug

TODO = "TODO"


def write_draft(
    document: Path,
    procedure_id: str | None = None,
    source_id: str | None = None,
    name: str | None = None,
    knowledge_dir: Path = KNOWLEDGE_DIR,
    drafts_dir: Path = DRAFTS_DIR,
    today: date | None = None,
) -> tuple[Path, Ingested]:
    """Ingest `document` and write its draft; IngestError (naming the file) before writing anything."""
    ingested = Ingester().ingest(document)
    if name:
        ingested = replace(ingested, title=name)
    aliases = proposed_aliases(ingested.title)
    procedure_id = procedure_id or slug(aliases[0] if aliases else document.stem)
    source_id = source_id or slug(document.stem)
    kb = load_knowledge(knowledge_dir)
    if procedure_id in kb.procedures:
        raise IngestError(document, f"procedure id '{procedure_id}' is already in the knowledge base: pass --id")
    clashes = alias_clashes(aliases, kb)
    if clashes:
        raise IngestError(document, f"{clashes[0]}: pass --name")
    target = drafts_dir / f"{procedure_id}.yml"
    if target.exists():
        raise IngestError(document, f"a draft for '{procedure_id}' already exists ({target}): accept or delete it")
    text = draft_text(ingested, procedure_id, source_id, today or date.today())
    drafts_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target, ingested


def _todos(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [where] if TODO in value else []
    if isinstance(value, dict):
        return [t for key, item in value.items() for t in _todos(item, f"{where}, {key}" if where else str(key))]
    if isinstance(value, list):
        return [t for number, item in enumerate(value, 1) for t in _todos(item, f"{where} {number}")]
    return []


def read_draft(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise EditRefused(path, ["no such draft"])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise EditRefused(path, [f"broken YAML: {getattr(error, 'problem', error)}"]) from None
    draft = data.get("draft") if isinstance(data, dict) else None
    if not isinstance(draft, dict) or not {"source", "procedure"} <= set(draft):
        raise EditRefused(path, ["not a draft: expected 'draft' with 'reviewed_by', 'source' and 'procedure'"])
    return draft


def accept(path: Path, knowledge_dir: Path = KNOWLEDGE_DIR) -> Path:
    """Move a reviewed draft into the knowledge base; returns the procedure file written."""
    draft = read_draft(path)
    problems = []
    if not str(draft.get("reviewed_by") or "").strip():
        problems.append("not reviewed yet: check every fact against the document, then put your name in reviewed_by")
    problems += [f"{where} still says TODO" for where in _todos(draft, "")]
    if problems:
        raise EditRefused(path, problems)
    procedure, source = draft["procedure"], draft["source"]
    procedure_id = str(procedure.get("id", ""))
    if not re.fullmatch(ID_PATTERN, procedure_id):
        raise EditRefused(path, [f"procedure id '{procedure_id}' must be lower case letters, digits and _"])
    procedure_text = yaml.safe_dump({"procedure": procedure}, sort_keys=False, allow_unicode=True, width=100)
    header = f"# Accepted from a draft of {source.get('document')}, reviewed by {draft['reviewed_by']}.\n"
    sources_file = knowledge_dir / "sources.yml"
    sources_text = sources_file.read_text(encoding="utf-8")
    known = {s["id"]: s for s in (yaml.safe_load(sources_text) or {}).get("sources", [])}
    if source.get("id") in known and known[source["id"]] != source:
        raise EditRefused(path, [f"source id '{source['id']}' is already in sources.yml with other details"])
    if source.get("id") not in known:
        block = yaml.safe_dump([source], sort_keys=False, allow_unicode=True, width=100)
        sources_text = sources_text.rstrip("\n") + "\n\n" + "".join(f"  {line}\n" for line in block.splitlines())
    target = knowledge_dir / "procedures" / f"{procedure_id}.yml"
    if target.exists():
        raise EditRefused(path, [f"procedure id '{procedure_id}' is already in the knowledge base ({target.name})"])
    # Said here, by the draft's alias: the whole knowledge base checked with it would blame
    # whichever file it loads second.
    clashes = alias_clashes(procedure.get("aliases") or [], load_knowledge(knowledge_dir))
    if clashes:
        raise EditRefused(path, clashes)
    problems = problems_with(
        knowledge_dir, {"sources.yml": sources_text, f"procedures/{procedure_id}.yml": procedure_text}
    )
    if problems:
        raise EditRefused(path, [f"{p.entry}: {p.message}" for p in problems])
    target.write_text(header + procedure_text, encoding="utf-8")
    sources_file.write_text(sources_text, encoding="utf-8")
    path.unlink()
    return target


def draft_path(name: str, drafts_dir: Path = DRAFTS_DIR) -> Path:
    """A draft given by procedure id or by path."""
    path = Path(name)
    return path if path.suffix == ".yml" or path.exists() else drafts_dir / f"{name}.yml"

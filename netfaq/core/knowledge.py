"""Load and validate the knowledge base (data/knowledge/*.yml).

Every problem found is reported with the file, the entry and what is wrong, all at once,
so a content editor can fix a whole batch in one pass.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
import yaml

from netfaq.core.paths import KNOWLEDGE_DIR
from netfaq.core.schema import (
    FAQ_SCHEMA,
    GENERAL_SCHEMA,
    HELPLINE_SCHEMA,
    NOT_IN_SOURCES,
    PROCEDURE_SCHEMA,
    SOURCES_SCHEMA,
    TIMELINES_SCHEMA,
    TOPICS,
)

_APOSTROPHES = re.compile(r"['\u2018\u2019`]")


@dataclass(frozen=True)
class Problem:
    file: str
    entry: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.message}"


class KnowledgeBaseError(ValueError):
    """Raised with every problem found, so one run lists them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("knowledge base is invalid:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Source:
    id: str
    publisher: str
    title: str
    document: str
    date_label: str
    date: str | None
    next_review: str | None
    written_for: str | None = None  # who the document was written for, when not people with NETs
    publisher_is: str | None = None  # what the publisher is, when a patient would want to know
    citation: str | None = None  # the full reference, for "more about the sources"

    @property
    def publisher_named(self) -> str:
        """The publisher, with what it is when that matters: "Ipsen Ltd (a drug company)"."""
        return f"{self.publisher} ({self.publisher_is})" if self.publisher_is else self.publisher


@dataclass(frozen=True)
class Fact:
    """One statement in our words; `sources` holds the fact's citation plus those of any figure it uses."""

    text: str
    sources: tuple[str, ...]
    said_of: str | None = None  # set when the source says it of something else (another test)
    plain: str | None = None  # the same fact in plain words, for "simpler please"
    figures: tuple[str, ...] = ()  # the names of the figures it states (a personal timeline cites it)


@dataclass(frozen=True)
class Figure:
    name: str
    display: str
    source: str
    value: float | None = None
    min: float | None = None
    max: float | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Procedure:
    id: str
    name: str
    article: str
    title: str
    aliases: tuple[str, ...]
    figures: dict[str, Figure]
    described_as: tuple[str, ...]
    hinted_by: tuple[str, ...]
    # None means the sources do not cover that topic for this procedure.
    topics: dict[str, tuple[Fact, ...] | None]

    @property
    def name_with_article(self) -> str:
        return f"{self.article} {self.name}".strip()


@dataclass(frozen=True)
class GeneralTopic:
    id: str
    title: str
    facts: tuple[Fact, ...]
    offer_helpline: bool = False
    asked_with: tuple[re.Pattern[str], ...] = ()  # when given, only messages matching one get these facts
    asked_as: tuple[str, ...] = ()  # a FAQ's example phrasings, matched like its facts
    cite_in_full: bool = False  # the answer ends with its sources' full references

    def answers(self, message: str) -> bool:
        """Whether this topic may answer the message, by its `asked_with` wording."""
        lowered = _APOSTROPHES.sub("", message.lower())
        return not self.asked_with or any(pattern.search(lowered) for pattern in self.asked_with)


@dataclass(frozen=True)
class BankHolidays:
    """Whose bank holidays apply (`holidays` package codes), and, for the helpline, what to say on one."""

    country: str
    region: str | None
    notice: str = ""  # with {holiday}; empty where nothing is said on one (personal timelines)


@dataclass(frozen=True)
class Helpline:
    name: str
    phone: str
    cost: str
    timezone: str
    days: tuple[str, ...]
    opens: time
    closes: time
    sources: tuple[str, ...]
    bank_holidays: BankHolidays | None = None


@dataclass(frozen=True)
class TimelineStep:
    """What a figure of that name works out for a patient's own test date (data/knowledge/timelines.yml)."""

    figure: str
    works_out: str  # one of schema.TIMELINE_WORKINGS
    label: str
    answers: tuple[str, ...]  # the question topics it belongs to


@dataclass(frozen=True)
class TimelineRules:
    timezone: str
    furthest_ahead_days: int
    recently_passed_days: int
    steps: tuple[TimelineStep, ...]
    bank_holidays: BankHolidays | None = None  # named beside a worked-out date that falls on one


# What each kind of working needs of a figure: its fields, and the units it may be in.
_WORKING_NEEDS = {
    "start_before": (("value",), ("hours",)),
    "window_after": (("min", "max"), ("days", "weeks")),
    "date_after": (("value",), ("days", "weeks")),
    "days_reached": (("min", "max"), ("hours",)),
}


@dataclass(frozen=True)
class KnowledgeBase:
    sources: dict[str, Source]
    procedures: dict[str, Procedure]
    general: dict[str, GeneralTopic]
    helpline: Helpline
    aliases: dict[str, str] = field(default_factory=dict)
    timelines: TimelineRules | None = None


def capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


def figures_and_numbers(text: str) -> set[str]:
    """The {figures} and the numbers a fact's text states ("{fasting}", "24", "1")."""
    return set(re.findall(r"\{\w+\}|\d+(?:\.\d+)?", text))


def alias_clashes(aliases: Iterable[str], kb: KnowledgeBase) -> list[str]:
    """Each alias (or its plural) already naming a test in `kb`, said as a problem."""
    clashes = []
    for alias in map(normalise_alias, aliases):
        owner = next((kb.aliases[v] for v in alias_variants(alias) if v in kb.aliases), None)
        if owner:
            clashes.append(f"alias '{alias}' already names procedure '{owner}'")
    return clashes


def normalise_alias(alias: str) -> str:
    return " ".join(alias.lower().split())


def alias_variants(alias: str) -> list[str]:
    """The alias and, for a word long enough to be safe, its plural ('ct scans', 'ultrasounds')."""
    base = normalise_alias(alias)
    last = base.split(" ")[-1]
    if last.isalpha() and len(last) >= 4 and not last.endswith("s"):
        return [base, base + "s"]
    return [base]


def load_knowledge(directory: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    """Load every file under `directory`; raise KnowledgeBaseError listing all problems."""
    loader = _Loader(Path(directory))
    return loader.load()


class EditRefused(ValueError):
    """An edit to the knowledge base (a draft accepted, a FAQ added) refused: every problem, each
    naming the file; nothing was written."""

    def __init__(self, file: Path | str, problems: list[str]):
        self.file, self.problems = str(file), problems
        super().__init__("\n".join(f"{file} (not written): {problem}" for problem in problems))


def problems_with(directory: Path, changes: dict[str, str]) -> list[Problem]:
    """The problems the knowledge base in `directory` would have with these files written
    (path inside it -> text), found in a scratch copy: nothing is written to `directory`."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / "data" / "knowledge"
        shutil.copytree(directory, trial, ignore=shutil.ignore_patterns("drafts"))
        for name, text in changes.items():
            (trial / name).parent.mkdir(parents=True, exist_ok=True)
            (trial / name).write_text(text, encoding="utf-8")
        try:
            load_knowledge(trial)
        except KnowledgeBaseError as error:
            return error.problems
    return []


class _Loader:
    def __init__(self, directory: Path):
        self.directory = directory
        self.problems: list[Problem] = []

    def problem(self, file: Path | str, entry: str, message: str) -> None:
        self.problems.append(Problem(self._rel(file), entry, message))

    def _rel(self, file: Path | str) -> str:
        path = Path(file)
        try:
            return str(path.relative_to(self.directory.parent.parent))
        except ValueError:
            return str(path)

    def load(self) -> KnowledgeBase:
        sources_file = self.directory / "sources.yml"
        helpline_file = self.directory / "helpline.yml"
        general_file = self.directory / "general.yml"
        procedure_files = sorted((self.directory / "procedures").glob("*.yml"))

        sources = self._load_sources(sources_file)
        helpline = self._load_helpline(helpline_file, sources)
        general = self._load_general(general_file, sources)
        for path in sorted((self.directory / "faqs").glob("*.yml")):
            faq = self._load_faq(path, sources)
            if faq is not None and faq.id in general:
                self.problem(path, f"faq '{faq.id}'", "id already used by a general topic or another FAQ")
            elif faq is not None:
                general[faq.id] = faq
        procedures: dict[str, Procedure] = {}
        alias_owner: dict[str, tuple[str, Path]] = {}
        if not procedure_files:
            self.problem(self.directory / "procedures", "(folder)", "no procedure files found")
        for path in procedure_files:
            procedure = self._load_procedure(path, sources)
            if procedure is None:
                continue
            if procedure.id in procedures:
                self.problem(path, f"procedure '{procedure.id}'", "duplicate procedure id")
                continue
            procedures[procedure.id] = procedure
            self._claim_aliases(path, procedure, alias_owner)

        timelines = self._load_timelines(self.directory / "timelines.yml", procedures)
        if self.problems or helpline is None:
            raise KnowledgeBaseError(self.problems)
        aliases = {alias: owner for alias, (owner, _) in sorted(alias_owner.items())}
        return KnowledgeBase(sources, procedures, general, helpline, aliases, timelines)

    def _load_timelines(self, path: Path, procedures: dict[str, Procedure]) -> TimelineRules | None:
        """Optional: without the file, answers give no personal dates. Every figure a step names
        must have what its working needs, in every test that has it."""
        if not path.exists():
            return None
        data = self._read(path, TIMELINES_SCHEMA)
        if data is None:
            return None
        raw = data["timelines"]
        try:
            ZoneInfo(raw["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(path, "timelines", f"unknown time zone '{raw['timezone']}'")
        steps = []
        for figure, step in raw["steps"].items():
            entry = f"timelines, step '{figure}'"
            for topic in step["answers"]:
                if topic not in TOPICS:
                    self.problem(path, entry, f"unknown topic '{topic}' in answers (topics: {', '.join(TOPICS)})")
            fields, units = _WORKING_NEEDS[step["works_out"]]
            for procedure in procedures.values():
                found = procedure.figures.get(figure)
                if found is None:
                    continue
                missing = [name for name in fields if getattr(found, name) is None]
                if missing or found.unit not in units:
                    self.problem(
                        path,
                        entry,
                        f"procedure '{procedure.id}' figure '{figure}' can't be worked out as {step['works_out']}: "
                        f"it needs {' and '.join(fields)} in {' or '.join(units)}",
                    )
            steps.append(TimelineStep(figure, step["works_out"], step["label"], tuple(step["answers"])))
        return TimelineRules(
            timezone=raw["timezone"],
            furthest_ahead_days=raw["furthest_ahead_days"],
            recently_passed_days=raw["recently_passed_days"],
            steps=tuple(steps),
            bank_holidays=self._bank_holidays(path, "timelines", raw.get("bank_holidays")),
        )

    def _read(self, path: Path, schema: dict[str, Any]) -> dict[str, Any] | None:
        if not path.exists():
            self.problem(path, "(file)", "file is missing")
            return None
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
            self.problem(path, where, f"broken YAML: {getattr(error, 'problem', error)}")
            return None
        errors = sorted(
            jsonschema.Draft7Validator(schema).iter_errors(data),
            key=lambda e: list(map(str, e.absolute_path)),
        )
        for error in map(_innermost, errors):
            self.problem(path, _entry_name(data, error), _describe(error))
        return None if errors else data

    def _check_source(self, path: Path, entry: str, source_id: str, sources: dict[str, Source]) -> None:
        if source_id not in sources:
            self.problem(path, entry, f"unknown source id '{source_id}' (not in sources.yml)")

    def _load_sources(self, path: Path) -> dict[str, Source]:
        data = self._read(path, SOURCES_SCHEMA)
        sources: dict[str, Source] = {}
        for raw in (data or {}).get("sources", []):
            if raw["id"] in sources:
                self.problem(path, f"source '{raw['id']}'", "duplicate source id")
            sources[raw["id"]] = Source(**raw)
        return sources

    def _load_helpline(self, path: Path, sources: dict[str, Source]) -> Helpline | None:
        data = self._read(path, HELPLINE_SCHEMA)
        if data is None:
            return None
        raw = data["helpline"]
        for source_id in raw["sources"]:
            self._check_source(path, "helpline", source_id, sources)
        opens, closes = time.fromisoformat(raw["opens"]), time.fromisoformat(raw["closes"])
        if opens >= closes:
            self.problem(path, "helpline", f"opens ({raw['opens']}) must be before closes ({raw['closes']})")
        return Helpline(
            name=raw["name"],
            phone=raw["phone"],
            cost=raw["cost"],
            timezone=raw["timezone"],
            days=tuple(raw["days"]),
            opens=opens,
            closes=closes,
            sources=tuple(raw["sources"]),
            bank_holidays=self._bank_holidays(path, "helpline", raw.get("bank_holidays")),
        )

    def _bank_holidays(self, path: Path, entry: str, raw: dict[str, str] | None) -> BankHolidays | None:
        if raw is None:
            return None
        import holidays

        try:
            holidays.country_holidays(raw["country"], subdiv=raw.get("region"))
        except NotImplementedError:
            self.problem(
                path, f"{entry}, bank_holidays", f"unknown country or region {raw['country']}/{raw.get('region')}"
            )
            return None
        return BankHolidays(raw["country"], raw.get("region"), raw.get("notice", ""))

    def _facts(
        self,
        path: Path,
        entry: str,
        raw_facts: Iterable[dict[str, str]],
        sources: dict[str, Source],
        figures: dict[str, Figure],
        used_figures: set[str],
    ) -> tuple[Fact, ...]:
        facts = []
        for number, raw in enumerate(raw_facts, start=1):
            where = f"{entry}, fact {number}"
            self._check_source(path, where, raw["source"], sources)
            text, cited = raw["text"], [raw["source"]]
            names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
            unknown = [name for name in names if name not in figures]
            if unknown:
                self.problem(path, where, f"unknown figure {', '.join(map(repr, unknown))} in text")
                continue
            used_figures.update(names)
            cited += [figures[name].source for name in names]
            plain = raw.get("plain")
            if plain is not None and not self._same_figures(path, where, text, plain):
                continue
            values = {name: figures[name].display for name in names}
            rendered = [capitalised(t.format(**values)) if t else None for t in (text, plain)]
            facts.append(Fact(rendered[0], tuple(dict.fromkeys(cited)), raw.get("said_of"), rendered[1], tuple(names)))
        return tuple(facts)

    def _same_figures(self, path: Path, where: str, text: str, plain: str) -> bool:
        """A plain version keeps every figure and number of its fact, and adds none."""
        differ = sorted(figures_and_numbers(text) ^ figures_and_numbers(plain))
        if differ:
            self.problem(path, where, f"plain version has other figures or numbers than the text: {', '.join(differ)}")
        return not differ

    def _load_general(self, path: Path, sources: dict[str, Source]) -> dict[str, GeneralTopic]:
        data = self._read(path, GENERAL_SCHEMA)
        general: dict[str, GeneralTopic] = {}
        for raw in (data or {}).get("general", []):
            entry = f"general topic '{raw['id']}'"
            if raw["id"] in general:
                self.problem(path, entry, "duplicate general topic id")
            facts = self._facts(path, entry, raw["facts"], sources, {}, set())
            general[raw["id"]] = GeneralTopic(
                raw["id"],
                raw["title"],
                facts,
                raw.get("offer_helpline", False),
                self._asked_with(path, entry, raw),
                cite_in_full=raw.get("cite_in_full", False),
            )
        return general

    def _asked_with(self, path: Path, entry: str, raw: dict[str, Any]) -> tuple[re.Pattern[str], ...]:
        asked_with = []
        for pattern in raw.get("asked_with", []):
            try:
                asked_with.append(re.compile(pattern))
            except re.error as error:
                self.problem(path, entry, f"bad pattern in 'asked_with' ({pattern!r}): {error}")
        return tuple(asked_with)

    def _read_entry(self, path: Path, schema: dict[str, Any], kind: str) -> tuple[dict[str, Any], str] | None:
        """A one-entry file (`kind: {id: ...}`) named after its id: the entry and how to name it."""
        data = self._read(path, schema)
        if data is None:
            return None
        raw = data[kind]
        entry = f"{kind} '{raw['id']}'"
        if path.stem != raw["id"]:
            self.problem(path, entry, f"file name must be the {kind} id ({raw['id']}.yml)")
        return raw, entry

    def _load_faq(self, path: Path, sources: dict[str, Source]) -> GeneralTopic | None:
        read = self._read_entry(path, FAQ_SCHEMA, "faq")
        if read is None:
            return None
        raw, entry = read
        facts = self._facts(path, entry, raw["answer"], sources, {}, set())
        phrasings = tuple(" ".join(p.split()) for p in raw["asked_as"])
        return GeneralTopic(
            raw["id"],
            raw["question"],
            facts,
            raw.get("offer_helpline", False),
            self._asked_with(path, entry, raw),
            asked_as=phrasings,
            cite_in_full=raw.get("cite_in_full", False),
        )

    def _load_procedure(self, path: Path, sources: dict[str, Source]) -> Procedure | None:
        read = self._read_entry(path, PROCEDURE_SCHEMA, "procedure")
        if read is None:
            return None
        raw, entry = read
        figures = {}
        for name, fig in (raw.get("figures") or {}).items():
            self._check_source(path, f"{entry}, figure '{name}'", fig["source"], sources)
            figures[name] = Figure(name=name, **fig)
        used: set[str] = set()
        topics: dict[str, tuple[Fact, ...] | None] = {}
        for topic in TOPICS:
            value = raw["topics"][topic]
            topics[topic] = (
                None
                if value == NOT_IN_SOURCES
                else self._facts(path, f"{entry}, topic '{topic}'", value, sources, figures, used)
            )
        for name in sorted(set(figures) - used):
            self.problem(path, f"{entry}, figure '{name}'", "figure is not used by any fact")
        return Procedure(
            id=raw["id"],
            name=raw["name"],
            article=raw["article"],
            title=raw["title"],
            aliases=tuple(normalise_alias(a) for a in raw["aliases"]),
            figures=figures,
            described_as=tuple(normalise_alias(d) for d in raw.get("described_as", [])),
            hinted_by=tuple(normalise_alias(h) for h in raw.get("hinted_by", [])),
            topics=topics,
        )

    def _claim_aliases(self, path: Path, procedure: Procedure, owner: dict[str, tuple[str, Path]]) -> None:
        seen_here: set[str] = set()
        for alias in procedure.aliases:
            entry = f"procedure '{procedure.id}', alias '{alias}'"
            if alias in seen_here:
                self.problem(path, entry, "duplicate alias (listed twice)")
                continue
            seen_here.add(alias)
            for variant in alias_variants(alias):
                holder = owner.get(variant)
                if holder and holder[0] != procedure.id:
                    self.problem(path, entry, f"duplicate alias '{variant}': already used by procedure '{holder[0]}'")
                    break
                if holder is None:
                    owner[variant] = (procedure.id, path)


def _entry_name(data: Any, error: jsonschema.ValidationError) -> str:
    """Name the entry an error sits in by its id where it has one, e.g. "procedure 'ct_scan', topic 'why'"."""
    path = list(error.absolute_path)
    if not path or not isinstance(data, dict):
        return "(top level)"
    head = path[0]
    if head == "procedure" and isinstance(data.get("procedure"), dict):
        name = f"procedure '{data['procedure'].get('id', '?')}'"
        rest = path[1:]
        if len(rest) >= 2 and rest[0] == "topics":
            name += f", topic '{rest[1]}'"
            if len(rest) >= 3 and isinstance(rest[2], int):
                name += f", fact {rest[2] + 1}"
        elif len(rest) >= 2 and rest[0] == "figures":
            name += f", figure '{rest[1]}'"
        elif len(rest) >= 2 and rest[0] == "aliases":
            name += f", alias {rest[1] + 1}"
        return name
    if head == "faq" and isinstance(data.get("faq"), dict):
        name = f"faq '{data['faq'].get('id', '?')}'"
        if len(path) >= 3 and path[1] in ("answer", "asked_as") and isinstance(path[2], int):
            name += f", {'fact' if path[1] == 'answer' else 'phrasing'} {path[2] + 1}"
        return name
    if head in ("sources", "general") and len(path) >= 2 and isinstance(path[1], int):
        items = data.get(head) or []
        item = items[path[1]] if path[1] < len(items) else {}
        ident = item.get("id", f"#{path[1] + 1}") if isinstance(item, dict) else f"#{path[1] + 1}"
        kind = "source" if head == "sources" else "general topic"
        name = f"{kind} '{ident}'"
        if head == "general" and len(path) >= 4 and path[2] == "facts":
            name += f", fact {path[3] + 1}"
        return name
    return str(head)


def _innermost(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For "a list of facts or not_in_sources", report what is wrong inside the list, not the alternative."""
    while error.validator == "oneOf" and error.context:
        candidates = [e for e in error.context if e.validator != "const"] or list(error.context)
        error = max(candidates, key=lambda e: len(e.absolute_path))
    return error


def _describe(error: jsonschema.ValidationError) -> str:
    field_name = error.absolute_path[-1] if error.absolute_path else "value"
    if error.validator in ("minLength", "pattern") and isinstance(error.instance, str) and not error.instance.strip():
        return f"empty text in '{field_name}'"
    if error.validator == "required":
        missing = error.message.split("'")[1]
        if missing == "source":
            return "missing citation: every fact needs a 'source'"
        return f"missing field '{missing}'"
    if error.validator == "additionalProperties":
        return f"unexpected field: {error.message}"
    return f"'{field_name}': {error.message}"

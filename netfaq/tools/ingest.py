"""Turn a new source document into a draft knowledge-base entry for a person to check.

spaCy (a blank English pipeline: nothing downloaded) splits the document into sections by its
headings and a `Matcher` finds the figures a fact may carry over exactly: durations ("6 hours",
"up to 45 minutes", "1 or 2 weeks", "24 to 48 hours"), phone numbers and dates (last reviewed,
next review due). The draft quotes each figure beside its source line and leaves TODO markers
where the wording must be ours; it is never served or trained on until accepted (netfaq/tools/drafts.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import spacy
import yaml
from spacy.matcher import Matcher
from spacy.util import compile_infix_regex, filter_spans

from netfaq.core.paths import SECTION_TOPICS_FILE
from netfaq.core.topics import TOPICS

UNITS = ["second", "seconds", "minute", "minutes", "min", "mins", "hour", "hours", "day", "days", "week", "weeks"]
UNITS += ["month", "months"]
MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun")]
        + [("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct")]
        + [("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}
_NUMBER = {"LOWER": {"REGEX": r"^(\d+(\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a few|several)$"}}
_YEAR = {"TEXT": {"REGEX": r"^(19|20)\d\d$"}}
_DAY = {"TEXT": {"REGEX": r"^([1-9]|[12]\d|3[01])$"}}
_MONTH = {"LOWER": {"IN": list(MONTHS)}}
_UNIT = {"LOWER": {"IN": UNITS}}
_ABOUT = {"LOWER": {"IN": ["about", "around", "approximately", "roughly"]}, "OP": "?"}
PATTERNS = {
    "duration": [
        [{"LOWER": "up"}, {"LOWER": "to"}, _NUMBER, _UNIT],
        [_NUMBER, {"LOWER": {"IN": ["or", "to", "-", "and"]}}, _NUMBER, _UNIT],
        [_ABOUT, _NUMBER, _UNIT],
        [_ABOUT, {"LOWER": "half"}, {"LOWER": "an"}, {"LOWER": "hour"}],
    ],
    "phone": [
        [{"TEXT": {"REGEX": r"^0\d{3,4}$"}}, {"TEXT": {"REGEX": r"^\d{3,4}$"}}, {"TEXT": {"REGEX": r"^\d{3,4}$"}}]
    ],
    "date": [[_DAY, _MONTH, _YEAR], [_MONTH, _YEAR], [_YEAR, _MONTH]],
}
# A date is a review date when its line, or the line before, says so.
DATE_LABELS = {"last reviewed": "last reviewed", "next review": "next review due", "published": "published"}
_CLOSING_PUNCTUATION = {".", ",", ";", ":", "!"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCK_TAGS = _HEADING_TAGS | {"p", "li", "div", "br", "tr", "section", "article", "ul", "ol", "table", "title"}
_SKIPPED_TAGS = {"script", "style", "nav", "noscript"}


class IngestError(ValueError):
    """Names the file and the problem; raised before anything is written."""

    def __init__(self, file: Path | str, problem: str):
        self.file, self.problem = str(file), problem
        super().__init__(f"{file}: {problem}")


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, in the document as read (HTML: in its text)
    text: str


@dataclass(frozen=True)
class Found:
    kind: str  # duration, phone or date
    text: str  # as written: "up to 45 minutes"
    line: Line
    label: str | None = None  # for a date: "last reviewed", "next review due", "published"

    @property
    def iso_date(self) -> str | None:
        """A date as YYYY-MM-DD (or YYYY-MM when the day is not given)."""
        if self.kind != "date":
            return None
        words = self.text.lower().split()
        year = next(w for w in words if re.fullmatch(r"\d{4}", w))
        month = next(MONTHS[w] for w in words if w in MONTHS)
        day = next((w for w in words if re.fullmatch(r"\d{1,2}", w)), None)
        return f"{year}-{month:02d}-{int(day):02d}" if day else f"{year}-{month:02d}"


@dataclass
class Section:
    heading: Line
    lines: list[Line] = field(default_factory=list)
    topic: str | None = None


@dataclass(frozen=True)
class Ingested:
    path: Path
    title: str
    sections: list[Section]
    figures: list[Found]

    def review_date(self, label: str) -> str | None:
        return next((f.iso_date for f in self.figures if f.kind == "date" and f.label == label), None)


class _Text(HTMLParser):
    """The visible text of an HTML page, one line per block, headings marked."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[str, bool]] = [("", False)]
        self.skipping = 0
        self.in_heading = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.lines.append(("", tag in _HEADING_TAGS))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.lines.append(("", False))

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            text, heading = self.lines[-1]
            self.lines[-1] = (text + data, heading)


def read_lines(path: Path) -> tuple[list[Line], set[int] | None]:
    """The document's lines, and for HTML the numbers of the heading lines (None for plain text)."""
    raw = path.read_bytes() if path.is_file() else None
    if raw is None:
        raise IngestError(path, "no such file")
    if not raw.strip():
        raise IngestError(path, "the file is empty")
    if b"\0" in raw:
        raise IngestError(path, "a binary file: give plain text (.txt) or a web page saved as HTML")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestError(path, f"not UTF-8 text (byte {error.start}): save it as UTF-8") from None
    if path.suffix.lower() in (".html", ".htm") or text.lstrip().lower().startswith(("<!doctype html", "<html")):
        parser = _Text()
        parser.feed(text)
        blocks = [(" ".join(t.split()), h) for t, h in parser.lines]
        kept = [(t, h) for t, h in blocks if t]
        lines = [Line(n, t) for n, (t, _) in enumerate(kept, start=1)]
        return lines, {n for n, (_, h) in enumerate(kept, start=1) if h}
    return [Line(n, " ".join(t.split())) for n, t in enumerate(text.splitlines(), start=1)], None


class Ingester:
    def __init__(self, section_topics: dict[str, list[str]] | None = None):
        self.nlp = spacy.blank("en")
        # Split "Sep;22(3):539" so the date in a citation ("2021 Sep;22(3)") is found.
        infixes = [*self.nlp.Defaults.infixes, r"[;()]", r"(?<=[A-Za-z]):(?=\d)", r"(?<=\d):(?=\d{3})"]
        self.nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
        self.matcher = Matcher(self.nlp.vocab)
        for kind, patterns in PATTERNS.items():
            self.matcher.add(kind, patterns)
        self.section_topics = section_topics or load_section_topics()

    def is_heading(self, line: Line, before: str, after: str) -> bool:
        """A short line standing alone, starting with a capital and not ending like a sentence."""
        if not line.text or before or not after:
            return False
        tokens = self.nlp.make_doc(line.text)
        first = tokens[0].text
        return (
            len(tokens) <= 10
            and first[:1].isupper()
            and line.text[-1] not in _CLOSING_PUNCTUATION
            and not re.match(r"^[•\-*\d]", first)
            and any(t.is_alpha for t in tokens)
        )

    def topic_of(self, heading: str) -> str | None:
        lowered = heading.lower()
        return next((t for t, phrases in self.section_topics.items() if any(p in lowered for p in phrases)), None)

    def sections(self, lines: list[Line], headings: set[int] | None) -> list[Section]:
        found: list[Section] = []
        for index, line in enumerate(lines):
            before = lines[index - 1].text if index else ""
            after = next((nxt.text for nxt in lines[index + 1 :] if nxt.text), "")
            heading = index + 1 in headings if headings is not None else self.is_heading(line, before, after)
            if heading and line.text:
                found.append(Section(line, topic=self.topic_of(line.text)))
            elif found and line.text:
                found[-1].lines.append(line)
        return [s for s in found if s.lines]

    def figures(self, lines: list[Line]) -> list[Found]:
        found = []
        for index, line in enumerate(lines):
            doc = self.nlp.make_doc(line.text)
            matches = {(start, end): self.nlp.vocab.strings[key] for key, start, end in self.matcher(doc)}
            for span in filter_spans([doc[start:end] for start, end in matches]):
                kind = matches[(span.start, span.end)]
                before = lines[index - 1].text if index else ""
                label = self._date_label(line.text[: span.start_char], before) if kind == "date" else None
                found.append(Found(kind, span.text, line, label))
        return found

    @staticmethod
    def _date_label(text_before: str, line_before: str) -> str | None:
        """The label written nearest before the date: on its line, else on the line before."""
        for context in (text_before.lower(), line_before.lower()):
            found = [(context.rfind(phrase), name) for phrase, name in DATE_LABELS.items() if phrase in context]
            if found:
                return max(found)[1]
        return None

    def ingest(self, path: Path) -> Ingested:
        lines, headings = read_lines(path)
        sections = self.sections(lines, headings)
        if len(sections) < 2:
            raise IngestError(path, "no headings found: give each part of the document a heading on its own line")
        sections[0].topic = sections[0].topic or "what_is"  # what comes under the title says what the test is
        return Ingested(path, sections[0].heading.text, sections, self.figures(lines))


def load_section_topics(path: Path = SECTION_TOPICS_FILE) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))["section_topics"]
    unknown = sorted(set(data) - set(TOPICS))
    if unknown:
        raise IngestError(path, f"unknown topic(s) {', '.join(unknown)}; topics are {', '.join(TOPICS)}")
    return {topic: [p.lower() for p in phrases] for topic, phrases in data.items()}


_TITLE_TAIL = re.compile(r"\s+(for|in|and|when|if)\s+.*$", re.IGNORECASE)


def proposed_aliases(title: str) -> list[str]:
    """The test's name from the title ("Ultrasound scan for NETs" -> "ultrasound scan"), and any
    abbreviation given in brackets ("somatostatin receptor scintigraphy (SRS)" -> "srs")."""
    name = _TITLE_TAIL.sub("", re.sub(r"\(([^)]*)\)", "", title)).strip().lower()
    brackets = [b.strip().lower() for b in re.findall(r"\(([^)]*)\)", title)]
    return list(dict.fromkeys(a for a in [name, *brackets] if a))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "new_test"


def draft_text(ingested: Ingested, procedure_id: str, source_id: str, today: date) -> str:
    """The draft file: YAML a person edits, with each figure quoted beside its source line."""
    aliases = proposed_aliases(ingested.title)
    name = aliases[0] if aliases else "TODO"
    last = ingested.review_date("last reviewed")
    published = ingested.review_date("published")
    source = {
        "id": source_id,
        "publisher": "TODO: who published it",
        "title": ingested.title,
        "document": ingested.path.name,
        "date_label": "last reviewed" if last else "published" if published else "page dated",
        "date": last or published or _last_date(ingested),
        "next_review": ingested.review_date("next review due"),
    }
    out = [
        f"# DRAFT written by `netfaq ingest` from {ingested.path.name} on {today.isoformat()}.",
        "# Not served and not trained on. To accept it: check every proposal against the document, write",
        "# each fact in our own words (figures carried over exactly), replace every TODO or set the topic",
        "# to not_in_sources, put your name in reviewed_by, then run: netfaq draft accept " + procedure_id,
        "draft:",
        "  reviewed_by: null",
        "  source:",
        *_indented(yaml.safe_dump(source, sort_keys=False, allow_unicode=True), 4),
        "  procedure:",
        f"    id: {procedure_id}",
        f"    name: {yaml.safe_dump(name, default_style=None).splitlines()[0]}",
        f"    article: {'an' if name[:1] in 'aeiou' else 'a'}",
        f"    title: {yaml.safe_dump(ingested.title, width=1000).splitlines()[0]}",
        "    aliases:  # proposed from the title: add the names and misspellings patients use",
        *[f"      - {alias}" for alias in aliases],
        "    topics:",
    ]
    by_topic: dict[str, list[Section]] = {}
    for section in ingested.sections:
        by_topic.setdefault(section.topic or "", []).append(section)
    for topic in TOPICS:
        sections = by_topic.get(topic, [])
        if not sections:
            out.append(f"      {topic}: not_in_sources  # no section found: check the document")
            continue
        out.append(f"      {topic}:")
        for section in sections:
            out.append(f"        # section '{section.heading.text}' (line {section.heading.number})")
            durations = _durations_in(ingested, section)
            out += [f"        #   {f.text}: line {f.line.number}: {f.line.text}" for f in durations]
            figures = ", ".join(f.text for f in durations)
            todo = f"TODO: in our own words{f' (figures: {figures})' if figures else ''}"
            out += [f"        - text: {yaml.safe_dump(todo).splitlines()[0]}", f"          source: {source_id}"]
    unfiled = by_topic.get("", [])
    if unfiled:
        out.append("    # Sections not matched to a topic: file their facts above if they answer one.")
        out += [f"    #   '{s.heading.text}' (line {s.heading.number})" for s in unfiled]
    other = [f for f in ingested.figures if f.kind != "duration"]
    if other:
        out.append("    # Phone numbers and dates found (the helpline lives in data/knowledge/helpline.yml):")
        out += [f"    #   {f.kind} {f.text}{f' ({f.label})' if f.label else ''}: line {f.line.number}" for f in other]
    return "\n".join(out) + "\n"


def _durations_in(ingested: Ingested, section: Section) -> list[Found]:
    numbers = {line.number for line in section.lines}
    return [f for f in ingested.figures if f.line.number in numbers and f.kind == "duration"]


def _last_date(ingested: Ingested) -> str | None:
    dates = [f.iso_date for f in ingested.figures if f.kind == "date"]
    return dates[-1] if dates else None


def _indented(text: str, spaces: int) -> list[str]:
    return [" " * spaces + line for line in text.splitlines()]

"""Which source documents are past their review date, and which facts rely on them.

A publisher's review date passing means its advice may have changed since we took our facts from
it: the content owner should check the current version. Answers citing such a source already say
when its review was due; this report tells staff, and every test run prints it.

A page that gives no next-review date is not thereby fresh: patient information is usually reviewed
every few years (Cancer Research UK's liver leaflet: reviewed October 2020, next review October
2023), so a page last reviewed or dated more than REVIEW_CYCLE_YEARS ago is flagged as probably out
of date, in answers and in the report. A published research article is not reviewed, so its
publication date is not held against it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from netfaq.core.knowledge import KnowledgeBase, Source
from netfaq.core.retrieval import fact_units

# Set to "fail" to make overdue sources fail `netfaq freshness` and the test run (default: "warn").
STALE_SOURCES_SETTING = "NETFAQ_STALE_SOURCES"
STALE_SOURCES_CHOICES = ("warn", "fail")
# A page with no next-review date, last reviewed (or dated) longer ago than this, is probably out of date.
REVIEW_CYCLE_YEARS = 3
# Date labels of documents that are reviewed (a published article is not).
REVIEWED_LABELS = ("last reviewed", "page dated")

MONTHS = ("January February March April May June July August September October November December").split()


def format_date(iso: str) -> str:
    """'2019-01-15' -> '15 January 2019'; '2018-09' -> 'September 2018'."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        return f"{parts[2]} {MONTHS[parts[1] - 1]} {parts[0]}"
    return f"{MONTHS[parts[1] - 1]} {parts[0]}"


def is_overdue(source: Source, today: date) -> bool:
    """Whether the publisher's own next-review date has passed."""
    return bool(source.next_review) and source.next_review < today.isoformat()


def probably_stale(source: Source, today: date) -> bool:
    """Whether a page that gives no next-review date was last reviewed (or dated) more than
    REVIEW_CYCLE_YEARS ago. A month-only date counts from the month's last day."""
    if source.next_review or not source.date or source.date_label not in REVIEWED_LABELS:
        return False
    parts = [int(p) for p in source.date.split("-")]
    year, month = parts[0], parts[1]
    day = parts[2] if len(parts) == 3 else 28
    try:
        due = date(year + REVIEW_CYCLE_YEARS, month, day)
    except ValueError:  # 29 February
        due = date(year + REVIEW_CYCLE_YEARS, month, 28)
    return due < today


@dataclass(frozen=True)
class OverdueSource:
    source: Source
    facts: tuple[str, ...]  # the facts citing it, by key (procedure/topic/number or general/topic/number)
    helpline: bool  # whether the helpline's details come from it too


def overdue_sources(kb: KnowledgeBase, today: date) -> tuple[OverdueSource, ...]:
    """Sources whose publisher's next-review date has passed."""
    return _citing(kb, [s for s in kb.sources.values() if is_overdue(s, today)])


def stale_sources(kb: KnowledgeBase, today: date) -> tuple[OverdueSource, ...]:
    """Pages with no next-review date that are probably out of date (see probably_stale)."""
    return _citing(kb, [s for s in kb.sources.values() if probably_stale(s, today)])


def _citing(kb: KnowledgeBase, sources: list[Source]) -> tuple[OverdueSource, ...]:
    units = fact_units(kb)
    return tuple(
        OverdueSource(
            source,
            tuple(unit.key for unit in units if source.id in unit.fact.sources),
            source.id in kb.helpline.sources,
        )
        for source in sources
    )


def fail_on_stale(environ: Mapping[str, str]) -> bool:
    value = environ.get(STALE_SOURCES_SETTING, "warn").strip().lower() or "warn"
    if value not in STALE_SOURCES_CHOICES:
        raise ValueError(f"{STALE_SOURCES_SETTING}={value!r}: use one of {', '.join(STALE_SOURCES_CHOICES)}")
    return value == "fail"


def _cited_by(item: OverdueSource) -> str:
    cited = f"cited by {len(item.facts)} fact{'s' if len(item.facts) != 1 else ''}"
    return cited + (" and the helpline's details" if item.helpline else "")


def freshness_report(kb: KnowledgeBase, today: date) -> str:
    overdue = overdue_sources(kb, today)
    lines = [
        f"Source freshness on {format_date(today.isoformat())}: {len(overdue)} of {len(kb.sources)} "
        f"source{'s' if len(kb.sources) != 1 else ''} past {'its' if len(overdue) == 1 else 'their'} review date."
    ]
    for item in overdue:
        source = item.source
        lines.append(
            f"- {source.id} ({source.publisher_named}, \u201c{source.title}\u201d): review was due "
            f"{format_date(source.next_review or '')}; {_cited_by(item)}:"
        )
        lines += textwrap.wrap(", ".join(item.facts), width=100, initial_indent="    ", subsequent_indent="    ")
    stale = stale_sources(kb, today)
    if stale:
        lines.append(
            f"Probably out of date (no next-review date given, and reviewed or dated more than "
            f"{REVIEW_CYCLE_YEARS} years ago): the content owner should check the current version."
        )
    for item in stale:
        source = item.source
        lines.append(
            f"- {source.id} ({source.publisher_named}, \u201c{source.title}\u201d): {source.date_label} "
            f"{format_date(source.date or '')}; {_cited_by(item)}."
        )
    flagged = {item.source.id for item in stale}
    undated = [source.id for source in kb.sources.values() if not source.next_review and source.id not in flagged]
    if undated:
        lines.append(f"No next-review date given for: {', '.join(undated)}.")
    return "\n".join(lines)

"""Which source documents are past their review date, and which facts rely on them.

A publisher's review date passing means its advice may have changed since we took our facts from
it: the content owner should check the current version. Answers citing such a source already say
when its review was due; this report tells staff, and every test run prints it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from netfaq.core.knowledge import KnowledgeBase, Source
from netfaq.core.replies import format_date
from netfaq.core.retrieval import fact_units

# Set to "fail" to make overdue sources fail `netfaq freshness` and the test run (default: "warn").
STALE_SOURCES_SETTING = "NETFAQ_STALE_SOURCES"
STALE_SOURCES_CHOICES = ("warn", "fail")


@dataclass(frozen=True)
class OverdueSource:
    source: Source
    facts: tuple[str, ...]  # the facts citing it, by key (procedure/topic/number or general/topic/number)
    helpline: bool  # whether the helpline's details come from it too


def overdue_sources(kb: KnowledgeBase, today: date) -> tuple[OverdueSource, ...]:
    units = fact_units(kb)
    return tuple(
        OverdueSource(
            source,
            tuple(unit.key for unit in units if source.id in unit.fact.sources),
            source.id in kb.helpline.sources,
        )
        for source in kb.sources.values()
        if source.next_review and source.next_review < today.isoformat()
    )


def fail_on_stale(environ: Mapping[str, str]) -> bool:
    value = environ.get(STALE_SOURCES_SETTING, "warn").strip().lower() or "warn"
    if value not in STALE_SOURCES_CHOICES:
        raise ValueError(f"{STALE_SOURCES_SETTING}={value!r}: use one of {', '.join(STALE_SOURCES_CHOICES)}")
    return value == "fail"


def freshness_report(kb: KnowledgeBase, today: date) -> str:
    overdue = overdue_sources(kb, today)
    lines = [
        f"Source freshness on {format_date(today.isoformat())}: {len(overdue)} of {len(kb.sources)} "
        f"source{'s' if len(kb.sources) != 1 else ''} past {'its' if len(overdue) == 1 else 'their'} review date."
    ]
    for item in overdue:
        source = item.source
        cited = f"cited by {len(item.facts)} fact{'s' if len(item.facts) != 1 else ''}"
        if item.helpline:
            cited += " and the helpline's details"
        lines.append(
            f"- {source.id} ({source.publisher}, \u201c{source.title}\u201d): review was due "
            f"{format_date(source.next_review)}; {cited}:"
        )
        lines += textwrap.wrap(", ".join(item.facts), width=100, initial_indent="    ", subsequent_indent="    ")
    undated = [source.id for source in kb.sources.values() if not source.next_review]
    if undated:
        lines.append(f"No next-review date given for: {', '.join(undated)}.")
    return "\n".join(lines)

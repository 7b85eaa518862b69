"""Find an event's class by its name once per name, not by walking Rasa's class tree for every event.

Rasa 3.6's `Event.resolve_by_type` lists every subclass of `Event` (with an abstract-class check
for each) for every event it reads back: 6% of the server's time under load, profiled. The answer
for a name never changes once Rasa's event classes are defined, so found classes are remembered;
names Rasa doesn't know still go to Rasa, which decides what to do with them.
"""

from __future__ import annotations

from typing import Type

from rasa.shared.core.events import Event

_rasa_resolve_by_type = Event.resolve_by_type
_found: dict[str, Type[Event]] = {}


def resolve_by_type(type_name: str, default: Type[Event] | None = None) -> Type[Event] | None:
    found = _found.get(type_name) if isinstance(type_name, str) else None
    if found is None:
        found = _rasa_resolve_by_type(type_name, default)
        if found is not None and found is not default:
            _found[type_name] = found
    return found


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)

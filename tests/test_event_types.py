"""Event classes are found by name exactly as Rasa finds them."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

import rasa_extensions  # noqa: F401 (installs the lookup)
from rasa_extensions.patches.event_types import _rasa_resolve_by_type, resolve_by_type


def test_installed_on_rasa_events():
    assert Event.resolve_by_type is resolve_by_type


@pytest.mark.parametrize("name", sorted({cls.type_name for cls in all_subclasses(Event)}))
def test_every_event_name_resolves_to_rasas_class(name):
    assert resolve_by_type(name) is _rasa_resolve_by_type(name)
    assert resolve_by_type(name) is _rasa_resolve_by_type(name)  # and again, from memory


def test_unknown_names_keep_rasas_answers():
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        resolve_by_type("no_such_event")
    assert resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert resolve_by_type("topic") is None


def test_events_read_back_through_rasa():
    events = Event.from_parameters({"event": "user", "text": "does an mri hurt", "parse_data": {}})
    assert isinstance(events, UserUttered) and events.text == "does an mri hurt"
    slot = Event.from_parameters({"event": "slot", "name": "procedure", "value": "mri_scan"})
    assert isinstance(slot, SlotSet) and slot.value == "mri_scan"

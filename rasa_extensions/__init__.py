"""Extensions loaded by the Rasa server (the only project modules besides actions/ that import Rasa).

Rasa imports this package when it loads our NLU component, channel or tracker store, so the
faster response check and event lookup are in place before the first message.
"""

from rasa_extensions import action_response_check, event_types

action_response_check.install()
event_types.install()

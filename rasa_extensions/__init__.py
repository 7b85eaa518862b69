"""Extensions loaded by the Rasa server (the only project modules besides actions/ that import Rasa).

Rasa imports this package when it loads our NLU component, channel or tracker store, so the
kept-open action-server connections, faster response check, event lookup and graph runner are in
place before the model is loaded.
"""

from rasa_extensions import action_client, action_response_check, event_types, graph_runner

action_client.install()
action_response_check.install()
event_types.install()
graph_runner.install()

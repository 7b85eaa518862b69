"""Extensions loaded by the Rasa server (the only project modules besides actions/ that import Rasa).

Rasa imports this package when it loads our NLU component, channel or tracker store, so the
faster action-response check is in place before the first message.
"""

from rasa_extensions.action_response_check import install

install()

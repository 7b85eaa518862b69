"""The names of intents and actions that code (not only the domain) depends on, written once.

domain.yml declares them for Rasa; tests/test_dialogue.py checks that every name here is in it.
"""

FALLBACK_INTENT = "nlu_fallback"  # Rasa's FallbackClassifier's intent
OUT_OF_SCOPE_INTENT = "out_of_scope"
INFORM_INTENT = "inform"
EMERGENCY_INTENT = "emergency"
DEFER_HELP_INTENT = "defer_help"
DIAGNOSIS_INTENT = "request_diagnosis"
NEGATIVE_FEEDBACK_INTENT = "feedback_negative"
QUESTION_PREFIX = "ask_"  # ask_<topic> and ask_<general topic id>

ANSWER_ACTION = "action_answer_question"
HANDOFF_ACTION = "action_nurse_handoff"
NEGATIVE_FEEDBACK_ACTION = "action_negative_feedback"
WELCOME_ACTION = "action_welcome"
EMERGENCY_RESPONSE = "utter_emergency"

INTENTS = (
    FALLBACK_INTENT,
    OUT_OF_SCOPE_INTENT,
    INFORM_INTENT,
    EMERGENCY_INTENT,
    DEFER_HELP_INTENT,
    DIAGNOSIS_INTENT,
    NEGATIVE_FEEDBACK_INTENT,
)
ACTIONS = (ANSWER_ACTION, HANDOFF_ACTION, NEGATIVE_FEEDBACK_ACTION, WELCOME_ACTION)

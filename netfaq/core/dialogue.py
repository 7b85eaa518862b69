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
# What a message does to the last answer or the test in focus (data/nlu/dialogue_acts.yml).
CORRECTION_INTENT = "correct_test"  # "sorry, I meant the bone scan": the last question, for that test
SIMPLER_INTENT = "simplify"  # the last answer in plainer words
REPEAT_INTENT = "repeat_answer"  # the last answer again, or the part asked about
MORE_INTENT = "more_detail"  # every fact of the last answer's topic for that test
REDIRECT_INTENT = "redirect"  # a request the assistant can't handle (data/hospital/redirects.yml)
CONDITION_INTENT = "tell_condition"  # "I take insulin though": can they have the test in focus, so ask
APPOINTMENT_INTENT = "tell_appointment"  # "my scan is on Friday at 2": their own timeline for the test
SUPPORT_INTENT = "ask_coping"  # someone struggling: the coping facts and the helpline, never "which test?"

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
    CORRECTION_INTENT,
    SIMPLER_INTENT,
    REPEAT_INTENT,
    MORE_INTENT,
    REDIRECT_INTENT,
    CONDITION_INTENT,
    APPOINTMENT_INTENT,
    SUPPORT_INTENT,
)
ACTIONS = (ANSWER_ACTION, HANDOFF_ACTION, NEGATIVE_FEEDBACK_ACTION, WELCOME_ACTION)

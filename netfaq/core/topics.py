"""The topics a question about a test can have: one list, with the words each is shown and asked with.

The knowledge base files one list of facts (or `not_in_sources`) under each; the intent classifier
has one intent for each (`ask_<topic>`, checked against domain.yml by tests/test_topics.py).
"""

TOPICS = (
    "what_is",
    "why",
    "preparation",
    "arrival",
    "during",
    "afterwards",
    "duration",
    "pain",
    "risks",
    "results",
)

TOPIC_HEADINGS = {
    "what_is": "What it is",
    "why": "Why it is done",
    "preparation": "Preparing for it",
    "arrival": "When you arrive",
    "during": "What happens during it",
    "afterwards": "Afterwards",
    "duration": "How long it takes",
    "pain": "Does it hurt?",
    "risks": "Risks",
    "results": "Getting your results",
}

# Questions no source answers for any test; the answer always says so ("suitability": can I have
# this test with my condition?). Worded like TOPIC_GAPS.
GAP_QUESTIONS = {
    "suitability": "whether {test} is suitable for you, or for the person you are asking about",
}

# "Our sources don't say ..." completed for each topic; {test} is e.g. "an MRI scan".
TOPIC_GAPS = {
    "what_is": "what {test} involves",
    "why": "why {test} is done",
    "preparation": "how to prepare for {test}",
    "arrival": "what happens when you arrive for {test}",
    "during": "what happens during {test}",
    "afterwards": "what happens after {test}",
    "duration": "how long {test} takes",
    "pain": "whether {test} hurts",
    "risks": "what the risks of {test} are",
    "results": "when the results of {test} come",
}

"""JSON Schemas for the knowledge-base YAML files (structure only; cross-references are checked in knowledge.py)."""

from netfaq.core.topics import TOPICS

# In Python's order (date.weekday() is the index), as the helpline's opening days are written.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

NOT_IN_SOURCES = "not_in_sources"

ID_PATTERN = "[a-z][a-z0-9_]*"  # ids of procedures, topics, sources and FAQs, which are also file names
_ID = {"type": "string", "pattern": f"^{ID_PATTERN}$"}
_TEXT = {"type": "string", "minLength": 1, "pattern": r"\S"}
_DATE = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}(-\d{2})?$"}

_FACT = {
    "type": "object",
    "required": ["text", "source"],
    "additionalProperties": False,
    # `said_of`: what the source says the fact of, when that is not this test itself (a fact
    # borrowed from another test's page, e.g. "ultrasound scans in general"). Answers say so.
    # `plain`: the same fact in plain words (reading age 9 to 11), for "simpler please"; the
    # same figures and numbers as the text.
    "properties": {"text": _TEXT, "plain": _TEXT, "source": _ID, "said_of": _TEXT},
}

_FIGURE = {
    "type": "object",
    "required": ["display", "source"],
    "additionalProperties": False,
    "properties": {
        "display": _TEXT,
        "source": _ID,
        "value": {"type": "number"},
        "min": {"type": "number"},
        "max": {"type": "number"},
        "unit": _TEXT,
    },
}

SOURCES_SCHEMA = {
    "type": "object",
    "required": ["sources"],
    "additionalProperties": False,
    "properties": {
        "sources": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "publisher", "title", "document", "date_label", "date", "next_review"],
                "additionalProperties": False,
                "properties": {
                    # Who the document was written for, when that is not people with NETs.
                    "written_for": _TEXT,
                    # What the publisher is, when a patient would want to know ("a drug company"):
                    # shown beside the publisher wherever the source is named.
                    "publisher_is": _TEXT,
                    # The full reference (authors, journal, DOI): shown only where patients ask for
                    # more about the sources, not in every answer.
                    "citation": _TEXT,
                    "id": _ID,
                    "publisher": _TEXT,
                    "title": _TEXT,
                    "document": _TEXT,
                    "date_label": {"enum": ["last reviewed", "page dated", "published"]},
                    "date": _DATE,
                    "next_review": _DATE,
                },
            },
        }
    },
}

HELPLINE_SCHEMA = {
    "type": "object",
    "required": ["helpline"],
    "additionalProperties": False,
    "properties": {
        "helpline": {
            "type": "object",
            "required": ["name", "phone", "cost", "timezone", "days", "opens", "closes", "sources"],
            "additionalProperties": False,
            "properties": {
                "name": _TEXT,
                "phone": {"type": "string", "pattern": r"^0[0-9 ]{9,13}$"},
                "cost": _TEXT,
                "timezone": _TEXT,
                "days": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"enum": list(WEEKDAYS)},
                },
                "opens": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"},
                "closes": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"},
                "sources": {"type": "array", "minItems": 1, "items": _ID},
                "bank_holidays": {
                    "type": "object",
                    "required": ["country", "notice"],
                    "additionalProperties": False,
                    "properties": {
                        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                        "region": {"type": "string", "pattern": "^[A-Z]{2,3}$"},
                        "notice": {"type": "string", "pattern": r"\{holiday\}"},
                    },
                },
            },
        }
    },
}

PROCEDURE_SCHEMA = {
    "type": "object",
    "required": ["procedure"],
    "additionalProperties": False,
    "properties": {
        "procedure": {
            "type": "object",
            "required": ["id", "name", "article", "title", "aliases", "topics"],
            "additionalProperties": False,
            "properties": {
                "id": _ID,
                "name": _TEXT,
                "article": {"enum": ["a", "an", ""]},
                "title": _TEXT,
                "aliases": {"type": "array", "minItems": 1, "items": _TEXT},
                # Sets of words that, all in one message, mean this test ("tube throat").
                "described_as": {"type": "array", "items": _TEXT},
                # Words that only suggest this test ("gel"): used when no test is named or remembered.
                "hinted_by": {"type": "array", "items": _TEXT},
                "figures": {"type": "object", "additionalProperties": _FIGURE},
                "topics": {
                    "type": "object",
                    "required": list(TOPICS),
                    "additionalProperties": False,
                    "properties": {
                        topic: {
                            "oneOf": [
                                {"const": NOT_IN_SOURCES},
                                {"type": "array", "minItems": 1, "items": _FACT},
                            ]
                        }
                        for topic in TOPICS
                    },
                },
            },
        }
    },
}

GENERAL_SCHEMA = {
    "type": "object",
    "required": ["general"],
    "additionalProperties": False,
    "properties": {
        "general": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "title", "facts"],
                "additionalProperties": False,
                "properties": {
                    "id": _ID,
                    "title": _TEXT,
                    "offer_helpline": {"type": "boolean"},
                    # Whether the answer ends with the full references of its sources ("more about
                    # the sources"): for the topic that describes the sources themselves.
                    "cite_in_full": {"type": "boolean"},
                    # Regular expressions on the message (lower case, no apostrophes): when given, the
                    # topic's facts answer only messages matching one ("my results are late", not
                    # "when do I get my results?", which asks which test).
                    "asked_with": {"type": "array", "minItems": 1, "items": _TEXT},
                    "facts": {"type": "array", "minItems": 1, "items": _FACT},
                },
            },
        }
    },
}

FAQ_SCHEMA = {
    "type": "object",
    "required": ["faq"],
    "additionalProperties": False,
    "properties": {
        "faq": {
            "type": "object",
            "required": ["id", "question", "answer", "asked_as"],
            "additionalProperties": False,
            "properties": {
                "id": _ID,
                "question": _TEXT,  # shown as the answer's heading
                "answer": {"type": "array", "minItems": 1, "items": _FACT},
                # How patients ask it: matched like the facts themselves, so no retraining is needed.
                "asked_as": {"type": "array", "minItems": 1, "items": _TEXT},
                "offer_helpline": {"type": "boolean"},
                "cite_in_full": {"type": "boolean"},  # as for a general topic
                "asked_with": {"type": "array", "minItems": 1, "items": _TEXT},  # as for a general topic
            },
        }
    },
}

# How a test's figures become a patient's own dates (data/knowledge/timelines.yml).
TIMELINE_WORKINGS = ("start_before", "window_after", "date_after", "days_reached")
TIMELINES_SCHEMA = {
    "type": "object",
    "required": ["timelines"],
    "additionalProperties": False,
    "properties": {
        "timelines": {
            "type": "object",
            "required": ["timezone", "furthest_ahead_days", "recently_passed_days", "steps"],
            "additionalProperties": False,
            "properties": {
                "timezone": _TEXT,
                "bank_holidays": {
                    "type": "object",
                    "required": ["country"],
                    "additionalProperties": False,
                    "properties": {
                        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                        "region": {"type": "string", "pattern": "^[A-Z]{2,3}$"},
                    },
                },
                "furthest_ahead_days": {"type": "integer", "minimum": 1},
                "recently_passed_days": {"type": "integer", "minimum": 0},
                "steps": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": {
                        "type": "object",
                        "required": ["works_out", "label", "answers"],
                        "additionalProperties": False,
                        "properties": {
                            "works_out": {"enum": list(TIMELINE_WORKINGS)},
                            "label": _TEXT,
                            "answers": {"type": "array", "minItems": 1, "items": _ID},
                        },
                    },
                },
            },
        }
    },
}

"""Custom actions for the rasa-sdk action server, split by concern (lookup, handoff, safety, fallback)."""

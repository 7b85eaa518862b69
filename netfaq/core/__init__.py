"""Pure logic shared by every part of the assistant: no Rasa imports (tests/test_layout.py checks)."""

"""Extensions loaded by the Rasa server (the only project modules besides actions/ that import Rasa)."""

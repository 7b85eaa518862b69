"""Custom Rasa NLU components (the only project modules besides actions/ that import Rasa)."""

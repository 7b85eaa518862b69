"""Pure logic for the NET imaging FAQ assistant: no Rasa imports, so it is tested without a tracker."""

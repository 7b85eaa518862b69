"""The intent classifier's model, the augmentation of its training data, and its evaluation."""

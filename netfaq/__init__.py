"""The NET imaging FAQ assistant's own code, by audience:

- `netfaq.core`: the pure logic every part shares (knowledge base, wording of replies, matching,
  safety, redaction, helpline hours, request checks, database settings). No Rasa imports.
- `netfaq.nlu`: the intent classifier's model, training-data augmentation and evaluation.
- `netfaq.review`: what support staff use: stored conversations, notes and labels, retention
  and erasure, sign-in sessions and the review pages.
- `netfaq.tools`: what developers use: the `netfaq` command line, starting and watching the
  servers, training and the model registry, the retraining gate, ingesting documents, the hazard log.

Rasa-facing code lives beside this package: `actions/` (the action server) and `rasa_extensions/`.
docs/architecture.md follows a message, a document and a conversation through them.
"""

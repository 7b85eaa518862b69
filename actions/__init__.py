"""Custom actions for the rasa-sdk action server: answer, handoff, feedback, welcome.

rasa-sdk reads SANIC_HOST after importing this package: plain `rasa run actions` then listens on
loopback only, like everything else here, unless SANIC_HOST says otherwise.
"""

import os

os.environ.setdefault("SANIC_HOST", "127.0.0.1")

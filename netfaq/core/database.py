"""Where conversations are stored: the NETFAQ_DB_* settings, their defaults and the URL they make.

The one place these live. The tracker store, the review pages, retention and the commands that
start servers all read the database from here, so plain `rasa run` works with no variable set
(SQLite in var/conversations.db) and PostgreSQL is one set of variables away (see README).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import sqlalchemy as sa

from netfaq.core.paths import PROJECT_ROOT

DATABASE_SETTINGS = {
    "NETFAQ_DB_DIALECT": "sqlite",
    "NETFAQ_DB_NAME": str(PROJECT_ROOT / "var" / "conversations.db"),
    "NETFAQ_DB_HOST": "",
    "NETFAQ_DB_PORT": "",
    "NETFAQ_DB_USER": "",
    "NETFAQ_DB_PASSWORD": "",
}


def database_settings(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each setting from `env` (the process environment by default), else its default."""
    env = os.environ if env is None else env
    return {name: env.get(name) or default for name, default in DATABASE_SETTINGS.items()}


def database_url(env: Mapping[str, str] | None = None) -> sa.engine.URL:
    settings = database_settings(env)
    dialect = settings["NETFAQ_DB_DIALECT"]
    if dialect == "sqlite":
        return sa.engine.URL.create("sqlite", database=settings["NETFAQ_DB_NAME"])
    return sa.engine.URL.create(
        dialect,
        username=settings["NETFAQ_DB_USER"] or None,
        password=settings["NETFAQ_DB_PASSWORD"] or None,
        host=settings["NETFAQ_DB_HOST"] or None,
        port=int(settings["NETFAQ_DB_PORT"]) if settings["NETFAQ_DB_PORT"] else None,
        database=settings["NETFAQ_DB_NAME"],
    )

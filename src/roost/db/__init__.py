"""Relational storage: schema, engine set-up and migrations."""

import logging

# Alembic announces each of its plugins at INFO when it is imported (every
# `roost migrate`, every app process's first readiness check): set before
# roost.db.migrate imports it, so those lines stay out of the logs.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

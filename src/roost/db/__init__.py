"""Relational storage: schema, engine set-up and migrations."""

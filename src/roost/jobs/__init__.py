"""Durable background jobs: an outbox table drained by workers."""

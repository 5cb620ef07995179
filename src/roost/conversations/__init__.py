"""Conversations: each account's direct-message threads."""

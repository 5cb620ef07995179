"""Moderation endpoints (Mastodon's /api/v1/admin/...): for now, accounts."""

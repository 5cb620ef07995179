"""Filters: keywords and statuses an account hides or is warned about."""

"""Accounts: sign-up, profiles, credentials, lookups."""

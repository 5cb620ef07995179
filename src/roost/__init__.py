"""Roost: a Twitter-like social service that speaks the Mastodon client API."""

__version__ = "0.1.0"

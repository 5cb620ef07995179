"""Seed."""

"""Notifications: who did what to one of the viewer's accounts or statuses.

Rows are written by the workers only, from outbox jobs the acting
transaction enqueued (``outbox``), and always through ``create.create``: the
one place a notification comes into being, where delivery (streaming, Web
Push) hooks in.
"""

"""HTTP routes of the accounts domain."""

from __future__ import annotations

from roost.api.routing import Router

router = Router("accounts")

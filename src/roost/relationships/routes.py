"""HTTP routes of the relationships domain."""

from __future__ import annotations

from roost.api.routing import Router

router = Router("relationships")

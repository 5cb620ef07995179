"""HTTP routes of the statuses domain."""

from __future__ import annotations

from roost.api.routing import Router

router = Router("statuses")

"""HTTP routes of the timelines domain."""

from __future__ import annotations

from roost.api.routing import Router

router = Router("timelines")

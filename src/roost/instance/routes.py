"""HTTP routes of the instance domain."""

from __future__ import annotations

from roost.api.routing import Router

router = Router("instance")

"""HTTP routes of the oauth domain."""

from __future__ import annotations

from roost.api.routing import Router

router = Router("oauth")

"""The job a new status or reblog enqueues in its own transaction.

One job per post: ``fanout_status`` delivers it to home, list and hashtag
followers' timelines and, with ``notify`` set, also makes its
notifications (mentions, subscribers' ``status``, the ``reblog``). A post
used to enqueue a separate ``notify_status`` job as well; one job halves
the claims and deletions a post costs the workers, and lets a worker
fan out several posts together (``roost.timelines.fanout_batch``).
"""

from __future__ import annotations

from typing import Any

FANOUT_STATUS = "fanout_status"


def new_status_job(status_id: int) -> tuple[str, dict[str, Any]]:
    """(kind, payload) of the job of a new status or reblog."""
    return FANOUT_STATUS, {"status_id": status_id, "notify": True}

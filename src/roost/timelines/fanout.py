"""Fan-out jobs (placeholder: filled in by the timelines work)."""

from __future__ import annotations

from roost.jobs.runner import JobHandler

JOB_HANDLERS: dict[str, JobHandler] = {}

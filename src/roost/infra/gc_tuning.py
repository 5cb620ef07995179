"""The garbage collector set for a long-running server process.

CPython's cyclic collector walks every container object of a generation
when it collects it, and a full (generation-2) collection walks all of them:
the modules, SQLAlchemy's metadata and compiled statements, the connection
pools, the process-local caches. In a server that holds many long-lived
objects each full collection stops the event loop for as long as that walk
takes.

``settle`` collects once and then freezes what is alive
(``gc.freeze``: those objects move to a permanent generation that no
collection walks again). It runs after start-up, when the objects that live
as long as the process exist, and again after a warm-up, once the caches
have filled.

The thresholds stay CPython's (700 allocations for a young collection). A
larger first generation (50,000) was measured and rejected: young
collections became rare but each walked tens of thousands of objects, 32-38
ms of CPU against 1-3 ms (docs/benchmarks.md, "Process stalls"); for the
tail latency, many short pauses are better than a few long ones.

The cost: a cycle of garbage frozen by ``settle`` is never freed (the
collection just before the freeze leaves only live objects, so this is what
became garbage between that collection and the freeze: nothing, in one
thread). Objects frozen and later dropped by reference counting are freed
as usual.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger("roost.stalls")


def settle(reason: str) -> None:
    """Collect everything, then freeze what survived (logged with ``reason``)."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.info(
        "garbage collector settled (%s): %d objects frozen, %.1fms",
        reason,
        gc.get_freeze_count(),
        (time.perf_counter() - started) * 1000,
    )


def restore() -> None:
    """CPython's defaults, everything scanned again (tests)."""
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
